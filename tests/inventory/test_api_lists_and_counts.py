"""The inventory lists honour `search`; draft counts can be changed and deleted; count
lines are unique per product and lot; the OpenAPI names of inventory bodies are unique."""

import pytest

from tandem.core.models import Sequence
from tandem.inventory.models import InventoryCount, InventoryCountLine

from .conftest import D, assert_integrity

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(api, books):
    warehouse = api.post("/warehouses", {"code": "WH", "name": "Main"}).json()
    product = api.post("/products", {"sku": "BOLT-7", "name": "Hex bolt"}).json()["id"]
    other = api.post("/products", {"sku": "NUT-3", "name": "Square nut"}).json()["id"]
    receipt = api.post(
        "/transfers",
        {
            "kind": "receipt",
            "warehouse": warehouse["id"],
            "origin": "PO/TEST/0042",
            "moves": [{"product": product, "quantity": "10", "unit_cost": "1.00"}],
        },
    ).json()
    api.post(f"/transfers/{receipt['id']}/confirm")
    assert api.post(f"/transfers/{receipt['id']}/done").status_code == 200
    draft = api.post(
        "/transfers",
        {"kind": "receipt", "moves": [{"product": other, "quantity": "4"}]},
    ).json()
    return {
        "warehouse": warehouse,
        "product": product,
        "other": other,
        "receipt": receipt,
        "draft": draft,
    }


def _ids(response):
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["items"])
    return sorted(item["id"] for item in body["items"])


# -- search --------------------------------------------------------------------------------


def test_warehouses_search_code_and_name(api, setup):
    second = api.post("/warehouses", {"code": "A2E68", "name": "Audit store"}).json()
    assert _ids(api.get("/warehouses", {"search": "a2e"})) == [second["id"]]
    assert _ids(api.get("/warehouses", {"search": "MAIN"})) == [setup["warehouse"]["id"]]
    nothing = api.get("/warehouses", {"search": "zzzqqqnotthere"}).json()
    assert nothing == {"items": [], "count": 0}


def test_stock_moves_search_product_transfer_and_origin(api, setup):
    received = setup["receipt"]["moves"][0]["id"]
    drafted = setup["draft"]["moves"][0]["id"]
    assert _ids(api.get("/stock/moves", {"search": "bolt-7"})) == [received]
    assert _ids(api.get("/stock/moves", {"search": "square"})) == [drafted]
    assert _ids(api.get("/stock/moves", {"search": "po/test/0042"})) == [received]
    number = setup["draft"]["number"]
    assert number, setup["draft"]
    assert drafted in _ids(api.get("/stock/moves", {"search": number}))
    # LIKE wildcards in the text are taken literally
    assert api.get("/stock/moves", {"search": "%"}).json()["count"] == 0
    nothing = api.get("/stock/moves", {"search": "zzzqqqnotthere"}).json()
    assert nothing == {"items": [], "count": 0}


def test_stock_moves_carry_their_timestamps(api, setup, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        items = api.get("/stock/moves").json()["items"]
    assert len(items) == 2
    for item in items:
        assert item["created_at"] and item["updated_at"]
        assert item["updated_at"] >= item["created_at"]


def test_inventory_counts_search_number_and_location(api, setup):
    stock = setup["warehouse"]["stock_location"]
    shelf = api.post("/locations", {"name": "Shelf 9", "parent": stock}).json()
    first = api.post("/inventory-counts", {"location": stock}).json()
    second = api.post("/inventory-counts", {"location": shelf["id"]}).json()
    assert _ids(api.get("/inventory-counts", {"search": "shelf 9"})) == [second["id"]]
    assert _ids(api.get("/inventory-counts", {"search": first["number"].lower()})) == [first["id"]]
    nothing = api.get("/inventory-counts", {"search": "zzzqqqnotthere"}).json()
    assert nothing == {"items": [], "count": 0}


def test_locations_search_still_finds_full_names(api, setup):
    assert api.get("/locations", {"search": "wh/stock"}).json()["count"] == 1
    assert api.get("/locations", {"search": "zzzqqqnotthere"}).json()["count"] == 0


# -- counts: company, PATCH, DELETE, duplicate lines ---------------------------------------


def _count_state():
    return (
        list(
            InventoryCount.objects.values_list("pk", "location_id", "date", "state").order_by("pk")
        ),
        list(
            InventoryCountLine.objects.values_list("count_id", "product_id", "counted").order_by(
                "pk"
            )
        ),
        list(Sequence.objects.values_list("pk", "last_number").order_by("pk")),
    )


def test_a_count_names_its_company(api, company, setup):
    stock = setup["warehouse"]["stock_location"]
    count = api.post("/inventory-counts", {"location": stock}).json()
    assert count["company"] == company.pk
    assert api.get(f"/inventory-counts/{count['id']}").json()["company"] == company.pk


def test_two_lines_for_one_product_are_refused_and_nothing_is_created(api, setup):
    stock = setup["warehouse"]["stock_location"]
    product = setup["product"]
    before = _count_state()
    response = api.post(
        "/inventory-counts",
        {
            "location": stock,
            "lines": [{"product": product, "counted": "1"}, {"product": product, "counted": "2"}],
        },
    )
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "count.duplicate_line"
    assert body["errors"][0]["field"] == "lines.1.product"
    assert _count_state() == before
    # the same on the lines action and on PATCH of a draft
    draft = api.post("/inventory-counts", {"location": stock}).json()
    before = _count_state()
    lines = [{"product": product, "counted": "1"}, {"product": product, "counted": "2"}]
    for response in (
        api.post(f"/inventory-counts/{draft['id']}/lines", {"lines": lines}),
        api.patch(f"/inventory-counts/{draft['id']}", {"lines": lines}),
    ):
        assert response.status_code == 422
        assert response.json()["code"] == "count.duplicate_line"
    assert _count_state() == before


def test_patch_a_draft_count(api, setup):
    stock = setup["warehouse"]["stock_location"]
    shelf = api.post("/locations", {"name": "Shelf 2", "parent": stock}).json()
    count = api.post(
        "/inventory-counts",
        {"location": stock, "lines": [{"product": setup["product"], "counted": "7"}]},
    ).json()
    assert count["lines"][0]["expected"] == "10.000000"
    # when the count moves to the (empty) shelf: the expected figure follows the location
    moved = api.patch(f"/inventory-counts/{count['id']}", {"location": shelf["id"]})
    assert moved.status_code == 200, moved.content
    body = moved.json()
    assert body["location"] == shelf["id"]
    assert [(li["counted"], li["expected"]) for li in body["lines"]] == [("7.000000", "0.000000")]
    # when lines and date are given: the lines are replaced
    replaced = api.patch(
        f"/inventory-counts/{count['id']}",
        {
            "location": stock,
            "date": "2026-01-15",
            "lines": [
                {"product": setup["other"], "counted": "3"},
                {"product": setup["product"], "counted": "9"},
            ],
        },
    ).json()
    assert replaced["date"] == "2026-01-15"
    assert [(li["product"], li["counted"], li["expected"]) for li in replaced["lines"]] == [
        (setup["other"], "3.000000", "0.000000"),
        (setup["product"], "9.000000", "10.000000"),
    ]
    applied = api.post(f"/inventory-counts/{count['id']}/apply").json()
    assert applied["state"] == "done"
    levels = api.get("/stock/levels", {"product": setup["product"]}).json()["items"]
    assert [row["on_hand"] for row in levels] == ["9.000000"]


def test_only_draft_counts_change_or_go(api, setup):
    stock = setup["warehouse"]["stock_location"]
    draft = api.post(
        "/inventory-counts",
        {"location": stock, "lines": [{"product": setup["product"], "counted": "10"}]},
    ).json()
    done = api.post(
        "/inventory-counts",
        {"location": stock, "lines": [{"product": setup["product"], "counted": "10"}]},
    ).json()
    assert api.post(f"/inventory-counts/{done['id']}/apply").json()["state"] == "done"
    supplier = api.get("/locations", {"usage": "supplier"}).json()["items"][0]["id"]
    before = _count_state()
    cases = [
        (
            api.patch(f"/inventory-counts/{done['id']}", {"date": "2026-02-01"}),
            409,
            "count.not_draft",
        ),
        (api.delete(f"/inventory-counts/{done['id']}"), 409, "count.not_draft"),
        (
            api.patch(f"/inventory-counts/{draft['id']}", {"location": supplier}),
            422,
            "count.location_invalid",
        ),
        (
            api.patch(f"/inventory-counts/{draft['id']}", {"location": 10**9}),
            422,
            "reference.invalid",
        ),
        (api.delete("/inventory-counts/999999"), 404, "inventory_count.not_found"),
    ]
    for response, status, code in cases:
        assert response.status_code == status, (code, response.content)
        assert response.json()["code"] == code
    assert _count_state() == before
    # a draft goes, lines and all
    gone = api.delete(f"/inventory-counts/{draft['id']}")
    assert gone.status_code == 204
    assert api.get(f"/inventory-counts/{draft['id']}").status_code == 404
    assert not InventoryCountLine.objects.filter(count_id=draft["id"]).exists()
    assert InventoryCount.objects.filter(pk=done["id"], state="done").exists()
    assert_integrity()


def test_counting_two_lots_of_one_product_is_fine(api, setup, make_product, books):
    stock = setup["warehouse"]["stock_location"]
    lotted = api.post("/products", {"sku": "LOT-1", "name": "Paint", "tracking": "lot"}).json()[
        "id"
    ]
    receipt = api.post(
        "/transfers",
        {
            "kind": "receipt",
            "warehouse": setup["warehouse"]["id"],
            "moves": [
                {"product": lotted, "quantity": "2", "lot_name": "L1", "unit_cost": "1"},
                {"product": lotted, "quantity": "3", "lot_name": "L2", "unit_cost": "1"},
            ],
        },
    ).json()
    api.post(f"/transfers/{receipt['id']}/confirm")
    done = api.post(f"/transfers/{receipt['id']}/done").json()
    lots = [m["lot"] for m in done["moves"]]
    count = api.post(
        "/inventory-counts",
        {
            "location": stock,
            "lines": [
                {"product": lotted, "lot": lots[0], "counted": "2"},
                {"product": lotted, "lot": lots[1], "counted": "1"},
            ],
        },
    )
    assert count.status_code == 201, count.content
    assert [li["expected"] for li in count.json()["lines"]] == ["2.000000", "3.000000"]
    twice = api.post(
        "/inventory-counts",
        {
            "location": stock,
            "lines": [
                {"product": lotted, "lot": lots[1], "counted": "2"},
                {"product": lotted, "lot": lots[1], "counted": "1"},
            ],
        },
    )
    assert twice.status_code == 422
    assert twice.json()["errors"][0]["field"] == "lines.1.product"
    assert D(count.json()["lines"][1]["counted"]) == D(1)


# -- OpenAPI -------------------------------------------------------------------------------


def test_transfer_bodies_have_their_own_openapi_names(api):
    document = api.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    move = schemas["TransferIn"]["properties"]["moves"]["items"]["$ref"]
    assert move == "#/components/schemas/TransferMoveIn"
    assert {"product", "quantity", "uom", "lot", "unit_cost"} <= set(
        schemas["TransferMoveIn"]["properties"]
    )
    assert "moves" in schemas["TransferDoneIn"]["properties"]
    assert {"is_default"} <= set(schemas["WarehouseOut"]["properties"])
    paths = document["paths"]
    assert "patch" in paths["/api/v1/warehouses/{warehouse_id}"]
    assert "patch" in paths["/api/v1/locations/{location_id}"]
    assert {"patch", "delete"} <= set(paths["/api/v1/inventory-counts/{count_id}"])
