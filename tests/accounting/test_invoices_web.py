"""Invoice, tax and settings pages."""

import pytest
from django.urls import reverse

from tandem.accounting.models import AccountingSettings, Invoice, Tax
from tests.accounting.conftest import YEAR, D

pytestmark = pytest.mark.django_db


def form_data(customer, tax, **extra):
    data = {
        "party": customer.pk,
        "date": f"{YEAR}-03-10",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-description": "Consulting",
        "lines-0-quantity": "2",
        "lines-0-unit_price": "100",
        "lines-0-taxes": [tax.pk],
    }
    data.update(extra)
    return data


def test_create_save_and_post_from_the_form(web, customer, taxes):
    url = reverse("accounting:invoice_create", args=["customer-invoices"])
    assert web.get(url).status_code == 200

    preview_url = reverse("accounting:invoice_preview", args=["customer-invoices"])
    preview = web.post(preview_url, form_data(customer, taxes["销项税 13%"]))
    assert preview.status_code == 200
    assert preview.context["figures"]["total"] == D("226.00")
    assert b"226.00" in preview.content
    assert not Invoice.objects.exists()

    response = web.post(url, form_data(customer, taxes["销项税 13%"], save_post="1"))
    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("accounting:invoice_detail", args=[invoice.pk])
    assert (invoice.state, invoice.number, invoice.total_amount) == (
        "posted",
        f"INV/{YEAR}/00001",
        D("226.00"),
    )
    detail = web.get(response["Location"])
    assert detail.status_code == 200
    assert b"INV/2026/00001" in detail.content and b"226.00" in detail.content


def test_a_refused_save_re_renders_with_the_error_and_saves_nothing(web, customer, taxes):
    url = reverse("accounting:invoice_create", args=["vendor-bills"])
    response = web.post(url, form_data(customer, taxes["销项税 13%"], save="1"))
    # a customer is not a supplier, and a sales tax is not offered on a bill
    assert response.status_code == 422
    assert not Invoice.objects.exists()


def test_a_refused_line_value_stays_in_its_cell(web, customer, taxes):
    # rows are added in the browser (tests/browser/test_documents.py); the server keeps
    # every row as typed and names the refused cell
    url = reverse("accounting:invoice_create", args=["customer-invoices"])
    data = form_data(customer, taxes["销项税 13%"], save="1")
    data.update({"lines-n2-description": "Travel", "lines-n2-quantity": "abc"})
    response = web.post(url, data)
    assert response.status_code == 422
    rows = response.context["editor"]["rows"]
    assert [r["key"] for r in rows] == ["0", "n2"]
    assert rows[1]["errors"] == {"quantity": "Enter a number."}
    assert 'value="abc"' in response.content.decode()
    assert not Invoice.objects.exists()


def test_lists_filter_and_export(web, draft, supplier):
    draft(post=True)
    draft(kind="vendor_bill", party=supplier)
    page = web.get(reverse("accounting:invoice_list", args=["customer-invoices"]))
    assert page.status_code == 200 and b"INV/2026/00001" in page.content
    bills = web.get(reverse("accounting:invoice_list", args=["vendor-bills"]), {"state": "draft"})
    assert b"Shanghai Supplier" in bills.content and b"INV/2026" not in bills.content
    csv = web.get(reverse("accounting:invoice_list", args=["customer-invoices"]), {"format": "csv"})
    body = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert "INV/2026/00001" in body and "226.00" in body
    xlsx = web.get(reverse("accounting:invoice_list", args=["vendor-bills"]), {"format": "xlsx"})
    assert xlsx.content[:2] == b"PK"
    assert web.get(reverse("accounting:invoice_list", args=["nonsense"])).status_code == 404


def test_detail_actions_cancel_credit_and_pdf(web, draft):
    invoice = draft(post=True)
    credit = web.post(reverse("accounting:invoice_credit", args=[invoice.pk]))
    note = Invoice.objects.get(kind="customer_credit_note")
    assert credit["Location"] == reverse("accounting:invoice_detail", args=[note.pk])
    cancel = web.post(reverse("accounting:invoice_cancel", args=[invoice.pk]))
    assert cancel.status_code == 302
    assert Invoice.objects.get(pk=invoice.pk).state == "cancelled"
    pdf = web.get(reverse("accounting:invoice_pdf", args=[invoice.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_tax_pages_and_settings(web, taxes, company):
    assert (
        b"\xe9\x94\x80\xe9\xa1\xb9\xe7\xa8\x8e 13%"
        in web.get(reverse("accounting:tax_list")).content
    )
    response = web.post(
        reverse("accounting:tax_create"),
        {
            "name": "Stamp",
            "scope": "sale",
            "amount_type": "percent",
            "rate": "0.05",
            "sequence": "50",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content
    assert Tax.objects.get(company=company, name="Stamp").rate == D("0.05")
    settings = web.post(reverse("accounting:settings"), {"tax_rounding": "document"})
    assert settings.status_code == 302
    assert AccountingSettings.objects.get(company=company).tax_rounding == "document"
    assert web.post(reverse("accounting:settings"), {"tax_rounding": "x"}).status_code == 422
