"""Issue 12, bad input on purchase orders through the API: letters in a number, a negative
quantity or price, a product of another company, a sales tax on a purchase: a 4xx with a
stable code and the field named, nothing written."""

import pytest

from tandem.accounting.models import Tax
from tandem.catalog.services import product_create
from tandem.purchasing.models import PurchaseOrder, PurchaseOrderLine

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("line", "code", "field"),
    [
        ({"quantity": "3x"}, None, "quantity"),
        ({"quantity": "-1"}, None, "quantity"),
        ({"unit_price": "-8"}, None, "unit_price"),
        ({"product": "other"}, "reference.invalid", "product"),
        ({"taxes": "sale"}, "tax.scope_mismatch", "taxes"),
    ],
)
def test_a_bad_purchase_line_is_refused_and_nothing_written(
    api, chart, supplier, warehouse, widget, other_company, line, code, field
):
    if line.get("product") == "other":
        line = {"product": product_create(company=other_company, sku="X", name="X").pk}
    if line.get("taxes") == "sale":
        line = {"taxes": [Tax.objects.get(company=chart, name="销项税 13%").pk]}
    body = {
        "supplier": supplier.pk,
        "warehouse": warehouse.pk,
        "lines": [{"product": widget.pk, "quantity": "10", "unit_price": "8.00", **line}],
    }
    answer = api.post("/purchase-orders", body)
    assert answer.status_code == 422, answer.content
    problem = answer.json()
    if code:
        assert problem["code"] == code
    fields = [error.get("field") or "" for error in problem.get("errors", [])]
    assert any(field in name for name in fields) or field in problem.get("detail", ""), problem
    assert not PurchaseOrder.objects.exists() and not PurchaseOrderLine.objects.exists()
