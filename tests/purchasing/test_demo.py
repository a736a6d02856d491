import random

from tandem.purchasing.demo import load_purchasing_demo
from tandem.purchasing.models import PurchaseOrder, ReorderRule, SupplierPrice


def test_demo_is_deterministic_and_covers_every_state(company, supplier, supplier2, widget, gadget):
    # given two suppliers and two goods; when the demo loads
    result = load_purchasing_demo(company, rng=random.Random(7), size="small")

    # then prices, rules and orders in every state exist
    assert result["skipped"] == 0
    assert result["reorder_rules"] == ReorderRule.objects.count() == 2
    assert result["supplier_prices"] == SupplierPrice.objects.count()
    states = set(PurchaseOrder.objects.values_list("state", flat=True))
    assert states == {"draft", "sent", "confirmed", "done", "cancelled"}
