"""The company's default warehouse is explicit: adding a warehouse never takes it over."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from tandem.inventory import services
from tandem.inventory.models import InventorySettings, Location, StockLevel, Transfer, Warehouse

from .conftest import D

pytestmark = pytest.mark.django_db


def _default_id(company):
    return InventorySettings.objects.get(company=company).default_warehouse_id


def _snapshot():
    return (
        list(Warehouse.objects.values_list("pk", "name", "active", "updated_at").order_by("pk")),
        list(InventorySettings.objects.values_list("pk", "default_warehouse_id").order_by("pk")),
        list(
            Location.objects.values_list("pk", "name", "full_name", "barcode", "active").order_by(
                "pk"
            )
        ),
        list(StockLevel.objects.values_list("pk", "on_hand", "reserved").order_by("pk")),
    )


def _receive(warehouse, product, qty):
    transfer = services.transfer_create(
        company=warehouse.company,
        kind="receipt",
        warehouse=warehouse,
        moves=[{"product": product, "quantity": D(qty), "unit_cost": D("1.00")}],
    )
    return services.transfer_done(transfer=services.transfer_confirm(transfer=transfer))


# -- the service ---------------------------------------------------------------------------


def test_no_warehouse_no_default(books):
    assert services.warehouse_default(books) is None


def test_the_first_warehouse_stays_the_default_whatever_the_later_codes(books):
    # given the company's first warehouse, coded late in the alphabet
    first = services.warehouse_create(company=books, code="ZZ", name="First")
    # when warehouses sorting before it are added
    services.warehouse_create(company=books, code="0", name="Zero")
    services.warehouse_create(company=books, code="A2E68", name="Audit")
    # then the first one is still the default, explicitly
    assert services.warehouse_default(books) == first
    assert _default_id(books) == first.pk


def test_an_inactive_default_falls_back_to_the_oldest_active_warehouse(books):
    first = services.warehouse_create(company=books, code="M", name="First")
    second = services.warehouse_create(company=books, code="Z", name="Second")
    third = services.warehouse_create(company=books, code="A", name="Third")
    # a default deactivated outside the services (the service refuses it)
    Warehouse.objects.filter(pk=first.pk).update(active=False)
    # oldest by creation, not "A" by code
    assert services.warehouse_default(books) == second
    Warehouse.objects.filter(pk=second.pk).update(active=False)
    assert services.warehouse_default(books) == third


def test_a_company_without_a_default_keeps_its_oldest_warehouse_when_adding_one(books):
    first = services.warehouse_create(company=books, code="B", name="First")
    InventorySettings.objects.filter(company=books).update(default_warehouse=None)
    services.warehouse_create(company=books, code="A", name="Second")
    assert _default_id(books) == first.pk


def test_the_default_is_per_company(books, other_company):
    mine = services.warehouse_create(company=books, code="WH", name="Mine")
    theirs = services.warehouse_create(company=other_company, code="AA", name="Theirs")
    assert services.warehouse_default(books) == mine
    assert services.warehouse_default(other_company) == theirs


def test_the_migration_keeps_the_first_by_code_as_the_default(books, other_company):
    # given companies as they were before the default was stored: first by code, active
    services.warehouse_create(company=books, code="M", name="M")
    services.warehouse_create(company=books, code="B", name="B")
    b_inactive = services.warehouse_create(company=books, code="A", name="A")
    Warehouse.objects.filter(pk=b_inactive.pk).update(active=False)
    theirs = services.warehouse_create(company=other_company, code="X", name="X")
    InventorySettings.objects.update(default_warehouse=None)
    InventorySettings.objects.filter(company=other_company).delete()
    migration = importlib.import_module("tandem.inventory.migrations.0004_default_warehouse")
    # when the data migration runs
    migration.keep_current_default(apps, None)
    # then each company's default is the warehouse that served it before
    assert _default_id(books) == Warehouse.objects.get(company=books, code="B").pk
    assert _default_id(other_company) == theirs.pk


# -- PATCH /warehouses ---------------------------------------------------------------------


@pytest.fixture
def two(api, books):
    main = api.post("/warehouses", {"code": "WH", "name": "Main"}).json()
    zero = api.post("/warehouses", {"code": "0", "name": "Zero"}).json()
    return main, zero


def test_the_first_warehouse_is_the_default_in_the_api(api, two):
    main, zero = two
    assert (main["is_default"], zero["is_default"]) == (True, False)
    listed = {w["code"]: w["is_default"] for w in api.get("/warehouses").json()["items"]}
    assert listed == {"0": False, "WH": True}


def test_a_receipt_naming_no_warehouse_goes_to_the_default(api, two):
    main, zero = two
    product = api.post("/products", {"sku": "R-1", "name": "Widget"}).json()["id"]
    receipt = api.post(
        "/transfers", {"kind": "receipt", "moves": [{"product": product, "quantity": "1"}]}
    ).json()
    assert receipt["location_dest"] == main["stock_location"]
    api.patch(f"/warehouses/{zero['id']}", {"is_default": True})
    again = api.post(
        "/transfers", {"kind": "receipt", "moves": [{"product": product, "quantity": "1"}]}
    ).json()
    assert again["location_dest"] == zero["stock_location"]


def test_making_another_warehouse_the_default(api, company, two):
    main, zero = two
    response = api.patch(f"/warehouses/{zero['id']}", {"is_default": True})
    assert response.status_code == 200, response.content
    assert response.json()["is_default"] is True
    assert api.get(f"/warehouses/{main['id']}").json()["is_default"] is False
    assert services.warehouse_default(company).pk == zero["id"]


def test_rename_deactivate_and_reactivate_an_idle_warehouse(api, company, two):
    _main, zero = two
    renamed = api.patch(f"/warehouses/{zero['id']}", {"name": "Overflow", "active": False})
    assert renamed.status_code == 200, renamed.content
    body = renamed.json()
    assert (body["name"], body["active"], body["is_default"]) == ("Overflow", False, False)
    assert services.warehouse_default(company).code == "WH"
    back = api.patch(f"/warehouses/{zero['id']}", {"active": True}).json()
    assert (back["name"], back["active"]) == ("Overflow", True)


def test_refused_warehouse_changes_answer_409_and_change_nothing(api, company, two):
    main, zero = two
    product = api.post("/products", {"sku": "W-1", "name": "Widget"}).json()["id"]
    third = api.post("/warehouses", {"code": "T", "name": "Third"}).json()
    # stock in Zero, an open (draft) receipt into Third, and an inactive fourth
    stocked = api.post(
        "/transfers",
        {
            "kind": "receipt",
            "warehouse": zero["id"],
            "moves": [{"product": product, "quantity": "2"}],
        },
    ).json()
    api.post(f"/transfers/{stocked['id']}/confirm")
    assert api.post(f"/transfers/{stocked['id']}/done").status_code == 200
    draft = api.post(
        "/transfers",
        {
            "kind": "receipt",
            "warehouse": third["id"],
            "moves": [{"product": product, "quantity": "1"}],
        },
    )
    assert draft.status_code == 201
    fourth = api.post("/warehouses", {"code": "F", "name": "Fourth"}).json()
    assert api.patch(f"/warehouses/{fourth['id']}", {"active": False}).status_code == 200
    before = _snapshot()
    cases = [
        (main, {"active": False}, "warehouse.is_default", "active"),
        (main, {"is_default": False}, "warehouse.is_default", "is_default"),
        (main, {"name": "Renamed", "active": False}, "warehouse.is_default", "active"),
        (zero, {"active": False}, "warehouse.has_stock", "active"),
        (third, {"active": False}, "warehouse.open_transfers", "active"),
        (fourth, {"is_default": True}, "warehouse.inactive", "is_default"),
        (zero, {"is_default": True, "active": False}, "warehouse.inactive", "is_default"),
    ]
    for warehouse, body, code, field in cases:
        response = api.patch(f"/warehouses/{warehouse['id']}", body)
        assert response.status_code == 409, (body, response.content)
        assert response["Content-Type"].startswith("application/problem+json")
        assert response.json()["code"] == code, body
        assert response.json()["errors"][0]["field"] == field
    invalid = api.patch(f"/warehouses/{zero['id']}", {"name": ""})
    assert invalid.status_code == 422
    assert api.patch("/warehouses/999999", {"name": "x"}).status_code == 404
    assert _snapshot() == before
    assert services.warehouse_default(company).pk == main["id"]


def test_another_company_cannot_patch_my_warehouse(api, api_as, two, other_company):
    from tandem.core.services import membership_grant
    from tests.factories import UserFactory

    main, _zero = two
    stranger = UserFactory(username="stranger")
    membership_grant(user=stranger, company=other_company, roles=["owner"])
    before = _snapshot()
    response = api_as(stranger, other_company).patch(
        f"/warehouses/{main['id']}", {"name": "Mine now"}
    )
    assert response.status_code == 404
    assert _snapshot() == before


# -- PATCH /locations ----------------------------------------------------------------------


@pytest.fixture
def shelves(api, two):
    main, _zero = two
    shelf = api.post(
        "/locations", {"name": "Shelf 1", "parent": main["stock_location"], "barcode": "S1"}
    ).json()
    bin_ = api.post("/locations", {"name": "Bin A", "parent": shelf["id"]}).json()
    return main, shelf, bin_


def test_renaming_a_location_renames_the_tree_below_it(api, shelves):
    _main, shelf, bin_ = shelves
    response = api.patch(f"/locations/{shelf['id']}", {"name": "Rack 1", "barcode": "R1"})
    assert response.status_code == 200, response.content
    assert (response.json()["full_name"], response.json()["barcode"]) == ("WH/Stock/Rack 1", "R1")
    assert api.get(f"/locations/{bin_['id']}").json()["full_name"] == "WH/Stock/Rack 1/Bin A"
    found = api.get("/locations", {"search": "R1"}).json()
    assert [loc["id"] for loc in found["items"]] == [shelf["id"]]


def test_deactivating_an_empty_location(api, shelves):
    _main, _shelf, bin_ = shelves
    response = api.patch(f"/locations/{bin_['id']}", {"active": False})
    assert response.status_code == 200 and response.json()["active"] is False


def test_refused_location_changes_answer_409_or_422_and_change_nothing(api, shelves, company):
    main, shelf, bin_ = shelves
    product = api.post("/products", {"sku": "L-1", "name": "Widget"}).json()["id"]
    receipt = api.post(
        "/transfers",
        {
            "kind": "receipt",
            "location_dest": bin_["id"],
            "moves": [{"product": product, "quantity": "3"}],
        },
    ).json()
    api.post(f"/transfers/{receipt['id']}/confirm")
    assert api.post(f"/transfers/{receipt['id']}/done").status_code == 200
    other = api.post("/locations", {"name": "Other", "parent": main["stock_location"]}).json()
    supplier_loc = api.get("/locations", {"usage": "supplier"}).json()["items"][0]
    before = _snapshot()
    cases = [
        (bin_, {"active": False}, 409, "location.has_stock"),
        (shelf, {"active": False}, 409, "location.has_stock"),  # stock below it
        ({"id": main["stock_location"]}, {"active": False}, 409, "location.in_use"),
        (other, {"barcode": "S1"}, 409, "location.duplicate"),
        (other, {"name": "Shelf 1"}, 409, "location.duplicate"),
        (other, {"name": "a/b"}, 422, "validation.invalid"),
        (other, {"name": ""}, 422, "validation.invalid"),
        (supplier_loc, {"name": "Vendors"}, 409, "location.virtual"),
    ]
    for location, body, status, code in cases:
        response = api.patch(f"/locations/{location['id']}", body)
        assert response.status_code == status, (body, response.content)
        assert response.json()["code"] == code, (body, response.json())
    assert _snapshot() == before
    assert StockLevel.objects.get(location_id=bin_["id"]).on_hand == D(3)
    assert Transfer.objects.filter(company=company).count() == 1


# -- the warehouses page -------------------------------------------------------------------


def test_the_warehouses_page_shows_and_changes_the_default(web, company, books):
    first = services.warehouse_create(company=company, code="WH", name="Main")
    second = services.warehouse_create(company=company, code="0", name="Zero")
    page = web.get(reverse("inventory:warehouses"))
    assert page.status_code == 200
    assert page.content.count(b'name="what" value="default"') == 1
    response = web.post(
        reverse("inventory:warehouses"), {"what": "default", "warehouse": str(second.pk)}
    )
    assert response.status_code == 302
    assert services.warehouse_default(company) == second
    missing = web.post(reverse("inventory:warehouses"), {"what": "default", "warehouse": "x"})
    assert missing.status_code == 404
    assert services.warehouse_default(company) == second
    assert first.pk != second.pk


def test_the_transfer_form_starts_on_the_default_warehouse(web, company, books):
    main = services.warehouse_create(company=company, code="WH", name="Main")
    zero = services.warehouse_create(company=company, code="0", name="Zero")
    page = web.get(reverse("inventory:transfer_create")).content.decode()
    assert f'<option value="{main.pk}" selected>' in page
    assert f'<option value="{zero.pk}">' in page
    # a refused form keeps the warehouse the clerk chose
    refused = web.post(
        reverse("inventory:transfer_create"), {"kind": "receipt", "warehouse": str(zero.pk)}
    )
    assert refused.status_code == 422
    assert f'<option value="{zero.pk}" selected>' in refused.content.decode()
    assert f'<option value="{main.pk}">' in refused.content.decode()
