"""A product's valuation layers: the page and the API explain how its value came about."""

from tandem.inventory import services
from tandem.inventory.models import ValuationLayer

from .conftest import D


def test_layers_page_and_api_list_what_made_the_value(wh, make_product, receive, deliver, web, api):
    fifo = make_product("fifo")
    receive(fifo, "10", unit_cost="8.00")
    receive(fifo, "10", unit_cost="10.00")
    services.transfer_done(transfer=deliver(fifo, "15"))

    body = api.get(f"/stock/valuation/{fifo.pk}/layers").json()
    assert body["count"] == 3
    rows = [(D(r["quantity"]), D(r["value"]), D(r["remaining_quantity"])) for r in body["items"]]
    # in at 8.00 (used up), in at 10.00 (5 left), out 15 for 8 x 10 + 5 x 10 = 130
    assert rows == [
        (D(10), D("80.00"), D(0)),
        (D(10), D("100.00"), D(5)),
        (D(-15), D("-130.00"), D(0)),
    ]
    assert all(r["transfer"] is not None for r in body["items"])
    assert sum(D(r["value"]) for r in body["items"]) == D("50.00")

    page = web.get(f"/inventory/valuation/{fifo.pk}/").content.decode()
    assert "Valuation layers" in page and "-130.00" in page and "50.00" in page
    assert f"/inventory/valuation/{fifo.pk}/" in web.get("/inventory/valuation/").content.decode()


def test_layers_of_an_unknown_product_are_not_found(wh, api, web):
    missing = 10**9
    response = api.get(f"/stock/valuation/{missing}/layers")
    assert response.status_code == 404
    assert response.json()["code"] == "product.not_found"
    assert web.get(f"/inventory/valuation/{missing}/").status_code == 404
    assert ValuationLayer.objects.count() == 0
