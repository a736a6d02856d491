"""Issue 14, hole 8: bad input in pages and the API answers a 4xx (or the form's message),
never a 500, and writes nothing. Runs on SQLite and PostgreSQL (the NUL case matters there)."""

from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.test import Client

from tandem.crm.models import SalesTarget
from tandem.inventory.models import InventoryCount, Transfer
from tandem.sales import services
from tandem.sales.models import SalesReturn
from tests.sales import conftest as sales_fixtures

# the sales tests' fixtures: books (chart and fiscal year), a customer, products, stock, orders
books, vat13, customer = sales_fixtures.books, sales_fixtures.vat13, sales_fixtures.customer
make_product, wh, stock_in = sales_fixtures.make_product, sales_fixtures.wh, sales_fixtures.stock_in
order_of = sales_fixtures.order_of


@pytest.fixture
def page(owner):
    """A browser whose 500s come back as responses (as a real one would see them)."""
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    return client


# -- ids that are not numbers ------------------------------------------------------------

NOT_IDS = ["abc", "1.5", "-1", "99999999999999999999999"]


@pytest.mark.parametrize("bad", NOT_IDS)
@pytest.mark.parametrize(
    "url, field",
    [
        ("/inventory/stock/", "product"),
        ("/inventory/stock/", "location"),
        ("/inventory/stock/", "warehouse"),
        ("/inventory/moves/", "product"),
        ("/inventory/moves/", "location"),
    ],
)
def test_a_non_numeric_id_in_an_inventory_filter_is_404(page, url, field, bad):
    assert page.get(url, {field: bad}).status_code == 404


@pytest.mark.parametrize("bad", NOT_IDS)
def test_a_non_numeric_id_in_an_inventory_form_is_404_and_writes_nothing(page, wh, bad):
    made = [
        page.post("/inventory/transfers/new/", {"kind": "receipt", "party": bad}),
        page.post(
            "/inventory/transfers/new/",
            {"kind": "receipt", "product_0": bad, "quantity_0": "1"},
        ),
        page.post("/inventory/counts/", {"location": bad}),
    ]

    assert [r.status_code for r in made] == [404, 404, 404]
    assert not Transfer.objects.exists() and not InventoryCount.objects.exists()


@pytest.mark.parametrize(
    "url, params",
    [
        ("/crm/performance/", {"team": "abc"}),
        ("/crm/leads/", {"owner": "abc", "team": "abc", "page": "abc"}),
        ("/crm/opportunities/", {"owner": "abc", "stage": "abc", "team": "abc"}),
        ("/crm/opportunities/board/", {"team": "abc", "owner": "abc"}),
        ("/sales/orders/", {"party": "abc", "page": "abc"}),
        ("/sales/orders/new/", {"party": "abc"}),
        ("/sales/returns/", {"order": "abc", "party": "abc"}),
    ],
)
def test_non_numeric_ids_in_crm_and_sales_pages_are_no_500(page, books, url, params):
    assert page.get(url, params).status_code in (200, 400, 404)


# -- numbers too large ------------------------------------------------------------------


@pytest.fixture
def shipped(make_product, order_of, stock_in):
    product = make_product("100", sku="RET-1")
    stock_in(product, 5)
    order = services.sales_order_confirm(order=order_of((product, 2)))
    services.delivery_step(order=order, step="ship")
    services.sales_order_invoice(orders=[order], post=True)
    return order


@pytest.mark.parametrize("quantity", ["1e24", "1E+30", "99999999999999999999999999"])
def test_a_huge_return_quantity_is_refused(page, api, shipped, quantity):
    line = shipped.lines.get()

    form = page.post(f"/sales/orders/{shipped.pk}/return/", {f"qty_{line.pk}": quantity})
    answer = api.post(
        "/returns", {"order": shipped.pk, "lines": [{"order_line": line.pk, "quantity": quantity}]}
    )

    assert form.status_code == 422
    assert b"too large" in form.content
    assert answer.status_code == 422
    assert answer.json()["code"].startswith("validation.")
    assert not SalesReturn.objects.exists()


def test_the_service_refuses_a_huge_quantity_with_its_code(shipped):
    from tandem.core.errors import ValidationFailed

    line = shipped.lines.get()
    with pytest.raises(ValidationFailed) as refused:
        services.sales_return_create(
            order=shipped, lines=[{"order_line": line.pk, "quantity": Decimal("1E+24")}]
        )
    assert refused.value.code == "validation.max_value"


# -- dates past what a date holds -------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/reports/sales-performance?on=9999-12-31&period=month",
        "/reports/sales-performance?on=9999-12-31&period=year",
        "/reports/trial-balance?date_from=9999-12-31&date_to=9999-12-31",
        "/reports/general-ledger?date_from=9999-12-31&date_to=9999-12-31",
        "/reports/profit-and-loss?date_from=9999-12-31&date_to=9999-12-31",
        "/reports/balance-sheet?as_of=9999-12-31",
        "/reports/aged-receivables?as_of=9999-12-31",
        "/reports/aged-payables?as_of=9999-12-31",
        "/reports/tax?date_from=9999-12-31&date_to=9999-12-31",
        "/reports/order-fulfilment?date_from=9999-12-31&date_to=9999-12-31",
    ],
)
def test_a_report_up_to_9999_12_31_is_no_500(api, books, path):
    answer = api.get(path)

    assert answer.status_code in (200, 400, 422), answer.content
    if answer.status_code != 200:
        assert answer["Content-Type"] == "application/problem+json"


def test_a_performance_page_in_year_9999_is_a_refusal_page(page, books):
    answered = page.get("/crm/performance/", {"on": "9999-12-31", "period": "year"})
    target = page.post(
        "/crm/performance/?on=9999-12-31&period=year",
        {"period": "year", "period_start": "9999-12-31", "measure": "won_revenue"},
    )

    assert answered.status_code == 400
    assert b"out of range" in answered.content
    assert target.status_code in (400, 422)
    assert not SalesTarget.objects.exists()


# -- an untyped moves list --------------------------------------------------------------


@pytest.mark.parametrize(
    "moves",
    [
        ["x"],
        [{"id": "abc", "quantity": "1"}],
        [{"id": 1, "quantity": "1e30"}],
        [{"id": 1}],
        [{"id": [1], "quantity": {"a": 1}}],
    ],
)
def test_an_untyped_moves_list_is_422(api, make_product, order_of, stock_in, moves):
    product = make_product("100", sku="MV-1")
    stock_in(product, 5)
    order = services.sales_order_confirm(order=order_of((product, 2)))

    answer = api.post(f"/sales-orders/{order.pk}/ship", {"moves": moves})

    assert answer.status_code == 422, answer.content
    assert answer.json()["code"] == "validation.invalid"
    order.refresh_from_db()
    assert order.lines.get().qty_delivered == 0


# -- NUL characters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/parties?search=a%00b",
        "/products?search=a%00b",
        "/leads?search=a%00b",
        "/sales-orders?search=a%00b",
        "/invoices?search=a%00b",
        "/users?search=a%00b",
        "/parties?name%00=x",
    ],
)
def test_a_nul_in_an_api_search_is_400(api, path):
    answer = api.get(path)

    assert answer.status_code == 400
    assert answer.json()["code"] == "request.malformed"


@pytest.mark.parametrize(
    "url", ["/crm/leads/", "/sales/orders/", "/inventory/stock/", "/inventory/transfers/"]
)
def test_a_nul_in_a_page_search_is_400(page, url):
    answered = page.get(url, {"q": "a\x00b"})

    assert answered.status_code == 400
    assert b"NUL" in answered.content


# -- database errors ---------------------------------------------------------------------


def test_database_error_details_never_reach_the_client(api, page, monkeypatch):
    from tandem.parties import services as party_services

    secret = 'duplicate key value violates unique constraint "parties_party_secret_idx"'

    def fail(**kwargs):
        raise IntegrityError(secret)

    monkeypatch.setattr(party_services, "party_create", fail)

    answer = api.post("/parties", {"name": "Acme", "is_customer": True})

    assert answer.status_code == 409
    assert answer.json()["code"] == "conflict.integrity"
    assert b"parties_party" not in answer.content and b"violates" not in answer.content
