"""Received and billed quantities kept by subscribers, checked against receipts and bills."""

from decimal import Decimal

import pytest

from tandem.accounting.services.invoices import invoice_credit, invoice_post
from tandem.cli import main
from tandem.core import events
from tandem.core.integrity import run_all
from tandem.core.models import OutboxEvent, OutboxReceipt
from tandem.inventory.services import transfer_done
from tandem.purchasing import services
from tandem.purchasing.models import PurchaseOrderLine

D = Decimal
CHECK = "purchasing: order lines' received and billed quantities match receipts and bills"


def breaches():
    return dict(run_all().results)[CHECK]


@pytest.fixture
def order(company, supplier, warehouse, widget, owner):
    order = services.purchase_order_create(
        company=company,
        supplier=supplier,
        warehouse=warehouse,
        lines=[{"product": widget, "quantity": "10", "unit_price": "8.00"}],
        user=owner,
    )
    return services.purchase_order_confirm(order=order, user=owner)


@pytest.fixture
def received_and_billed(order, owner, django_capture_on_commit_callbacks):
    """6 of 10 received in inventory (a backorder of 4 is left), billed and posted."""
    (receipt,) = services.transfers_of(order)
    move = receipt.moves.get()
    with django_capture_on_commit_callbacks(execute=True):
        transfer_done(transfer=receipt, quantities=[{"id": move.pk, "quantity": "6"}])
    with django_capture_on_commit_callbacks(execute=True):
        bill, _ = services.purchase_order_bill(order=order, policy="received")
        invoice_post(invoice=bill, user=owner)
    line = PurchaseOrderLine.objects.get(order=order)
    assert (line.received_quantity, line.billed_quantity) == (D("6"), D("6"))
    return bill


def test_quantities_kept_by_the_subscribers_pass_the_check(received_and_billed, owner):
    assert breaches() == []

    # a posted credit note gives its units back, and the check counts it the same way
    credit = invoice_credit(invoice=received_and_billed)
    invoice_post(invoice=credit, user=owner)
    services.purchase_order_refresh(order=PurchaseOrderLine.objects.get().order)
    assert PurchaseOrderLine.objects.get().billed_quantity == D("0")
    assert breaches() == []


def test_a_broken_received_quantity_fails_check_integrity_naming_the_order(
    order, received_and_billed, capsys
):
    PurchaseOrderLine.objects.filter(order=order).update(received_quantity=D("10"))

    assert breaches() == [f"{order.number} (W-1): received 10 but the receipts' done moves say 6"]
    with pytest.raises(SystemExit) as exit_info:
        main(["check-integrity"])
    assert exit_info.value.code == 1
    assert f"{order.number} (W-1): received 10" in capsys.readouterr().out


def test_a_broken_billed_quantity_fails_the_check_naming_the_order_line(order, received_and_billed):
    line = PurchaseOrderLine.objects.get(order=order)
    PurchaseOrderLine.objects.filter(pk=line.pk).update(billed_quantity=D("0"))

    assert breaches() == [f"{order.number} line {line.pk} (W-1): billed 0 but the bills say 6"]


def test_a_backorder_done_while_its_subscriber_failed_is_seen_by_the_check(
    order, received_and_billed
):
    """The backorder is not linked to the order until the subscriber runs: the check follows
    the backorder chain itself."""
    receipt = services.transfers_of(order).last()
    transfer_done(transfer=receipt)  # no on-commit delivery: as if the subscriber failed

    assert breaches() == [f"{order.number} (W-1): received 6 but the receipts' done moves say 10"]

    services.purchase_order_refresh(order=order)
    assert breaches() == []


def test_running_the_purchasing_subscribers_again_changes_nothing(order, received_and_billed):
    for name in ("stock.transfer_done", "invoice.posted"):
        for event in OutboxEvent.objects.filter(name=name):
            OutboxReceipt.objects.filter(event=event).delete()
            assert events.deliver(event)

    line = PurchaseOrderLine.objects.get(order=order)
    assert (line.received_quantity, line.billed_quantity) == (D("6"), D("6"))
    assert breaches() == []
