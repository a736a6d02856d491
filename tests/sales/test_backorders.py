"""A delivery processed through the transfers API, in parts: the order keeps every part."""

from decimal import Decimal

import pytest

from tandem.core.integrity import run_all
from tandem.inventory.models import Transfer

D = Decimal
pytestmark = pytest.mark.django_db


def test_backorder_of_a_delivery_done_through_the_api_stays_the_orders(
    api, make_product, stock_in, wh, customer, django_capture_on_commit_callbacks
):
    goods = make_product("100")
    stock_in(goods, "5")
    order = api.post(
        "/sales-orders",
        {"party": customer.pk, "lines": [{"product": goods.pk, "quantity": "2"}]},
    ).json()
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = api.post(f"/sales-orders/{order['id']}/confirm").json()
    (delivery_id,) = confirmed["transfers"]
    (move,) = api.get(f"/transfers/{delivery_id}").json()["moves"]

    # one of the two units ships; the other waits on a backorder
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post(
            f"/transfers/{delivery_id}/done", {"moves": [{"id": move["id"], "quantity": "1"}]}
        ).json()
    backorder_id = first["backorder"]
    assert Transfer.objects.get(pk=backorder_id).backorder_of_id == delivery_id
    partial = api.get(f"/sales-orders/{order['id']}").json()
    assert sorted(partial["transfers"]) == sorted([delivery_id, backorder_id])
    assert (partial["delivery_status"], partial["lines"][0]["qty_delivered"]) == (
        "partial",
        "1.0000",
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"/transfers/{backorder_id}/done").status_code == 200
    shipped = api.get(f"/sales-orders/{order['id']}").json()
    assert (shipped["delivery_status"], shipped["lines"][0]["qty_delivered"]) == (
        "delivered",
        "2.0000",
    )
    report = run_all()
    assert report.ok, report.render()
