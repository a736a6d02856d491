"""The inventory API: the worked examples end to end, workflow actions, problem+json codes."""

import pytest

from tandem.inventory.models import StockLevel, StockMove, Transfer

from .conftest import D, assert_integrity, balance

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(api, books):
    warehouse = api.post("/warehouses", {"code": "WH", "name": "Main"})
    assert warehouse.status_code == 201, warehouse.content
    return warehouse.json()


def make_product(api, valuation, **extra):
    response = api.post(
        "/products",
        {"sku": f"SKU-{valuation}", "name": "Widget", "valuation": valuation, **extra},
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def receive(api, warehouse, product, qty, unit_cost):
    created = api.post(
        "/transfers",
        {
            "kind": "receipt",
            "warehouse": warehouse["id"],
            "moves": [{"product": product, "quantity": qty, "unit_cost": unit_cost}],
        },
    )
    assert created.status_code == 201, created.content
    tid = created.json()["id"]
    assert api.post(f"/transfers/{tid}/confirm").json()["state"] == "confirmed"
    done = api.post(f"/transfers/{tid}/done")
    assert done.status_code == 200, done.content
    return done.json()


@pytest.mark.parametrize(
    ("method", "cogs", "remaining", "unit_cost"),
    [("fifo", "1300.00", "500.00", "10.000000"), ("average", "1350.00", "450.00", "9.000000")],
)
def test_worked_example_through_the_api(api, company, setup, method, cogs, remaining, unit_cost):
    product = make_product(api, method)
    receive(api, setup, product, "100", "8.00")
    receive(api, setup, product, "100", "10.00")
    created = api.post(
        "/transfers",
        {
            "kind": "delivery",
            "warehouse": setup["id"],
            "moves": [{"product": product, "quantity": "150"}],
        },
    ).json()
    assigned = api.post(f"/transfers/{created['id']}/assign", {"strict": True}).json()
    assert assigned["state"] == "assigned"
    assert assigned["moves"][0]["quantity_reserved"] == "150.000000"
    levels = api.get("/stock/levels", {"product": product}).json()
    assert levels["count"] == 1
    row = levels["items"][0]
    assert (row["on_hand"], row["reserved"], row["available"], row["outgoing"]) == (
        "200.000000",
        "150.000000",
        "50.000000",
        "150.000000",
    )
    done = api.post(f"/transfers/{created['id']}/done").json()
    assert done["state"] == "done" and done["backorder"] is None
    assert done["moves"][0]["value"] == cogs
    valuation = api.get("/stock/valuation").json()
    assert valuation["totals"] == {"value": remaining}
    assert valuation["rows"][0]["quantity"] == "50.000000"
    assert valuation["rows"][0]["unit_cost"] == unit_cost
    assert balance(company, "inventory") == D(remaining)
    assert balance(company, "cogs") == D(cogs)
    csv = api.get("/stock/valuation", {"format": "csv"})
    assert csv.status_code == 200
    assert remaining in b"".join(csv.streaming_content).decode()
    assert_integrity()


def test_done_with_quantities_answers_the_backorder(api, setup):
    product = make_product(api, "fifo")
    receive(api, setup, product, "10", "1.00")
    created = api.post(
        "/transfers",
        {"kind": "delivery", "moves": [{"product": product, "quantity": "8"}]},
    ).json()
    api.post(f"/transfers/{created['id']}/assign")
    move_id = created["moves"][0]["id"]
    done = api.post(
        f"/transfers/{created['id']}/done", {"moves": [{"id": move_id, "quantity": "5"}]}
    )
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["state"] == "done" and body["backorder"]
    backorder = api.get(f"/transfers/{body['backorder']}").json()
    assert backorder["backorder_of"] == created["id"]
    assert [(m["quantity"], m["quantity_reserved"]) for m in backorder["moves"]] == [
        ("3.000000", "3.000000")
    ]
    moves = api.get("/stock/moves", {"product": product, "state": "done"}).json()
    assert moves["count"] == 2
    assert_integrity()


def _unchanged():
    return (
        list(StockLevel.objects.values_list("on_hand", "reserved").order_by("pk")),
        list(StockMove.objects.values_list("state", "quantity_done").order_by("pk")),
        list(Transfer.objects.values_list("state").order_by("pk")),
    )


def test_bad_input_answers_problem_json_and_changes_nothing(api, setup):
    product = make_product(api, "fifo")
    receive(api, setup, product, "2", "1.00")
    delivery = api.post(
        "/transfers", {"kind": "delivery", "moves": [{"product": product, "quantity": "5"}]}
    ).json()
    api.post(f"/transfers/{delivery['id']}/confirm")
    receipt = api.post(
        "/transfers", {"kind": "receipt", "moves": [{"product": product, "quantity": "1"}]}
    ).json()
    api.post(f"/transfers/{receipt['id']}/cancel")
    done_receipt = api.get("/transfers", {"kind": "receipt", "state": "done"}).json()["items"][0]
    kg = api.get("/uoms", {"search": "kg"}).json()["items"][0]["id"]
    before = _unchanged()
    cases = [
        (
            api.post(f"/transfers/{delivery['id']}/assign", {"strict": True}),
            409,
            "stock.insufficient",
        ),
        (api.post(f"/transfers/{delivery['id']}/done"), 409, "stock.insufficient"),
        (api.post(f"/transfers/{done_receipt['id']}/cancel"), 409, "transfer.done"),
        (api.post(f"/transfers/{receipt['id']}/done"), 409, "transfer.cancelled"),
        (
            api.post(
                "/transfers",
                {"kind": "receipt", "moves": [{"product": product, "quantity": "1", "uom": kg}]},
            ),
            422,
            "uom.no_conversion",
        ),
        (
            api.post(
                "/transfers", {"kind": "receipt", "moves": [{"product": 10**9, "quantity": "1"}]}
            ),
            422,
            "reference.invalid",
        ),
        (
            api.post(
                f"/transfers/{delivery['id']}/done",
                {"moves": [{"id": delivery["moves"][0]["id"], "quantity": "9"}]},
            ),
            422,
            "move.quantity_exceeds",
        ),
        (api.get("/transfers/999999"), 404, "transfer.not_found"),
    ]
    for response, status, code in cases:
        assert response.status_code == status, (code, response.content)
        assert response["Content-Type"].startswith("application/problem+json")
        assert response.json()["code"] == code
    assert _unchanged() == before


def test_another_company_sees_no_transfer(api, api_as, setup, other_company):
    from tandem.core.services import membership_grant
    from tests.factories import UserFactory

    product = make_product(api, "fifo")
    receipt = receive(api, setup, product, "1", "1.00")
    stranger = UserFactory(username="stranger")
    membership_grant(user=stranger, company=other_company, roles=["owner"])
    other = api_as(stranger, other_company)
    assert other.get(f"/transfers/{receipt['id']}").status_code == 404
    assert other.get("/transfers").json()["count"] == 0


def test_counts_apply_through_the_api(api, company, setup):
    product = make_product(api, "average")
    receive(api, setup, product, "10", "2.00")
    count = api.post(
        "/inventory-counts",
        {"location": setup["stock_location"], "lines": [{"product": product, "counted": "8"}]},
    )
    assert count.status_code == 201, count.content
    applied = api.post(f"/inventory-counts/{count.json()['id']}/apply").json()
    assert applied["state"] == "done"
    assert applied["lines"][0]["difference"] == "-2.000000"
    assert balance(company, "inventory") == D("16.00")
    again = api.post(f"/inventory-counts/{count.json()['id']}/apply")
    assert again.status_code == 409 and again.json()["code"] == "count.not_draft"
    assert_integrity()


def test_the_levels_list_takes_a_fixed_number_of_queries(api, setup, django_assert_max_num_queries):
    for n in range(5):
        product = api.post("/products", {"sku": f"Q{n}", "name": "Q"}).json()["id"]
        receive(api, setup, product, "3", "1.00")
    with django_assert_max_num_queries(12):
        response = api.get("/stock/levels", {"warehouse": setup["id"]})
    assert response.json()["count"] == 5


def test_a_transfer_s_address_must_be_one_of_its_party_s(api, company, wh):
    from tandem.parties.models import Address, Party

    buyer = Party.objects.create(company=company, name="Buyer", is_customer=True, currency_id="CNY")
    other = Party.objects.create(company=company, name="Other", is_customer=True, currency_id="CNY")
    theirs = Address.objects.create(company=company, party=buyer, kind="shipping", street="A 1")
    foreign = Address.objects.create(company=company, party=other, kind="shipping", street="B 2")
    product = api.post(
        "/products", {"sku": "ADDR-1", "name": "Boxed", "type": "goods", "list_price": "1"}
    ).json()
    body = {
        "kind": "delivery",
        "party": buyer.pk,
        "moves": [{"product": product["id"], "quantity": "1"}],
    }

    refused = api.post("/transfers", {**body, "address": foreign.pk})
    assert refused.status_code == 422
    assert refused.json()["code"] == "transfer.address_not_of_party"

    made = api.post("/transfers", {**body, "address": theirs.pk})
    assert made.status_code == 201, made.content
    assert made.json()["address"] == theirs.pk
    cleared = api.patch(f"/transfers/{made.json()['id']}", {"address": None})
    assert cleared.json()["address"] is None
