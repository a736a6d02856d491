"""Row locks, numbering races and the append-only triggers: PostgreSQL only."""

import threading
from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from tandem.accounting import services
from tandem.accounting.models import Account, Entry, EntryLine, Journal
from tandem.core.errors import Conflict
from tandem.core.integrity import run_all
from tandem.core.models import SequenceNumber
from tests.accounting.conftest import YEAR, cr, dr

pytestmark = pytest.mark.postgres


@pytest.fixture
def posted(acct, post):
    return post([dr(acct["6602"], "100.00"), cr(acct["1002"], "100.00")])


@pytest.mark.django_db
def test_the_trigger_refuses_raw_sql_on_posted_lines(posted):
    line = EntryLine.objects.filter(entry=posted).order_by("pk").first()
    for sql, params in [
        ("UPDATE accounting_entryline SET debit = 1 WHERE id = %s", [line.pk]),
        ("DELETE FROM accounting_entryline WHERE id = %s", [line.pk]),
        ("UPDATE accounting_entry SET reference = 'x' WHERE id = %s", [posted.pk]),
        ("DELETE FROM accounting_entry WHERE id = %s", [posted.pk]),
        (
            "INSERT INTO accounting_entryline (company_id, entry_id, account_id, description, "
            "debit, credit, currency_id, amount_currency, date, posted, created_at, updated_at) "
            "SELECT company_id, entry_id, account_id, '', 1, 0, currency_id, 1, date, true, "
            "now(), now() FROM accounting_entryline WHERE id = %s",
            [line.pk],
        ),
    ]:
        with (
            pytest.raises(IntegrityError) as refused,
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, params)
        assert "posted" in str(refused.value) and "reversal" in str(refused.value)
    assert EntryLine.objects.get(pk=line.pk).debit == 100
    assert EntryLine.objects.filter(entry=posted).count() == 2


@pytest.mark.django_db
def test_drafts_stay_writable_under_the_trigger(company, acct, journals):
    draft = services.entry_create(
        company=company,
        journal=journals["GEN"],
        date=date(YEAR, 3, 3),
        lines=[dr(acct["6602"], "1.00"), cr(acct["1002"], "1.00")],
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounting_entryline SET description = 'ok' WHERE entry_id = %s", [draft.pk]
        )
    services.entry_update(entry=draft, reference="edited")
    services.entry_post(entry=draft)
    assert Entry.objects.get(pk=draft.pk).state == "posted"


def _run_together(workers, work):
    barrier = threading.Barrier(workers)
    results, errors = [], []

    def run(index):
        try:
            barrier.wait(timeout=30)
            results.append(work(index))
        except Exception as exc:  # collected and asserted by the caller
            errors.append(exc)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_eight_threads_posting_at_once_get_numbers_one_to_eight(company):
    services.fiscal_year_create(company=company, date_start=date(YEAR, 1, 1))
    services.chart_install(company=company, template="prc")
    journal = Journal.objects.get(company=company, code="SAL")
    receivable = Account.objects.get(company=company, code="1122")
    revenue = Account.objects.get(company=company, code="6001")
    drafts = [
        services.entry_create(
            company=company,
            journal=journal,
            date=date(YEAR, 5, 1 + n),
            lines=[dr(receivable, f"{n + 1}00.00"), cr(revenue, f"{n + 1}00.00")],
        )
        for n in range(8)
    ]

    results, errors = _run_together(8, lambda n: services.entry_post(entry=drafts[n]).number)

    assert errors == []
    assert sorted(results) == [f"SAL/{YEAR}/{n:05d}" for n in range(1, 9)]
    numbers = Entry.objects.filter(company=company).values_list("number", flat=True)
    assert sorted(numbers) == sorted(results)
    assert SequenceNumber.objects.filter(company=company).count() == 8
    assert run_all().ok, run_all().render()


@pytest.mark.django_db(transaction=True)
def test_concurrent_reversals_of_one_entry_make_exactly_one(company):
    services.fiscal_year_create(company=company, date_start=date(YEAR, 1, 1))
    services.chart_install(company=company, template="prc")
    entry = services.entry_post(
        entry=services.entry_create(
            company=company,
            journal=Journal.objects.get(company=company, code="GEN"),
            date=date(YEAR, 6, 1),
            lines=[
                dr(Account.objects.get(company=company, code="6602"), "50.00"),
                cr(Account.objects.get(company=company, code="1002"), "50.00"),
            ],
        )
    )

    results, errors = _run_together(6, lambda n: services.entry_reverse(entry=entry).number)

    assert results == [f"GEN/{YEAR}/00002"]
    assert len(errors) == 5
    assert all(isinstance(e, Conflict) and e.code == "entry.already_reversed" for e in errors)
    assert Entry.objects.filter(reversal_of=entry).count() == 1
    assert run_all().ok


@pytest.mark.django_db(transaction=True)
def test_a_period_close_waits_for_a_posting_in_flight(company):
    services.fiscal_year_create(company=company, date_start=date(YEAR, 1, 1))
    services.chart_install(company=company, template="prc")
    draft = services.entry_create(
        company=company,
        journal=Journal.objects.get(company=company, code="GEN"),
        date=date(YEAR, 7, 1),
        lines=[
            dr(Account.objects.get(company=company, code="6602"), "5.00"),
            cr(Account.objects.get(company=company, code="1002"), "5.00"),
        ],
    )
    july = draft.period

    def work(index):
        if index == 0:
            return services.entry_post(entry=draft).state
        return services.period_close(period=july).state

    results, errors = _run_together(2, work)
    # either the posting ran first (then the close saw no draft) or the close refused
    # (the draft was still a draft): never a posted entry in a period closed before it
    assert run_all().ok
    assert len(results) + len(errors) == 2
    for error in errors:
        assert error.code in ("period.has_drafts", "period.closed")
