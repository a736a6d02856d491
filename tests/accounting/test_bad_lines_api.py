"""Issue 12, bad input on invoices through the API: letters in a number, a negative
quantity, a product of another company, a purchase tax on a sale, a credit note larger than
its invoice — a 4xx with a stable code and the field named, nothing written."""

import pytest

from tandem.accounting.models import Entry, Invoice, InvoiceLine
from tandem.catalog.services import product_create

from .conftest import YEAR

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("line", "code", "field"),
    [
        ({"quantity": "3x"}, None, "quantity"),
        ({"quantity": "-1"}, None, "quantity"),
        ({"unit_price": "1e400"}, None, "unit_price"),
        ({"product": "other"}, "reference.invalid", "product"),
        ({"taxes": "purchase"}, "tax.scope_mismatch", "taxes"),
    ],
)
def test_a_bad_invoice_line_is_refused_and_nothing_written(
    api, customer, product, taxes, other_company, line, code, field
):
    if line.get("product") == "other":
        line = {"product": product_create(company=other_company, sku="X", name="X").pk}
    if line.get("taxes") == "purchase":
        line = {"taxes": [taxes["进项税 13%"].pk]}
    body = {
        "kind": "customer_invoice",
        "party": customer.pk,
        "date": f"{YEAR}-03-10",
        "lines": [{"product": product.pk, "quantity": "2", "unit_price": "100", **line}],
    }
    answer = api.post("/invoices", body)
    assert answer.status_code == 422, answer.content
    problem = answer.json()
    if code:
        assert problem["code"] == code
    fields = [error.get("field") or "" for error in problem.get("errors", [])]
    assert any(field in name for name in fields) or field in problem.get("detail", ""), problem
    assert not Invoice.objects.exists() and not InvoiceLine.objects.exists()


def test_a_credit_note_larger_than_its_invoice_is_refused(api, draft):
    invoice = draft(post=True)  # 2 x 100.00 + 13 %
    credit = api.post(f"/invoices/{invoice.pk}/credit", {"date": f"{YEAR}-03-20"})
    assert credit.status_code == 201, credit.content
    note = credit.json()
    line = note["lines"][0]
    grown = api.patch(
        f"/invoices/{note['id']}",
        {"lines": [{"description": line["description"], "quantity": "3", "unit_price": "100",
                    "taxes": line["taxes"]}]},
    )  # fmt: skip
    assert grown.status_code == 200, grown.content
    entries = Entry.objects.count()
    posted = api.post(f"/invoices/{note['id']}/post")
    assert posted.status_code == 409, posted.content
    assert posted.json()["code"] == "invoice.credit_exceeds_invoice"
    assert Invoice.objects.get(pk=note["id"]).state == "draft"
    assert Entry.objects.count() == entries
    assert api.get(f"/invoices/{invoice.pk}").json()["payment_state"] == "not_paid"
