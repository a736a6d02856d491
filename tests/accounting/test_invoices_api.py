"""/taxes and /invoices over the REST API."""

import pytest

from tandem.accounting.models import Invoice, Tax
from tandem.catalog.services import product_create
from tandem.core.services import company_create, membership_grant
from tests.accounting.conftest import YEAR
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def new_invoice(api, customer, taxes, **extra):
    body = {
        "kind": "customer_invoice",
        "party": customer.pk,
        "date": f"{YEAR}-03-10",
        "lines": [
            {
                "description": "Consulting",
                "quantity": "2",
                "unit_price": "100",
                "taxes": [taxes["销项税 13%"].pk],
            }
        ],
        **extra,
    }
    return api.post("/invoices", body)


def test_taxes_list_read_create_patch_delete(api, taxes, acct):
    listed = api.get("/taxes", {"scope": "sale"}).json()
    assert listed["count"] == 4
    first = listed["items"][0]
    assert (first["name"], first["rate"], first["amount_type"], first["scope"]) == (
        "销项税 13%",
        "13.00",
        "percent",
        "sale",
    )
    assert first["price_include"] is False

    made = api.post(
        "/taxes", {"name": "Fee", "scope": "sale", "rate": "0.5", "amount_type": "fixed"}
    )
    assert made.status_code == 201, made.content
    assert (made.json()["rate"], made.json()["account"]) == ("0.50", acct["222102"].pk)
    patched = api.patch(f"/taxes/{made.json()['id']}", {"rate": "0.75", "label": "Eco"})
    assert (patched.json()["rate"], patched.json()["label"]) == ("0.75", "Eco")
    assert api.delete(f"/taxes/{made.json()['id']}").status_code == 204
    assert api.get(f"/taxes/{made.json()['id']}").status_code == 404


def test_a_used_tax_is_not_deleted(api, customer, taxes):
    assert new_invoice(api, customer, taxes).status_code == 201
    vat = taxes["销项税 13%"]
    response = api.delete(f"/taxes/{vat.pk}")
    assert response.status_code == 409
    assert response.json()["code"] == "tax.in_use"
    assert Tax.objects.filter(pk=vat.pk).exists()


def test_invoice_create_read_post_and_the_field_names(api, customer, taxes, acct):
    created = new_invoice(api, customer, taxes)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["state"], body["number"], body["currency"]) == ("draft", None, "CNY")
    line = body["lines"][0]
    assert {k: line[k] for k in ("quantity", "unit_price", "discount", "taxes", "account")} == {
        "quantity": "2.0000",
        "unit_price": "100.000000",
        "discount": "0.00",
        "taxes": [taxes["销项税 13%"].pk],
        "account": acct["6001"].pk,
    }
    assert (line["untaxed_amount"], line["tax_amount"], line["total_amount"]) == (
        "200.00",
        "26.00",
        "226.00",
    )
    assert body["tax_lines"] == [
        {
            "tax": taxes["销项税 13%"].pk,
            "name": "增值税 13%",
            "rate": "13.00",
            "base": "200.00",
            "amount": "26.00",
        }
    ]

    posted = api.post(f"/invoices/{body['id']}/post")
    assert posted.status_code == 200, posted.content
    data = posted.json()
    assert (data["state"], data["number"], data["payment_state"]) == (
        "posted",
        f"INV/{YEAR}/00001",
        "not_paid",
    )
    assert (data["total_amount"], data["residual_amount"], data["due_date"]) == (
        "226.00",
        "226.00",
        f"{YEAR}-03-10",
    )
    assert data["entry"] is not None

    again = api.post(f"/invoices/{body['id']}/post")
    assert again.status_code == 409
    assert again.json()["code"] == "invoice.invalid_transition"
    patch = api.patch(f"/invoices/{body['id']}", {"reference": "x"})
    assert (patch.status_code, patch.json()["code"]) == (409, "invoice.not_draft")
    assert api.delete(f"/invoices/{body['id']}").status_code == 409


def test_patch_replaces_lines_and_delete_removes_a_draft(api, customer, taxes):
    invoice_id = new_invoice(api, customer, taxes).json()["id"]
    patched = api.patch(
        f"/invoices/{invoice_id}",
        {"lines": [{"description": "Tea", "unit_price": "50", "taxes": []}], "reference": "PO-1"},
    )
    assert patched.status_code == 200, patched.content
    assert (patched.json()["total_amount"], patched.json()["reference"]) == ("50.00", "PO-1")
    assert api.delete(f"/invoices/{invoice_id}").status_code == 204
    assert not Invoice.objects.filter(pk=invoice_id).exists()


def test_cancel_and_credit(api, customer, taxes):
    invoice_id = new_invoice(api, customer, taxes).json()["id"]
    api.post(f"/invoices/{invoice_id}/post")
    credit = api.post(f"/invoices/{invoice_id}/credit", {"date": f"{YEAR}-03-20"})
    assert credit.status_code == 201, credit.content
    assert (credit.json()["kind"], credit.json()["credited_invoice"], credit.json()["state"]) == (
        "customer_credit_note",
        invoice_id,
        "draft",
    )
    assert api.get(f"/invoices/{invoice_id}").json()["credit_notes"] == [credit.json()["id"]]
    cancelled = api.post(f"/invoices/{invoice_id}/cancel")
    assert cancelled.status_code == 200, cancelled.content
    assert (cancelled.json()["state"], cancelled.json()["residual_amount"]) == ("cancelled", "0.00")


def test_invoice_list_filters_and_query_count(
    api, customer, supplier, taxes, django_assert_num_queries
):
    for _ in range(3):
        new_invoice(api, customer, taxes)
    bill = new_invoice(api, supplier, taxes, kind="vendor_bill")
    assert bill.status_code == 422  # a sales tax on a bill
    assert bill.json()["code"] == "tax.scope_mismatch"
    api.post(f"/invoices/{new_invoice(api, customer, taxes).json()['id']}/post")
    api.get("/invoices")  # warm up: token, permissions

    with django_assert_num_queries(5):
        page = api.get("/invoices", {"kind": "customer_invoice"}).json()
    assert page["count"] == 4
    for _ in range(6):
        new_invoice(api, customer, taxes)
    with django_assert_num_queries(5):  # the same with more rows
        assert api.get("/invoices").json()["count"] == 10
    assert api.get("/invoices", {"state": "posted"}).json()["count"] == 1
    assert api.get("/invoices", {"party": supplier.pk}).json()["count"] == 0
    assert api.get("/invoices", {"date_from": f"{YEAR}-04-01"}).json()["count"] == 0
    assert api.get("/invoices", {"payment_state": "paid"}).json()["count"] == 0
    assert api.get("/invoices", {"kind": "bogus"}).status_code == 422


def test_bad_references_are_422_and_other_companies_404(api, customer, taxes, company):
    other = company_create(code="ZZ", name="Other", currency="CNY")
    foreign_product = product_create(company=other, sku="X", name="X")
    response = new_invoice(api, customer, taxes)
    invoice_id = response.json()["id"]
    bad = api.patch(
        f"/invoices/{invoice_id}", {"lines": [{"product": foreign_product.pk, "quantity": "1"}]}
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "reference.invalid")
    assert bad.json()["errors"][0]["field"] == "lines.0.product"
    assert api.get(f"/invoices/{invoice_id}").json()["total_amount"] == "226.00"

    stranger = UserFactory(username="stranger")
    membership_grant(user=stranger, company=other, roles=["owner"])
    from tests.conftest import ApiClient

    assert ApiClient(stranger, other).get(f"/invoices/{invoice_id}").status_code == 404


def test_invoice_pdf_endpoint(api, customer, taxes):
    invoice_id = new_invoice(api, customer, taxes).json()["id"]
    response = api.get(f"/invoices/{invoice_id}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_product_taxes_are_read_and_written_through_the_catalog(api, taxes, company):
    vat, input_vat = taxes["销项税 13%"], taxes["进项税 13%"]
    made = api.post(
        "/products",
        {"sku": "T-1", "name": "Tea", "taxes": [vat.pk], "purchase_taxes": [input_vat.pk]},
    )
    assert made.status_code == 201, made.content
    assert (made.json()["taxes"], made.json()["purchase_taxes"]) == ([vat.pk], [input_vat.pk])
    product_id = made.json()["id"]
    item = api.get("/products").json()["items"][0]
    assert (item["taxes"], item["purchase_taxes"]) == ([vat.pk], [input_vat.pk])
    # each list replaces its own scope only
    patched = api.patch(f"/products/{product_id}", {"taxes": [taxes["销项税 9%"].pk]})
    assert patched.json()["taxes"] == [taxes["销项税 9%"].pk]
    assert patched.json()["purchase_taxes"] == [input_vat.pk]
    bad = api.patch(f"/products/{product_id}", {"taxes": [999999]})
    assert (bad.status_code, bad.json()["code"]) == (422, "reference.invalid")
    # a purchase tax as a sales default is refused, nothing changes
    wrong = api.patch(f"/products/{product_id}", {"taxes": [input_vat.pk], "name": "Changed"})
    assert (wrong.status_code, wrong.json()["code"]) == (422, "tax.scope_mismatch")
    assert wrong.json()["errors"][0]["field"] == "taxes"
    after = api.get(f"/products/{product_id}").json()
    assert (after["name"], after["taxes"]) == ("Tea", [taxes["销项税 9%"].pk])


def test_category_taxes_through_the_catalog_api(api, taxes, company):
    vat9, in9 = taxes["销项税 9%"], taxes["进项税 9%"]
    made = api.post(
        "/product-categories", {"name": "Food", "taxes": [vat9.pk], "purchase_taxes": [in9.pk]}
    )
    assert made.status_code == 201, made.content
    assert (made.json()["taxes"], made.json()["purchase_taxes"]) == ([vat9.pk], [in9.pk])
    listed = api.get("/product-categories").json()["items"][0]
    assert (listed["taxes"], listed["purchase_taxes"]) == ([vat9.pk], [in9.pk])
    wrong = api.patch(f"/product-categories/{made.json()['id']}", {"purchase_taxes": [vat9.pk]})
    assert (wrong.status_code, wrong.json()["code"]) == (422, "tax.scope_mismatch")
    cleared = api.patch(f"/product-categories/{made.json()['id']}", {"taxes": []})
    assert (cleared.json()["taxes"], cleared.json()["purchase_taxes"]) == ([], [in9.pk])
    # a product of the category with no taxes of its own is invoiced with the category's
    product = api.post("/products", {"sku": "RICE", "name": "Rice", "category": made.json()["id"]})
    assert product.json()["purchase_taxes"] == []  # its own: none
