"""Returns: goods back to stock or scrap, credit note, refund — the ledger after each step."""

from decimal import Decimal

import pytest

from tandem.accounting.models import EntryLine, Invoice
from tandem.accounting.services.payments import payment_create, payment_post
from tandem.core.errors import DomainError
from tandem.inventory.models import StockLevel
from tandem.sales import services
from tandem.sales.models import SalesReturn

from .conftest import balance

D = Decimal
pytestmark = pytest.mark.django_db
ROLES = ("inventory", "cogs", "revenue", "tax_payable", "receivable", "bank", "expense")


def ledger(company) -> dict:
    figures = {role: balance(company, role) for role in ROLES}
    lines = EntryLine.objects.filter(company=company, posted=True)
    assert sum(li.debit - li.credit for li in lines) == 0  # zero-sum, always
    return figures


def on_hand(product, wh):
    row = StockLevel.objects.filter(product=product, location=wh.stock_location).first()
    return row.on_hand if row else D(0)


@pytest.fixture
def shipped(make_product, order_of, stock_in, wh, books):
    """4 widgets at 100.00 + 13 % shipped (cost 60.00) and invoiced (452.00)."""
    a = make_product("100")
    stock_in(a, 10, unit_cost="60")
    order = services.sales_order_confirm(order=order_of((a, 4)))
    services.delivery_step(order=order, step="ship")
    invoice = services.sales_order_invoice(orders=[order], post=True)
    return order, invoice, a


def pay(invoice, amount):
    payment = payment_create(
        company=invoice.company,
        direction="in",
        party=invoice.party,
        amount=D(amount),
        date=invoice.date,
        allocations=[(invoice, D(amount))],
    )
    return payment_post(payment=payment)


def test_return_of_a_paid_order_credits_and_refunds(shipped, books, wh):
    order, invoice, a = shipped
    pay(invoice, "452.00")
    before = ledger(books)
    assert (before["inventory"], before["cogs"], before["bank"]) == (
        D("360.00"),
        D("240.00"),
        D("452.00"),
    )
    assert before["receivable"] == D("0.00")
    # a draft return books nothing
    line = order.lines.get()
    rma = services.sales_return_create(
        order=order, lines=[{"order_line": line, "quantity": D(1)}], reason="damaged box"
    )
    assert rma.number.startswith("RMA/") and rma.state == "draft"
    assert ledger(books) == before
    # receive: the unit back in stock at its cost, revenue and output tax credited
    rma = services.sales_return_receive(sales_return=rma)
    assert rma.state == "received"
    assert on_hand(a, wh) == D(7)
    after = ledger(books)
    assert after["inventory"] == D("420.00")
    assert after["cogs"] == D("180.00")
    assert after["revenue"] == D("-300.00")
    assert after["tax_payable"] == D("-39.00")
    assert after["receivable"] == D("-113.00")  # owed to the customer
    note = rma.credit_note
    assert (note.kind, note.state, note.total_amount, note.residual_amount) == (
        "customer_credit_note",
        "posted",
        D("113.00"),
        D("113.00"),
    )
    assert rma.transfer.state == "done" and rma.transfer.kind == "receipt"
    assert rma.lines.get().unit_cost == D("60")
    # the order is not reopened for invoicing by the return
    line.refresh_from_db()
    assert line.qty_invoiced == D(4)
    # refund: the money goes out and the receivable is square again
    rma = services.sales_return_refund(sales_return=rma)
    assert rma.state == "refunded"
    final = ledger(books)
    assert final["receivable"] == D("0.00")
    assert final["bank"] == D("339.00")
    assert (final["inventory"], final["cogs"]) == (D("420.00"), D("180.00"))
    note.refresh_from_db()
    assert (note.residual_amount, note.payment_state) == (D("0.00"), "paid")
    assert rma.refund.direction == "out" and rma.refund.amount == D("113.00")
    # a second refund is refused
    with pytest.raises(DomainError) as refused:
        services.sales_return_refund(sales_return=rma)
    assert refused.value.code == "return.invalid_transition"


def test_refund_refused_when_nothing_was_paid(shipped, books):
    order, invoice, _a = shipped
    rma = services.sales_return_create(
        order=order, lines=[{"order_line": order.lines.get(), "quantity": D(1)}]
    )
    rma = services.sales_return_receive(sales_return=rma)
    # the credit note settled part of the unpaid invoice: nothing to pay out
    assert rma.state == "done"
    invoice.refresh_from_db()
    assert invoice.residual_amount == D("339.00")
    figures = ledger(books)
    assert figures["receivable"] == D("339.00")
    with pytest.raises(DomainError) as refused:
        services.sales_return_refund(sales_return=rma)
    assert refused.value.code == "return.nothing_to_refund"
    assert ledger(books) == figures
    assert rma.refund is None


def test_over_return_is_refused_and_nothing_changes(shipped, books):
    order, _invoice, _a = shipped
    line = order.lines.get()
    services.sales_return_create(order=order, lines=[{"order_line": line, "quantity": D(3)}])
    with pytest.raises(DomainError) as refused:
        services.sales_return_create(order=order, lines=[{"order_line": line, "quantity": D(2)}])
    assert refused.value.code == "return.quantity_exceeded"
    assert refused.value.extra["allowed"] == "1.0000"
    assert SalesReturn.objects.count() == 1


def test_return_to_scrap_moves_the_cost_to_the_loss_account(shipped, books, wh):
    order, invoice, a = shipped
    pay(invoice, "452.00")
    rma = services.sales_return_create(
        order=order, lines=[{"order_line": order.lines.get(), "quantity": D(2), "to_scrap": True}]
    )
    rma = services.sales_return_receive(sales_return=rma)
    assert on_hand(a, wh) == D(6)  # nothing back on the shelf
    figures = ledger(books)
    assert figures["inventory"] == D("360.00")
    assert figures["cogs"] == D("120.00")
    assert figures["expense"] == D("120.00")  # written off
    assert rma.scrap_transfer.location_dest.usage == "scrap"
    assert Invoice.objects.filter(kind="customer_credit_note").get().total_amount == D("226.00")


def test_a_cancelled_return_frees_its_quantity(shipped):
    order, _invoice, _a = shipped
    line = order.lines.get()
    rma = services.sales_return_create(order=order, lines=[{"order_line": line, "quantity": D(4)}])
    services.sales_return_cancel(sales_return=rma)
    again = services.sales_return_create(
        order=order, lines=[{"order_line": line, "quantity": D(4)}]
    )
    assert again.state == "draft"
