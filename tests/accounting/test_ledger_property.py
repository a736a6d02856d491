"""Random sequences of drafts, postings, refused postings and reversals keep the ledger sound.

After every step: each posted entry balances, the trial balance's debits equal its credits
and its balances sum to zero, and every account's balance equals the one a plain Decimal
model of the same steps predicts, to the cent.
"""

import itertools
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)

from tandem.accounting import checks, queries, services
from tandem.accounting.models import Account, Entry, Journal
from tandem.core.errors import Conflict, ValidationFailed
from tandem.core.services import company_create

CODES = ["1001", "1002", "1122", "1405", "2202", "222101", "222102", "4001", "6001", "6602"]
YEAR = 2026
_companies = itertools.count(1)
cents = st.integers(min_value=1, max_value=10_000_000)  # 0.01 .. 100,000.00


@st.composite
def balanced_lines(draw):
    """(account index, debit cents, credit cents) rows whose debits equal their credits."""
    debits = draw(
        st.lists(st.tuples(st.integers(0, len(CODES) - 1), cents), min_size=1, max_size=4)
    )
    total = sum(amount for _, amount in debits)
    parts = draw(st.integers(1, min(3, total)))
    cuts = (
        sorted(draw(st.sets(st.integers(1, total - 1), min_size=parts - 1, max_size=parts - 1)))
        if parts > 1
        else []
    )
    bounds = [0, *cuts, total]
    credits = [
        (draw(st.integers(0, len(CODES) - 1)), high - low)
        for low, high in itertools.pairwise(bounds)
    ]
    rows = [(i, amount, 0) for i, amount in debits] + [(i, 0, amount) for i, amount in credits]
    return draw(st.permutations(rows))


class Ledger(RuleBasedStateMachine):
    drafts = Bundle("drafts")
    posted = Bundle("posted")

    def __init__(self):
        super().__init__()
        self.company = company_create(code=f"HYP{next(_companies)}", name="Property Co")
        services.fiscal_year_create(company=self.company, date_start=date(YEAR, 1, 1))
        services.chart_install(company=self.company, template="prc")
        accounts = {a.code: a for a in Account.objects.filter(company=self.company, code__in=CODES)}
        self.accounts = [accounts[code] for code in CODES]
        self.journals = list(Journal.objects.filter(company=self.company).order_by("code"))
        self.expected: dict[int, Decimal] = defaultdict(Decimal)
        self.reversed: set[int] = set()

    def _lines(self, rows):
        return [
            {
                "account": self.accounts[index],
                "debit": Decimal(debit) / 100,
                "credit": Decimal(credit) / 100,
            }
            for index, debit, credit in rows
        ]

    def _apply(self, entry, sign=1):
        for account_id, debit, credit in entry.lines.values_list("account_id", "debit", "credit"):
            self.expected[account_id] += sign * (debit - credit)

    @rule(
        target=drafts,
        rows=balanced_lines(),
        day=st.integers(0, 364),
        journal=st.integers(0, 5),
    )
    def draft(self, rows, day, journal):
        return services.entry_create(
            company=self.company,
            journal=self.journals[journal],
            date=date(YEAR, 1, 1) + timedelta(days=day),
            lines=self._lines(rows),
        )

    @rule(target=posted, entry=consumes(drafts))
    def post(self, entry):
        posted = services.entry_post(entry=entry)
        self._apply(posted)
        return posted

    @rule(rows=balanced_lines(), extra=cents)
    def unbalanced_is_refused(self, rows, extra):
        index, debit, credit = rows[0]
        rows = [(index, debit + extra, 0) if debit else (index, 0, credit + extra), *rows[1:]]
        entry = services.entry_create(
            company=self.company,
            journal=self.journals[0],
            date=date(YEAR, 6, 1),
            lines=self._lines(rows),
        )
        with pytest.raises(ValidationFailed) as refused:
            services.entry_post(entry=entry)
        assert refused.value.code == "ledger.unbalanced"
        services.entry_delete(entry=entry)

    @rule(target=posted, entry=posted, later=st.integers(0, 30))
    def reverse(self, entry, later):
        on = min(entry.date + timedelta(days=later), date(YEAR, 12, 31))
        if entry.pk in self.reversed:
            with pytest.raises(Conflict) as refused:
                services.entry_reverse(entry=entry, date=on)
            assert refused.value.code == "entry.already_reversed"
            return entry
        reversal = services.entry_reverse(entry=entry, date=on)
        self.reversed.add(entry.pk)
        self._apply(reversal)
        return reversal

    @invariant()
    def ledger_is_sound(self):
        assert list(checks.posted_entries_balance()) == []
        tb = queries.trial_balance(self.company, date_to=date(YEAR, 12, 31))
        assert tb["totals"]["debit"] == tb["totals"]["credit"]
        assert tb["totals"]["balance"] == Decimal("0.00")
        assert tb["totals"]["closing_debit"] == tb["totals"]["closing_credit"]
        actual = {row["account_id"]: row["balance"] for row in tb["rows"]}
        for account in self.accounts:
            assert actual.get(account.pk, Decimal("0.00")) == self.expected[account.pk], (
                account.code
            )
        numbers = list(
            Entry.objects.filter(company=self.company, state="posted").values_list(
                "number", flat=True
            )
        )
        assert len(numbers) == len(set(numbers))


def test_random_ledger_histories_stay_balanced(db):
    run_state_machine_as_test(
        Ledger,
        settings=settings(
            max_examples=25,
            stateful_step_count=12,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
