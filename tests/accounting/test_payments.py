"""Payments and allocations through the services: exact figures, refusals change nothing."""

from datetime import date

import pytest

from tandem.accounting.models import Allocation, Entry, Invoice, Payment
from tandem.accounting.services import payments as pay
from tandem.core.errors import DomainError

from .test_payments_support import (
    YEAR,
    D,
    fresh,
    make_invoice,
    party_balance,
    receive,
    set_rate,
    state_of,
    tb,
)


def test_a_partial_payment_leaves_the_rest_due(chart, customer):
    # given a posted invoice of 1,186.50
    invoice = make_invoice(chart, customer, [(10, "100.00"), (1, "50.00")])
    # when 1,000.00 arrives against it
    payment = receive(chart, customer, "1000.00", allocations=[(invoice, "1000.00")])
    # then
    assert payment.state == "posted"
    assert payment.number == f"PAY/BNK/{YEAR}/00001"
    assert payment.amount_company == D("1000.00")
    assert payment.unallocated_amount == D("0.00")
    assert state_of(invoice) == (D("186.50"), D("186.50"), "partial")
    assert tb(chart)["1122"] == D("186.50")
    assert tb(chart)["1002"] == D("1000.00")
    lines = sorted(
        (line.account.code, line.debit, line.credit, line.party_id)
        for line in payment.entry.lines.select_related("account")
    )
    assert lines == [
        ("1002", D("1000.00"), D("0.00"), None),
        ("1122", D("0.00"), D("1000.00"), customer.pk),
    ]
    allocation = Allocation.objects.get(payment=payment)
    assert (allocation.amount, allocation.amount_company, allocation.fx_entry_id) == (
        D("1000.00"),
        D("1000.00"),
        None,
    )


def test_several_payments_settle_one_invoice(chart, customer):
    invoice = make_invoice(chart, customer, [(10, "100.00"), (1, "50.00")])
    receive(chart, customer, "500.00", allocations=[(invoice, "500.00")])
    receive(chart, customer, "500.00", allocations=[(invoice, "500.00")], on=date(YEAR, 3, 21))
    assert state_of(invoice) == (D("186.50"), D("186.50"), "partial")
    third = receive(
        chart, customer, "186.50", allocations=[(invoice, "186.50")], on=date(YEAR, 3, 22)
    )
    assert third.number == f"PAY/BNK/{YEAR}/00003"
    assert state_of(invoice) == (D("0.00"), D("0.00"), "paid")
    assert "1122" not in tb(chart)
    assert tb(chart)["1002"] == D("1186.50")


def test_one_payment_settles_several_invoices(chart, customer):
    first = make_invoice(chart, customer, [(1, "100.00")])  # 113.00
    second = make_invoice(chart, customer, [(2, "100.00")], on=date(YEAR, 3, 2))  # 226.00
    payment = receive(
        chart, customer, "339.00", allocations=[(first, "113.00"), (second, "226.00")]
    )
    assert payment.unallocated_amount == D("0.00")
    assert state_of(first) == (D("0.00"), D("0.00"), "paid")
    assert state_of(second) == (D("0.00"), D("0.00"), "paid")
    assert party_balance(chart, customer, "1122") == D("0.00")


def test_an_overpayment_stays_open_and_is_allocated_later(chart, customer):
    invoice = make_invoice(chart, customer, [(1, "100.00")])  # 113.00
    payment = receive(chart, customer, "200.00", allocations=[(invoice, "113.00")])
    assert payment.unallocated_amount == D("87.00")
    assert party_balance(chart, customer, "1122") == D("-87.00")  # a credit on the party
    later = make_invoice(chart, customer, [(1, "50.00")], on=date(YEAR, 4, 1))  # 56.50

    payment = pay.payment_allocate(payment=payment, allocations=[(later, D("56.50"))])

    assert payment.unallocated_amount == D("30.50")
    assert state_of(later) == (D("0.00"), D("0.00"), "paid")
    assert Allocation.objects.get(invoice=later).date == date(YEAR, 4, 1)
    assert party_balance(chart, customer, "1122") == D("-30.50")


def test_a_vendor_bill_is_paid_out_of_the_bank(chart, supplier):
    bill = make_invoice(chart, supplier, [(1, "1000.00")], kind="vendor_bill")  # 1,130.00
    payment = receive(chart, supplier, "1130.00", direction="out", allocations=[(bill, "1130.00")])
    assert state_of(bill) == (D("0.00"), D("0.00"), "paid")
    assert party_balance(chart, supplier, "2202") == D("0.00")
    assert tb(chart)["1002"] == D("-1130.00")
    assert {line.account.code: line.debit for line in payment.entry.lines.all()} == {
        "2202": D("1130.00"),
        "1002": D("0.00"),
    }


def test_a_credit_note_settles_part_of_an_invoice(chart, customer):
    invoice = make_invoice(chart, customer, [(10, "100.00")])  # 1,130.00
    note = make_invoice(chart, customer, [(1, "100.00")], kind="customer_credit_note")  # 113.00

    allocation = pay.credit_note_allocate(credit_note=note, invoice=invoice, amount=D("113.00"))

    assert allocation.credit_note_id == note.pk and allocation.payment_id is None
    assert state_of(invoice) == (D("1017.00"), D("1017.00"), "partial")
    assert state_of(note) == (D("0.00"), D("0.00"), "paid")
    assert party_balance(chart, customer, "1122") == D("1017.00")


def test_a_refund_pays_out_a_customer_credit_note(chart, customer):
    note = make_invoice(chart, customer, [(1, "100.00")], kind="customer_credit_note")
    refund = receive(chart, customer, "113.00", direction="out", allocations=[(note, "113.00")])
    assert pay.payment_side(refund) == "receivable"
    assert state_of(note) == (D("0.00"), D("0.00"), "paid")
    assert party_balance(chart, customer, "1122") == D("0.00")
    assert tb(chart)["1002"] == D("-113.00")


def _snapshot(company):
    return (
        list(Invoice.objects.filter(company=company).values_list(
            "pk", "residual_amount", "residual_company", "payment_state").order_by("pk")),
        list(Payment.objects.filter(company=company).values_list(
            "pk", "state", "number", "unallocated_amount").order_by("pk")),
        list(Allocation.objects.values_list("pk", "amount", "amount_company").order_by("pk")),
        Entry.objects.filter(company=company).count(),
        tb(company),
    )  # fmt: skip


def _refused(company, code, action):
    before = _snapshot(company)
    with pytest.raises(DomainError) as caught:
        action()
    assert caught.value.code == code
    assert 400 <= caught.value.status < 500
    assert _snapshot(company) == before


def test_refusals_change_nothing(chart, customer, supplier, usd_customer):
    invoice = make_invoice(chart, customer, [(1, "100.00")])  # 113.00
    other = make_invoice(chart, supplier, [(1, "100.00")], kind="vendor_bill")
    draft = make_invoice(chart, customer, [(1, "10.00")], post=False)
    set_rate(chart, date(YEAR, 1, 1), "7.10")
    dollars = make_invoice(chart, usd_customer, [(1, "10.00")], currency="USD")
    payment = receive(chart, customer, "50.00")

    def allocate(target, value):
        return lambda: pay.payment_allocate(payment=payment, allocations=[(target, D(value))])

    _refused(chart, "allocation.exceeds_unallocated", allocate(invoice, "60.00"))
    big = receive(chart, customer, "500.00")
    _refused(
        chart,
        "allocation.exceeds_residual",
        lambda: pay.payment_allocate(payment=big, allocations=[(invoice, D("113.01"))]),
    )
    _refused(chart, "allocation.party_mismatch", allocate(other, "10.00"))
    _refused(chart, "allocation.document_not_open", allocate(draft, "10.00"))
    _refused(chart, "allocation.party_mismatch", allocate(dollars, "10.00"))
    _refused(chart, "validation.min_value", allocate(invoice, "0"))
    second = make_invoice(chart, customer, [(1, "10.00")], on=date(YEAR, 3, 2))
    _refused(
        chart,
        "allocation.wrong_kind",
        lambda: pay.credit_note_allocate(credit_note=invoice, invoice=second, amount=D("1")),
    )
    out = receive(chart, supplier, "50.00", direction="out")
    _refused(
        chart,
        "allocation.party_mismatch",
        lambda: pay.payment_allocate(payment=out, allocations=[(invoice, D("1"))]),
    )
    refund = receive(chart, customer, "50.00", direction="out")
    _refused(
        chart,
        "allocation.wrong_kind",
        lambda: pay.payment_allocate(payment=refund, allocations=[(invoice, D("1"))]),
    )
    # a draft payment with an allocation beyond the invoice posts nothing at all
    too_much = pay.payment_create(
        company=chart,
        direction="in",
        party=customer,
        amount=D("200.00"),
        date=date(YEAR, 3, 25),
        allocations=[(invoice, D("150.00"))],
    )
    _refused(chart, "allocation.exceeds_residual", lambda: pay.payment_post(payment=too_much))
    assert fresh(too_much).state == "draft"


def test_a_currency_mismatch_is_refused(chart, usd_customer):
    set_rate(chart, date(YEAR, 1, 1), "7.10")
    invoice = make_invoice(chart, usd_customer, [(1, "100.00")], currency="USD", taxed=False)
    payment = receive(chart, usd_customer, "100.00", currency="CNY")
    _refused(
        chart,
        "allocation.currency_mismatch",
        lambda: pay.payment_allocate(payment=payment, allocations=[(invoice, D("100.00"))]),
    )


def test_a_payment_in_a_currency_without_rate_is_refused(chart, usd_customer):
    payment = pay.payment_create(
        company=chart,
        direction="in",
        party=usd_customer,
        amount=D("10.00"),
        date=date(YEAR, 3, 1),
    )
    assert payment.currency_id == "USD"
    _refused(chart, "rate.missing", lambda: pay.payment_post(payment=payment))


def test_fx_gain_when_paid_at_a_higher_rate(chart, usd_customer):
    # invoice USD 100 at 7.10, paid at 7.20: 10.00 gain, receivable zero
    set_rate(chart, date(YEAR, 3, 1), "7.10")
    set_rate(chart, date(YEAR, 3, 20), "7.20")
    invoice = make_invoice(chart, usd_customer, [(1, "100.00")], currency="USD", taxed=False)
    assert (invoice.rate, invoice.total_company) == (D("7.10000000"), D("710.00"))

    payment = receive(
        chart, usd_customer, "100.00", currency="USD", allocations=[(invoice, "100.00")]
    )

    assert payment.amount_company == D("720.00")
    assert state_of(invoice) == (D("0.00"), D("0.00"), "paid")
    allocation = Allocation.objects.get(payment=payment)
    assert allocation.amount_company == D("710.00")
    fx = {line.account.role: (line.debit, line.credit) for line in allocation.fx_entry.lines.all()}
    assert fx == {"receivable": (D("10.00"), D("0.00")), "fx_gain": (D("0.00"), D("10.00"))}
    assert party_balance(chart, usd_customer, "1122") == D("0.00")
    balances = tb(chart)
    assert balances["1002"] == D("720.00")
    assert sum(balances.values()) == 0


def test_fx_loss_on_a_vendor_bill_paid_at_a_higher_rate(chart, usd_supplier):
    set_rate(chart, date(YEAR, 3, 1), "7.10")
    set_rate(chart, date(YEAR, 3, 20), "7.20")
    bill = make_invoice(
        chart, usd_supplier, [(1, "100.00")], kind="vendor_bill", currency="USD", taxed=False
    )
    payment = receive(
        chart, usd_supplier, "100.00", direction="out", allocations=[(bill, "100.00")]
    )
    fx = Allocation.objects.get(payment=payment).fx_entry
    assert {line.account.role: (line.debit, line.credit) for line in fx.lines.all()} == {
        "payable": (D("0.00"), D("10.00")),
        "fx_loss": (D("10.00"), D("0.00")),
    }
    assert party_balance(chart, usd_supplier, "2202") == D("0.00")


def test_fx_loss_on_partial_payments_at_a_lower_rate_clears_to_zero(chart, usd_customer):
    set_rate(chart, date(YEAR, 3, 1), "7.1234")
    set_rate(chart, date(YEAR, 3, 10), "7.0011")
    invoice = make_invoice(chart, usd_customer, [(1, "100.01")], currency="USD", taxed=False)
    assert invoice.total_company == D("712.41")  # 100.01 × 7.1234 = 712.4112

    first = receive(chart, usd_customer, "50.00", allocations=[(invoice, "50.00")])
    assert state_of(invoice) == (D("50.01"), D("356.24"), "partial")
    assert first.amount_company == D("350.06")  # 350.055 rounded half up
    second = receive(chart, usd_customer, "50.01", allocations=[(invoice, "50.01")])

    assert second.amount_company == D("350.13")
    assert state_of(invoice) == (D("0.00"), D("0.00"), "paid")
    losses = [
        a.fx_entry.lines.get(account__role="fx_loss").debit
        for a in Allocation.objects.filter(invoice=invoice).order_by("id")
    ]
    assert losses == [D("6.11"), D("6.11")]  # 356.17 - 350.06, 356.24 - 350.13
    assert party_balance(chart, usd_customer, "1122") == D("0.00")


def test_fx_on_a_credit_note_at_another_rate(chart, usd_customer):
    set_rate(chart, date(YEAR, 3, 1), "7.10")
    set_rate(chart, date(YEAR, 3, 5), "7.00")
    invoice = make_invoice(chart, usd_customer, [(1, "100.00")], currency="USD", taxed=False)
    note = make_invoice(
        chart,
        usd_customer,
        [(1, "40.00")],
        currency="USD",
        taxed=False,
        kind="customer_credit_note",
        on=date(YEAR, 3, 5),
    )
    allocation = pay.credit_note_allocate(credit_note=note, invoice=invoice, amount=D("40.00"))
    # the invoice clears 284.00 at 7.10, the note only brings 280.00 at 7.00
    assert allocation.amount_company == D("284.00")
    assert allocation.fx_entry.lines.get(account__role="fx_loss").debit == D("4.00")
    assert state_of(invoice) == (D("60.00"), D("426.00"), "partial")
    assert party_balance(chart, usd_customer, "1122") == D("426.00")


def test_cancelling_a_payment_restores_the_invoices(chart, usd_customer):
    set_rate(chart, date(YEAR, 3, 1), "7.10")
    set_rate(chart, date(YEAR, 3, 20), "7.20")
    invoice = make_invoice(chart, usd_customer, [(1, "100.00")], currency="USD", taxed=False)
    payment = receive(chart, usd_customer, "150.00", allocations=[(invoice, "100.00")])
    fx_entry = Allocation.objects.get(payment=payment).fx_entry

    cancelled = pay.payment_cancel(payment=payment)

    assert cancelled.state == "cancelled"
    assert cancelled.cancel_entry.reversal_of_id == payment.entry_id
    assert cancelled.unallocated_amount == D("0.00")
    assert Entry.objects.filter(reversal_of=fx_entry, state="posted").count() == 1
    assert not Allocation.objects.filter(payment=payment).exists()
    assert state_of(invoice) == (D("100.00"), D("710.00"), "not_paid")
    assert party_balance(chart, usd_customer, "1122") == D("710.00")
    assert tb(chart).get("1002") is None
    _refused(chart, "payment.invalid_transition", lambda: pay.payment_cancel(payment=payment))


def test_drafts_change_and_are_deleted_posted_ones_do_not(chart, customer):
    invoice = make_invoice(chart, customer, [(1, "100.00")])
    draft = pay.payment_create(
        company=chart,
        direction="in",
        party=customer,
        amount=D("100.00"),
        date=date(YEAR, 3, 3),
        allocations=[(invoice, D("100.00"))],
    )
    assert state_of(invoice) == (D("113.00"), D("113.00"), "not_paid")  # planned only
    draft = pay.payment_update(
        payment=draft, amount=D("113.00"), allocations=[(invoice, D("113.00"))]
    )
    assert list(Allocation.objects.filter(payment=draft).values_list("amount", flat=True)) == [
        D("113.00")
    ]
    posted = pay.payment_post(payment=draft)
    assert state_of(invoice) == (D("0.00"), D("0.00"), "paid")
    _refused(chart, "payment.not_draft", lambda: pay.payment_update(payment=posted, memo="x"))
    _refused(chart, "payment.not_draft", lambda: pay.payment_delete(payment=posted))
    _refused(chart, "payment.invalid_transition", lambda: pay.payment_post(payment=posted))
    other = pay.payment_create(
        company=chart, direction="in", party=customer, amount=D("5.00"), date=date(YEAR, 3, 3)
    )
    pay.payment_delete(payment=other)
    assert not Payment.objects.filter(pk=other.pk).exists()
