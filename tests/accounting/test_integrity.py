from datetime import date

import pytest
from django.db import connection

from tandem.accounting import checks, services
from tandem.accounting.models import Entry, EntryLine, Period
from tandem.cli import main
from tandem.core import integrity
from tests.accounting.conftest import YEAR, cr, dr

CHECKS = (
    checks.posted_entries_balance,
    checks.lines_follow_entry,
    checks.entries_in_period,
    checks.same_company,
    checks.journal_numbers,
)


@pytest.fixture
def raw_sql():
    """Run SQL past every guard, as a broken import script would (on PostgreSQL with the
    triggers off for the test's transaction only: SET LOCAL ends with its rollback)."""

    def run(sql, params=()):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(sql, params)

    return run


def test_ledger_checks_are_registered():
    names = integrity.registered()
    for name in (
        "accounting: every posted entry balances",
        "accounting: line state and date follow their entry",
        "accounting: posted entries lie in their open-at-posting period",
        "accounting: rows reference rows of their own company",
        "accounting: journal numbers are issued once and used once",
    ):
        assert name in names


def test_a_sound_ledger_passes(company, other_company, acct, post, journals, fiscal_year):
    sale = post(
        [dr(acct["1122"], "113.00"), cr(acct["6001"], "100.00"), cr(acct["222102"], "13.00")]
    )
    services.entry_reverse(entry=sale)
    services.entry_create(
        company=company, journal=journals["GEN"], date=date(YEAR, 5, 1),
        lines=[dr(acct["6602"], "1.00")],
    )  # fmt: skip
    services.period_close(period=fiscal_year.periods.get(number=1))
    for check in CHECKS:
        assert list(check()) == [], check.__name__


def test_breaches_are_named(company, acct, post, fiscal_year, raw_sql):
    entry = post([dr(acct["6602"], "100.00"), cr(acct["1001"], "100.00")], on=date(YEAR, 3, 3))
    line = EntryLine.objects.filter(entry=entry).order_by("pk").first()

    raw_sql("UPDATE accounting_entryline SET debit = 90 WHERE id = %s", [line.pk])
    assert list(checks.posted_entries_balance()) == [
        f"ACME entry GEN/{YEAR}/00001: debit 90.00 != credit 100.00"
    ]

    raw_sql("UPDATE accounting_entryline SET posted = %s WHERE id = %s", [False, line.pk])
    assert list(checks.lines_follow_entry()) == [
        f"entry line {line.pk}: unposted in entry GEN/{YEAR}/00001"
    ]

    april = fiscal_year.periods.get(number=4)
    raw_sql("UPDATE accounting_entry SET period_id = %s WHERE id = %s", [april.pk, entry.pk])
    assert list(checks.entries_in_period()) == [
        f"ACME entry GEN/{YEAR}/00001: dated outside its period"
    ]

    raw_sql("UPDATE accounting_entry SET number = %s WHERE id = %s", ["GEN/X", entry.pk])
    assert sorted(checks.journal_numbers()) == [
        "ACME entry GEN/X: number not issued by its journal sequence",
        f"ACME number GEN/{YEAR}/00001: issued but no posted entry carries it",
    ]


def test_posting_after_the_close_is_reported(company, acct, post, fiscal_year, raw_sql):
    entry = post([dr(acct["6602"], "1.00"), cr(acct["1001"], "1.00")], on=date(YEAR, 2, 2))
    feb = fiscal_year.periods.get(number=2)
    raw_sql(
        "UPDATE accounting_period SET state = 'closed', closed_at = %s WHERE id = %s",
        ["2000-01-01 00:00:00", feb.pk],
    )
    assert list(checks.entries_in_period()) == [
        f"ACME entry {entry.number}: posted after period {YEAR}-02 was closed"
    ]


def test_check_integrity_command_fails_on_an_unbalanced_entry(company, acct, post, raw_sql, capsys):
    entry = post([dr(acct["6602"], "5.00"), cr(acct["1001"], "5.00")])
    raw_sql(
        "UPDATE accounting_entryline SET credit = 4 WHERE entry_id = %s AND credit > 0", [entry.pk]
    )
    with pytest.raises(SystemExit) as exit_info:
        main(["check-integrity"])
    assert exit_info.value.code == 1
    assert f"entry GEN/{YEAR}/00001: debit 5.00 != credit 4.00" in capsys.readouterr().out
    assert Entry.objects.count() == 1 and Period.objects.count() == 12
