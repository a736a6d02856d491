"""Purchase orders: drafts, confirm (the receipt), receive, bill, cancel; the ledger checked."""

from decimal import Decimal

import pytest

from tandem.accounting.models import EntryLine, Invoice, InvoiceState
from tandem.accounting.services.invoices import invoice_post, invoice_update
from tandem.core.errors import DomainError
from tandem.inventory.models import MoveState, StockLevel, StockMove, Transfer
from tandem.inventory.services import transfer_done
from tandem.purchasing import queries, services
from tandem.purchasing.models import OrderState, PurchaseOrder, PurchaseOrderLine

D = Decimal


def entry_rows(entry):
    return sorted(
        (line.account.code, line.debit, line.credit)
        for line in EntryLine.objects.filter(entry=entry).select_related("account")
    )


@pytest.fixture
def order(company, supplier, warehouse, widget, owner):
    return services.purchase_order_create(
        company=company,
        supplier=supplier,
        warehouse=warehouse,
        lines=[{"product": widget, "quantity": "10", "unit_price": "8.00"}],
        user=owner,
    )


def test_purchase_to_bill_end_to_end(company, order, widget, warehouse, owner, vat13):
    # given an RFQ of 10 widgets at 8.00 with 13% input VAT
    assert order.state == OrderState.DRAFT and order.number == ""
    assert (order.untaxed_amount, order.tax_amount, order.total_amount) == (
        D("80.00"),
        D("10.40"),
        D("90.40"),
    )

    # when it is sent and confirmed
    sent = services.purchase_order_send(order=order)
    assert sent.state == OrderState.SENT and sent.number.startswith("PO/")
    confirmed = services.purchase_order_confirm(order=order, user=owner)

    # then a confirmed receipt into the warehouse's stock carries the PO price as unit cost
    assert confirmed.state == OrderState.CONFIRMED
    assert confirmed.number == sent.number
    (receipt,) = services.transfers_of(confirmed)
    assert (receipt.kind, receipt.state, receipt.origin) == ("receipt", "confirmed", sent.number)
    assert receipt.location_dest_id == warehouse.stock_location_id
    (move,) = receipt.moves.all()
    assert (move.quantity, move.unit_cost) == (D("10"), D("8.000000"))

    # when the goods come in
    services.purchase_order_receive(order=confirmed, user=owner)
    receipt.refresh_from_db()
    line = PurchaseOrderLine.objects.get(order=order)
    assert receipt.state == MoveState.DONE
    assert line.received_quantity == D("10")
    assert StockLevel.objects.get(product=widget, location=warehouse.stock_location).on_hand == 10
    # receipt: Dr 1405 inventory / Cr 220201 GRNI at the PO price
    assert entry_rows(receipt.entry) == [
        ("1405", D("80.00"), D("0.00")),
        ("220201", D("0.00"), D("80.00")),
    ]

    # when the order is billed by received quantity and the bill posted
    bill, warnings = services.purchase_order_bill(order=confirmed, policy="received", user=owner)
    assert warnings == []
    assert bill.state == InvoiceState.DRAFT and bill.kind == "vendor_bill"
    assert bill.origin == sent.number
    (bill_line,) = bill.lines.all()
    assert bill_line.origin_line == f"purchase.line:{line.pk}"
    assert bill_line.account.code == "220201"
    posted = invoice_post(invoice=bill, user=owner)

    # then the bill clears GRNI: Dr GRNI 80.00 + Dr input VAT 10.40 / Cr payable 90.40
    assert entry_rows(posted.entry) == [
        ("2202", D("0.00"), D("90.40")),
        ("220201", D("80.00"), D("0.00")),
        ("222101", D("10.40"), D("0.00")),
    ]
    services.purchase_order_refresh(order=confirmed)
    confirmed.refresh_from_db()
    line.refresh_from_db()
    assert line.billed_quantity == D("10")
    # fully received and billed: the order is done
    assert confirmed.state == OrderState.DONE
    statuses = queries.statuses(queries.order_detail(company, confirmed.pk))
    assert statuses == {"receipt_status": "full", "billing_status": "full"}


def test_partial_receipt_makes_a_linked_backorder_and_bills_what_was_received(
    company, order, widget, owner
):
    # given a confirmed order of 10
    services.purchase_order_confirm(order=order, user=owner)
    line = PurchaseOrderLine.objects.get(order=order)

    # when 6 are received
    services.purchase_order_receive(order=order, quantities={line.pk: "6"}, user=owner)

    # then the rest waits on a backorder linked to the order
    first, backorder = services.transfers_of(order)
    assert first.state == MoveState.DONE and backorder.backorder_of_id == first.pk
    assert backorder.state == MoveState.CONFIRMED
    assert backorder.moves.get().quantity == D("4")
    line.refresh_from_db()
    assert line.received_quantity == D("6")
    assert queries.statuses(queries.order_detail(company, order.pk))["receipt_status"] == "partial"

    # when billed by received quantity
    bill, warnings = services.purchase_order_bill(order=order, policy="received")
    assert [(bl.quantity, bl.untaxed_amount) for bl in bill.lines.all()] == [
        (D("6.0000"), D("48.00"))
    ]
    assert warnings == []
    # and nothing more is billable until more arrives
    with pytest.raises(DomainError) as refused:
        services.purchase_order_bill(order=order, policy="received")
    assert refused.value.code == "purchase.nothing_to_bill"
    assert Invoice.objects.count() == 1

    # when the backorder is processed in inventory directly
    transfer_done(transfer=backorder)
    services.purchase_order_refresh(order=order)
    line.refresh_from_db()
    assert line.received_quantity == D("10")
    bill2, _ = services.purchase_order_bill(order=order)
    assert bill2.lines.get().quantity == D("4")


def test_receipt_done_in_inventory_updates_the_order_on_commit(
    company, order, owner, django_capture_on_commit_callbacks
):
    services.purchase_order_confirm(order=order, user=owner)
    (receipt,) = services.transfers_of(order)
    move = receipt.moves.get()
    with django_capture_on_commit_callbacks(execute=True):
        transfer_done(transfer=receipt, quantities=[{"id": move.pk, "quantity": "3"}])
    line = PurchaseOrderLine.objects.get(order=order)
    assert line.received_quantity == D("3")
    assert len(services.transfers_of(order)) == 2


def test_three_way_match_warns_on_quantity_and_price(company, order, owner):
    # given an order of 10 of which 6 were received
    services.purchase_order_confirm(order=order, user=owner)
    line = PurchaseOrderLine.objects.get(order=order)
    services.purchase_order_receive(order=order, quantities={line.pk: "6"})

    # when it is billed by the ordered quantity
    bill, warnings = services.purchase_order_bill(order=order, policy="ordered")

    # then the bill's quantity differs from the receipt
    assert [(w["kind"], w["billed"], w["received"]) for w in warnings] == [
        ("not_received", "10.0000", "6.000000")
    ]

    # when the supplier's price on the bill differs from the order's
    bill_line = bill.lines.get()
    invoice_update(
        invoice=bill,
        lines=[
            {
                "product": bill_line.product,
                "quantity": "10",
                "unit_price": "8.50",
                "account": bill_line.account,
                "origin_line": bill_line.origin_line,
                "taxes": list(bill_line.taxes.all()),
            }
        ],
    )
    warnings = queries.match_warnings(order)
    assert sorted(w["kind"] for w in warnings) == ["not_received", "price"]
    price = next(w for w in warnings if w["kind"] == "price")
    assert (price["ordered_price"], price["billed_price"]) == ("8.000000", "8.500000")


def test_overbilling_is_refused_and_nothing_changes(company, order, owner):
    services.purchase_order_confirm(order=order, user=owner)
    line = PurchaseOrderLine.objects.get(order=order)
    services.purchase_order_receive(order=order, quantities={line.pk: "6"})

    with pytest.raises(DomainError) as refused:
        services.purchase_order_bill(order=order, policy="received", quantities={line.pk: "7"})

    assert refused.value.code == "purchase.overbilled"
    assert Invoice.objects.count() == 0
    line.refresh_from_db()
    assert line.billed_quantity == 0


def test_confirm_without_lines_is_refused(company, supplier, warehouse):
    order = services.purchase_order_create(company=company, supplier=supplier, warehouse=warehouse)
    with pytest.raises(DomainError) as refused:
        services.purchase_order_confirm(order=order)
    assert refused.value.code == "purchase.no_lines"
    order.refresh_from_db()
    assert (order.state, order.number) == ("draft", "")
    assert Transfer.objects.count() == 0


def test_negative_quantity_is_refused(company, supplier, warehouse, widget):
    with pytest.raises(DomainError) as refused:
        services.purchase_order_create(
            company=company,
            supplier=supplier,
            warehouse=warehouse,
            lines=[{"product": widget, "quantity": "-1"}],
        )
    assert (refused.value.code, refused.value.field) == ("validation.min_value", "lines.0.quantity")
    assert PurchaseOrder.objects.count() == 0


def test_cancel_cancels_the_open_receipt(company, order, owner):
    services.purchase_order_confirm(order=order, user=owner)
    (receipt,) = services.transfers_of(order)

    cancelled = services.purchase_order_cancel(order=order)

    receipt.refresh_from_db()
    assert cancelled.state == OrderState.CANCELLED
    assert receipt.state == MoveState.CANCELLED


def test_cancel_is_refused_once_goods_were_received(company, order, owner):
    services.purchase_order_confirm(order=order, user=owner)
    line = PurchaseOrderLine.objects.get(order=order)
    services.purchase_order_receive(order=order, quantities={line.pk: "4"})
    backorder = services.transfers_of(order)[1]

    with pytest.raises(DomainError) as refused:
        services.purchase_order_cancel(order=order)

    assert refused.value.code == "purchase.received"
    order.refresh_from_db()
    backorder.refresh_from_db()
    assert order.state == OrderState.CONFIRMED
    assert backorder.state == MoveState.CONFIRMED


def test_receiving_on_a_cancelled_order_is_refused(company, order, owner):
    services.purchase_order_confirm(order=order, user=owner)
    services.purchase_order_cancel(order=order)

    with pytest.raises(DomainError) as refused:
        services.purchase_order_receive(order=order)

    assert refused.value.code == "purchase.cancelled"
    assert StockMove.objects.filter(state=MoveState.DONE).count() == 0
    assert StockLevel.objects.filter(on_hand__gt=0).count() == 0


def test_prices_default_from_supplier_prices_by_quantity(company, supplier, warehouse, widget):
    services.supplier_price_create(
        company=company, supplier=supplier, product=widget, price="9.00", lead_time_days=3
    )
    services.supplier_price_create(
        company=company, supplier=supplier, product=widget, price="7.50", min_quantity="100"
    )
    order = services.purchase_order_create(
        company=company,
        supplier=supplier,
        warehouse=warehouse,
        lines=[{"product": widget, "quantity": "10"}, {"product": widget, "quantity": "100"}],
    )
    assert [line.unit_price for line in order.lines.all()] == [D("9.000000"), D("7.500000")]
    assert order.untaxed_amount == D("840.00")


def test_only_drafts_change_and_delete(company, order, widget):
    updated = services.purchase_order_update(
        order=order, lines=[{"product": widget, "quantity": "2", "unit_price": "3"}]
    )
    assert updated.untaxed_amount == D("6.00")
    services.purchase_order_confirm(order=order)
    with pytest.raises(DomainError) as refused:
        services.purchase_order_update(order=order, notes="x")
    assert refused.value.code == "purchase.not_draft"
    with pytest.raises(DomainError) as refused:
        services.purchase_order_delete(order=order)
    assert refused.value.code == "purchase.not_draft"
    assert PurchaseOrder.objects.filter(pk=order.pk).exists()


def test_a_posted_vendor_credit_note_gives_its_units_back_to_bill(company, order, owner):
    from tandem.accounting.services.invoices import invoice_credit

    services.purchase_order_confirm(order=order, user=owner)
    services.purchase_order_receive(order=order)
    bill, _ = services.purchase_order_bill(order=order, policy="received")
    invoice_post(invoice=bill, user=owner)
    services.purchase_order_refresh(order=order)  # on commit, outside a test transaction
    order.refresh_from_db()
    assert order.state == OrderState.DONE

    credit = invoice_credit(invoice=bill)
    services.purchase_order_refresh(order=order)
    assert PurchaseOrderLine.objects.get(order=order).billed_quantity == D("10")  # draft

    invoice_post(invoice=credit, user=owner)
    services.purchase_order_refresh(order=order)
    order.refresh_from_db()
    line = PurchaseOrderLine.objects.get(order=order)
    assert line.billed_quantity == D("0")
    assert order.state == OrderState.CONFIRMED
    assert queries.statuses(queries.order_detail(company, order.pk))["billing_status"] == "to_bill"
    # and the units can be billed again
    again, _ = services.purchase_order_bill(order=order, policy="received")
    assert again.lines.get().quantity == D("10")
