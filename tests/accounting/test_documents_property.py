"""Random histories of invoices, credit notes, payments (full, partial, over), allocations,
refused allocations and cancellations, in CNY and USD at moving rates, keep the books whole.

After every step: every posted entry balances, the trial balance sums to zero, and the
receivable/payable control balance of every party equals its open documents (the
integrity checks pass), residuals agree with the allocations.
"""

import itertools
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from tandem.accounting import checks, queries, services
from tandem.accounting.models import Allocation, Entry, Invoice, Payment, Tax
from tandem.accounting.services import invoices as invoice_services
from tandem.accounting.services import payments as pay
from tandem.core.errors import DomainError
from tandem.core.services import company_create, exchange_rate_set
from tandem.parties.models import Party

YEAR = 2026
KINDS = ["customer_invoice", "customer_credit_note", "vendor_bill", "vendor_credit_note"]
RATES = [(date(YEAR, 1, 1), "7.1000"), (date(YEAR, 4, 1), "7.2345"), (date(YEAR, 7, 1), "6.9876")]
_companies = itertools.count(1)
cents = st.integers(min_value=1, max_value=5_000_000)
fractions = st.sampled_from([Decimal("0.25"), Decimal("0.5"), Decimal("1"), Decimal("1.5")])
days = st.integers(0, 364)
D1 = Decimal("1.00")


def _day(n: int) -> date:
    return date(YEAR, 1, 1) + timedelta(days=n)


def _cents(value: Decimal) -> Decimal:
    return max(value.quantize(Decimal("0.01")), Decimal("0.01"))


class Books(RuleBasedStateMachine):
    invoices = Bundle("invoices")
    payments = Bundle("payments")

    def __init__(self):
        super().__init__()
        self.company = company_create(code=f"DOC{next(_companies)}", name="Documents Co")
        services.fiscal_year_create(company=self.company, date_start=date(YEAR, 1, 1))
        services.chart_install(company=self.company, template="prc")
        for on, rate in RATES:
            exchange_rate_set(company=self.company, currency="USD", on_date=on, rate=Decimal(rate))
        self.parties = [
            Party.objects.create(
                company=self.company, name=f"Party {n}", is_customer=True, is_supplier=True,
                currency_id="CNY",
            )
            for n in range(2)
        ]  # fmt: skip

    def _snapshot(self):
        return (
            list(Invoice.objects.filter(company=self.company).order_by("pk").values_list(
                "residual_amount", "residual_company", "payment_state", "state")),
            list(Payment.objects.filter(company=self.company).order_by("pk").values_list(
                "unallocated_amount", "state")),
            Allocation.objects.filter(company=self.company).count(),
            Entry.objects.filter(company=self.company).count(),
        )  # fmt: skip

    def _refused(self, action):
        before = self._snapshot()
        try:
            action()
        except DomainError as error:
            assert 400 <= error.status < 500, error
            assert self._snapshot() == before
            return True
        return False

    @rule(
        target=invoices,
        kind=st.sampled_from(KINDS),
        party=st.integers(0, 1),
        usd=st.booleans(),
        amount=cents,
        taxed=st.booleans(),
        day=days,
    )
    def invoice(self, kind, party, usd, amount, taxed, day):
        scope = "sale" if kind.startswith("customer") else "purchase"
        taxes = (
            list(Tax.objects.filter(company=self.company, scope=scope, rate=13)) if taxed else []
        )
        draft = invoice_services.invoice_create(
            company=self.company,
            kind=kind,
            party=self.parties[party],
            date=_day(day),
            currency="USD" if usd else "CNY",
            lines=[{"description": "x", "unit_price": Decimal(amount) / 100, "taxes": list(taxes)}],
        )
        return invoice_services.invoice_post(invoice=draft)

    @rule(target=payments, invoice=invoices, fraction=fractions, day=days)
    def payment_for(self, invoice, fraction, day):
        """A payment meant for `invoice`: partial, full or over; applied on post."""
        invoice.refresh_from_db()
        direction = pay.SETTLES_DIRECTION[invoice.kind]
        wanted = _cents(invoice.total_amount * fraction)

        def create(allocate):
            return pay.payment_create(
                company=self.company,
                direction=direction,
                party=invoice.party,
                amount=wanted,
                date=_day(day),
                currency=invoice.currency_id,
                allocations=[(invoice, allocate)] if allocate > 0 else [],
            )

        if invoice.state != "posted":
            assert self._refused(lambda: create(wanted))
            return None
        payment = create(min(wanted, invoice.residual_amount))
        return pay.payment_post(payment=payment)

    @rule(target=payments, party=st.integers(0, 1), usd=st.booleans(), amount=cents,
          direction=st.sampled_from(["in", "out"]), day=days)  # fmt: skip
    def unallocated_payment(self, party, usd, amount, direction, day):
        payment = pay.payment_create(
            company=self.company,
            direction=direction,
            party=self.parties[party],
            amount=Decimal(amount) / 100,
            date=_day(day),
            currency="USD" if usd else "CNY",
        )
        return pay.payment_post(payment=payment)

    @rule(payment=payments, invoice=invoices, fraction=fractions)
    def allocate(self, payment, invoice, fraction):
        if payment is None:
            return
        payment.refresh_from_db()
        invoice.refresh_from_db()
        value = _cents(invoice.residual_amount * fraction) if invoice.residual_amount else D1
        fits = (
            payment.state == "posted"
            and invoice.state == "posted"
            and invoice.party_id == payment.party_id
            and invoice.currency_id == payment.currency_id
            and invoice.kind == pay.SETTLES[(payment.direction, pay.payment_side(payment))]
            and value <= invoice.residual_amount
            and value <= payment.unallocated_amount
        )
        refused = self._refused(
            lambda: pay.payment_allocate(payment=payment, allocations=[(invoice, value)])
        )
        assert refused != fits

    @rule(note=invoices, invoice=invoices, fraction=fractions)
    def credit(self, note, invoice, fraction):
        note.refresh_from_db()
        invoice.refresh_from_db()
        value = _cents(note.residual_amount * fraction) if note.residual_amount else D1
        fits = (
            note.is_credit_note
            and note.state == invoice.state == "posted"
            and pay.CREDIT_SETTLES[note.kind] == invoice.kind
            and note.party_id == invoice.party_id
            and note.currency_id == invoice.currency_id
            and value <= min(note.residual_amount, invoice.residual_amount)
        )
        refused = self._refused(
            lambda: pay.credit_note_allocate(credit_note=note, invoice=invoice, amount=value)
        )
        assert refused != fits

    @rule(payment=payments)
    def cancel_payment(self, payment):
        if payment is None:
            return
        payment.refresh_from_db()
        refused = self._refused(lambda: pay.payment_cancel(payment=payment))
        assert refused == (payment.state != "posted")

    @rule(invoice=invoices)
    def cancel_invoice(self, invoice):
        invoice.refresh_from_db()
        allocated = (
            Allocation.objects.filter(invoice=invoice).exists()
            or Allocation.objects.filter(credit_note=invoice).exists()
        )
        refused = self._refused(lambda: invoice_services.invoice_cancel(invoice=invoice))
        assert refused == (allocated or invoice.state != "posted")

    @invariant()
    def books_are_whole(self):
        assert list(checks.posted_entries_balance()) == []
        tb = queries.trial_balance(self.company)
        assert tb["totals"]["debit"] == tb["totals"]["credit"]
        assert tb["totals"]["balance"] == Decimal("0.00")
        assert list(checks.control_accounts()) == []
        assert list(checks.residuals_consistent()) == []
        assert list(checks.documents_have_entries()) == []


def test_random_document_histories_keep_the_control_accounts_whole(db):
    run_state_machine_as_test(
        Books,
        settings=settings(
            max_examples=20,
            stateful_step_count=15,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
