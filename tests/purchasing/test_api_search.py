"""`search` on /reorder-rules (audit finding 7: it was ignored and every rule came back)."""

import pytest

pytestmark = pytest.mark.django_db


def _rule(api, product, warehouse):
    made = api.post(
        "/reorder-rules",
        {
            "product": product.pk,
            "warehouse": warehouse.pk,
            "min_quantity": "1",
            "max_quantity": "5",
        },
    )
    assert made.status_code == 201, made.content
    return made.json()["id"]


def test_reorder_rules_match_product_or_warehouse(api, widget, gadget, warehouse):
    widget_rule = _rule(api, widget, warehouse)
    gadget_rule = _rule(api, gadget, warehouse)

    by_sku = api.get("/reorder-rules", {"search": "w-1"}).json()
    by_name = api.get("/reorder-rules", {"search": "GADGET"}).json()
    by_warehouse = api.get("/reorder-rules", {"search": "wh"}).json()
    none = api.get("/reorder-rules", {"search": "zzzqqqnotthere"}).json()

    assert [r["id"] for r in by_sku["items"]] == [widget_rule]
    assert [r["id"] for r in by_name["items"]] == [gadget_rule]
    assert by_warehouse["count"] == 2
    assert none == {"items": [], "count": 0}
