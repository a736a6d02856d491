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


def test_demo_bill_above_the_order_price_leaves_nothing_in_grni(
    company, supplier, supplier2, widget, gadget
):
    from django.db.models import Sum

    from tandem.accounting.models import Account, EntryLine
    from tandem.core.integrity import run_all
    from tandem.inventory.models import StockMove
    from tandem.purchasing.models import PriceDifference

    load_purchasing_demo(company, rng=random.Random(7), size="small")

    done = PurchaseOrder.objects.get(state="done")
    (difference,) = PriceDifference.objects.filter(order=done)
    assert difference.amount > 0
    grni = Account.objects.get(company=company, role="grni")
    lines = EntryLine.objects.filter(account=grni, posted=True)
    # the done order is received and billed: GRNI holds only the partly received order's
    # goods, whose bill is still a draft
    partial = PurchaseOrder.objects.get(state="confirmed", receipts__transfer__state="done")
    received = StockMove.objects.filter(
        transfer__purchase_receipt__order=partial, state="done"
    ).aggregate(total=Sum("value"))["total"]
    assert received > 0
    assert sum(line.debit - line.credit for line in lines) == -received
    report = run_all()
    assert report.ok, report.render()
