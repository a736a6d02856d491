"""Bad sales-order lines through the API: a 4xx with a stable code, nothing written."""

import pytest

from tandem.accounting.models import Tax
from tandem.catalog.services import product_create
from tandem.sales.models import SalesOrder, SalesOrderLine

pytestmark = pytest.mark.django_db


@pytest.fixture
def goods(make_product):
    return make_product("100")


@pytest.mark.parametrize(
    ("line", "status", "code", "field"),
    [
        ({"quantity": "3x"}, 422, None, "quantity"),
        ({"quantity": "-1"}, 422, None, "quantity"),
        ({"product": "other"}, 422, "reference.invalid", "product"),
        ({"taxes": "purchase"}, 422, "tax.scope_mismatch", "taxes"),
        ({"unit_price": "50"}, 403, "sales.price_below_floor", "unit_price"),
    ],
)
def test_bad_line_is_refused_and_nothing_written(
    api_as, clerk, books, customer, goods, other_company, line, status, code, field
):
    if line.get("product") == "other":
        line = {"product": product_create(company=other_company, sku="X", name="X").pk}
    if line.get("taxes") == "purchase":
        line = {"taxes": [Tax.objects.get(company=books, name="进项税 13%").pk]}
    body = {"party": customer.pk, "lines": [{"product": goods.pk, "quantity": "2", **line}]}
    answer = api_as(clerk, books).post("/sales-orders", body)
    assert answer.status_code == status, answer.content
    problem = answer.json()
    if code:
        assert problem["code"] == code
    assert any(field in (e.get("field") or "") for e in problem.get("errors", [])) or (
        field in problem.get("detail", "")
    )
    assert not SalesOrder.objects.exists() and not SalesOrderLine.objects.exists()
