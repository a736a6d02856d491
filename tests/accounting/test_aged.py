"""Aged receivables and payables: bucket boundaries, partial payments, credit notes,
cancellations and an as-of date in the past."""

import itertools
from datetime import date, timedelta

import pytest

from tandem.accounting.models import Allocation, Invoice, Payment
from tandem.accounting.queries import reports
from tandem.parties.models import Party
from tests.accounting.conftest import YEAR, D, cr, dr

AS_OF = date(YEAR, 6, 30)
ZERO = D("0.00")
_numbers = itertools.count(1)


@pytest.fixture
def docs(company, acct, journals, post):
    """Documents written as the invoice and payment services leave them: a posted entry
    and the document row pointing at it (a test helper, not the posting path)."""

    def lines_of(kind, party, amount):
        if kind == "customer_invoice":
            return [dr(acct["1122"], amount, party=party), cr(acct["6001"], amount)]
        if kind == "customer_credit_note":
            return [dr(acct["6001"], amount), cr(acct["1122"], amount, party=party)]
        if kind == "vendor_bill":
            return [dr(acct["6602"], amount), cr(acct["2202"], amount, party=party)]
        return [dr(acct["2202"], amount, party=party), cr(acct["6602"], amount)]

    def flip(lines):
        return [
            {**line, "debit": line.get("credit", ZERO), "credit": line.get("debit", ZERO)}
            for line in lines
        ]

    class Docs:
        @staticmethod
        def invoice(kind, party, *, on, total, due=None, cancelled_on=None):
            total = D(total)
            lines = lines_of(kind, party, total)
            entry = post(lines, on=on, journal="SAL")
            cancel = post(flip(lines), on=cancelled_on, journal="SAL") if cancelled_on else None
            return Invoice.objects.create(
                company=company,
                kind=kind,
                number=f"DOC{next(_numbers)}",
                state="cancelled" if cancel else "posted",
                party=party,
                journal=journals["SAL"],
                date=on,
                due_date=due,
                currency_id="CNY",
                total_amount=total,
                residual_amount=ZERO if cancel else total,
                total_company=total,
                residual_company=ZERO if cancel else total,
                entry=entry,
                cancel_entry=cancel,
                cancelled_on=cancelled_on,
            )

        @staticmethod
        def payment(direction, party, *, on, amount):
            amount = D(amount)
            control = acct["1122"] if direction == "in" else acct["2202"]
            if direction == "in":
                lines = [dr(acct["1002"], amount), cr(control, amount, party=party)]
            else:
                lines = [dr(control, amount, party=party), cr(acct["1002"], amount)]
            return Payment.objects.create(
                company=company,
                number=f"PAY{next(_numbers)}",
                state="posted",
                direction=direction,
                party=party,
                journal=journals["BNK"],
                date=on,
                currency_id="CNY",
                amount=amount,
                amount_company=amount,
                unallocated_amount=amount,
                entry=post(lines, on=on, journal="BNK"),
            )

        @staticmethod
        def allocate(invoice, source, *, on, amount):
            field = "payment" if isinstance(source, Payment) else "credit_note"
            return Allocation.objects.create(
                company=company,
                invoice=invoice,
                date=on,
                amount=D(amount),
                amount_company=D(amount),
                **{field: source},
            )

    return Docs


def party(company, name, **kwargs):
    return Party.objects.create(company=company, name=name, currency_id="CNY", **kwargs)


def figures(row):
    return [row[key] for key in (*reports.AGE_BUCKETS, "total")]


def test_buckets_at_the_boundary_days(company, docs):
    # given one invoice due at each boundary of days overdue at AS_OF, and one not yet due
    alpha = party(company, "Alpha", is_customer=True)
    amount = D("10.00")
    for days in (0, 1, 30, 31, 60, 61, 90, 91, 120, 121):
        due = AS_OF - timedelta(days=days)
        docs.invoice("customer_invoice", alpha, on=due - timedelta(days=30), due=due, total=amount)
        amount *= 2
    docs.invoice(
        "customer_invoice", alpha, on=AS_OF - timedelta(days=20), due=AS_OF + timedelta(days=10),
        total="5.00",
    )  # fmt: skip

    # when the aged receivables are asked
    aged = reports.aged_receivables(company, as_of=AS_OF)

    # then 0 days is current, 1..30, 31..60, 61..90, 91..120, and 121 is over 120
    assert [row["party_name"] for row in aged["rows"]] == ["Alpha"]
    assert figures(aged["rows"][0]) == [
        D("15.00"),  # 10.00 due today + 5.00 not yet due
        D("60.00"),  # 1 and 30 days
        D("240.00"),  # 31 and 60
        D("960.00"),  # 61 and 90
        D("3840.00"),  # 91 and 120
        D("5120.00"),  # 121
        D("10235.00"),
    ]
    assert figures(aged["totals"]) == figures(aged["rows"][0])


def test_partial_payments_and_unallocated_money(company, docs):
    # given an invoice of 1,186.50 due 31 May, 1,000.00 paid on 10 June, and 300.00 received
    # on 20 June that is allocated (186.50) only on 5 July
    beta = party(company, "Beta", is_customer=True)
    invoice = docs.invoice(
        "customer_invoice", beta, on=date(YEAR, 5, 1), due=date(YEAR, 5, 31), total="1186.50"
    )
    first = docs.payment("in", beta, on=date(YEAR, 6, 10), amount="1000.00")
    docs.allocate(invoice, first, on=date(YEAR, 6, 10), amount="1000.00")
    second = docs.payment("in", beta, on=date(YEAR, 6, 20), amount="300.00")
    docs.allocate(invoice, second, on=date(YEAR, 7, 5), amount="186.50")

    # then before the first payment the whole invoice is 5 days overdue
    before = reports.aged_receivables(company, as_of=date(YEAR, 6, 5))
    assert figures(before["rows"][0]) == [ZERO, D("1186.50"), ZERO, ZERO, ZERO, ZERO, D("1186.50")]

    # at the end of June 186.50 is open (30 days) and the 300.00 received 10 days ago is credit
    june = reports.aged_receivables(company, as_of=AS_OF)
    assert figures(june["rows"][0]) == [ZERO, D("-113.50"), ZERO, ZERO, ZERO, ZERO, D("-113.50")]

    # after the allocation only the unallocated 113.50 of the payment remains, aged 41 days
    july = reports.aged_receivables(company, as_of=date(YEAR, 7, 31))
    assert figures(july["rows"][0]) == [ZERO, ZERO, D("-113.50"), ZERO, ZERO, ZERO, D("-113.50")]


def test_credit_notes_reduce_the_party_in_the_bucket_of_their_date(company, docs):
    # given an invoice of 500.00 due 15 June and a credit note of 200.00 on 30 June
    gamma = party(company, "Gamma", is_customer=True)
    invoice = docs.invoice(
        "customer_invoice", gamma, on=date(YEAR, 5, 16), due=date(YEAR, 6, 15), total="500.00"
    )
    credit = docs.invoice("customer_credit_note", gamma, on=AS_OF, total="200.00")

    aged = reports.aged_receivables(company, as_of=AS_OF)
    assert figures(aged["rows"][0]) == [
        D("-200.00"),
        D("500.00"),
        ZERO,
        ZERO,
        ZERO,
        ZERO,
        D("300.00"),
    ]

    # when 150.00 of the credit note is allocated to the invoice, the total stays 300.00
    docs.allocate(invoice, credit, on=AS_OF, amount="150.00")
    aged = reports.aged_receivables(company, as_of=AS_OF)
    assert figures(aged["rows"][0]) == [
        D("-50.00"),
        D("350.00"),
        ZERO,
        ZERO,
        ZERO,
        ZERO,
        D("300.00"),
    ]


def test_cancelled_drafts_and_other_companies_are_left_out(company, other_company, docs, journals):
    # given an invoice cancelled on 20 June, a draft, and another company's invoice
    delta = party(company, "Delta", is_customer=True)
    docs.invoice(
        "customer_invoice", delta, on=date(YEAR, 6, 1), due=date(YEAR, 6, 11), total="70.00",
        cancelled_on=date(YEAR, 6, 20),
    )  # fmt: skip
    Invoice.objects.create(
        company=company, kind="customer_invoice", party=delta, journal=journals["SAL"],
        date=date(YEAR, 6, 1), due_date=date(YEAR, 6, 1), currency_id="CNY",
        total_amount=D("99.00"), residual_amount=D("99.00"), total_company=D("99.00"),
        residual_company=D("99.00"),
    )  # fmt: skip

    # then at AS_OF nothing is open; before the cancellation the invoice was
    assert reports.aged_receivables(company, as_of=AS_OF) == {
        "as_of": AS_OF,
        "rows": [],
        "totals": dict.fromkeys((*reports.AGE_BUCKETS, "total"), ZERO),
    }
    earlier = reports.aged_receivables(company, as_of=date(YEAR, 6, 19))
    assert figures(earlier["rows"][0]) == [ZERO, D("70.00"), ZERO, ZERO, ZERO, ZERO, D("70.00")]
    assert reports.aged_receivables(other_company, as_of=AS_OF)["rows"] == []


def test_aged_payables_read_bills_vendor_credits_and_payments_out(company, docs):
    # given two suppliers and one customer
    north = party(company, "North Supply", is_supplier=True)
    south = party(company, "South Supply", is_supplier=True)
    customer = party(company, "Customer", is_customer=True)
    bill = docs.invoice(
        "vendor_bill", north, on=date(YEAR, 1, 10), due=date(YEAR, 2, 9), total="900.00"
    )
    payment = docs.payment("out", north, on=date(YEAR, 3, 1), amount="400.00")
    docs.allocate(bill, payment, on=date(YEAR, 3, 1), amount="400.00")
    docs.invoice("vendor_bill", south, on=date(YEAR, 6, 20), due=date(YEAR, 7, 20), total="120.00")
    docs.invoice("vendor_credit_note", south, on=date(YEAR, 6, 25), total="20.00")
    docs.invoice(
        "customer_invoice", customer, on=date(YEAR, 6, 1), due=date(YEAR, 6, 1), total="1.00"
    )

    aged = reports.aged_payables(company, as_of=AS_OF)

    # then north's bill is 141 days overdue for 500.00, south owes 100.00 net
    assert [(row["party_name"], figures(row)) for row in aged["rows"]] == [
        ("North Supply", [ZERO, ZERO, ZERO, ZERO, ZERO, D("500.00"), D("500.00")]),
        ("South Supply", [D("120.00"), D("-20.00"), ZERO, ZERO, ZERO, ZERO, D("100.00")]),
    ]
    assert figures(aged["totals"]) == [
        D("120.00"), D("-20.00"), ZERO, ZERO, ZERO, D("500.00"), D("600.00"),
    ]  # fmt: skip
    # and the customer only shows on the receivable side
    receivable = reports.aged_receivables(company, as_of=AS_OF)
    assert [row["party_name"] for row in receivable["rows"]] == ["Customer"]
