from datetime import date

import pytest

from tandem.accounting import queries, services
from tandem.accounting.models import Entry, EntryLine, Journal
from tandem.core import events
from tandem.core.errors import Conflict, ValidationFailed
from tandem.core.models import SequenceNumber
from tandem.parties.models import Party
from tests.accounting.conftest import YEAR, D, cr, dr


def snapshot():
    return (
        list(Entry.objects.order_by("pk").values_list("pk", "state", "number", "date")),
        list(EntryLine.objects.order_by("pk").values_list("pk", "debit", "credit", "posted")),
        SequenceNumber.objects.count(),
    )


def tb_row(company, code, **range_):
    rows = queries.trial_balance(company, **range_)["rows"]
    return next((r for r in rows if r["account"] == code), None)


def test_a_balanced_draft_posts_with_the_first_number_of_its_journal(
    company, acct, journals, owner, customer, django_capture_on_commit_callbacks
):
    # given a draft sale: receivable 1,186.50 against revenue 1,050.00 and output VAT 136.50
    entry = services.entry_create(
        company=company,
        journal=journals["SAL"],
        date=date(YEAR, 3, 15),
        reference="INV-1",
        lines=[
            dr(acct["1122"], "1186.50", party=customer),
            cr(acct["6001"], "1050.00"),
            cr(acct["222102"], "136.50"),
        ],
        user=owner,
    )
    assert entry.state == "draft" and entry.number == ""
    assert not EntryLine.objects.filter(entry=entry, posted=True).exists()
    received = []
    events.subscribe("entry.posted", lambda event, **payload: received.append(payload))

    # when it is posted
    with django_capture_on_commit_callbacks(execute=True):
        posted = services.entry_post(entry=entry, user=owner)

    # then it is numbered, in its period, its lines count in the trial balance
    assert (posted.state, posted.number) == ("posted", f"SAL/{YEAR}/00001")
    assert posted.period.date_start == date(YEAR, 3, 1)
    assert posted.posted_by == owner and posted.posted_at is not None
    assert EntryLine.objects.filter(entry=entry, posted=True).count() == 3
    assert received == [
        {"entry_id": entry.pk, "company_id": company.pk, "number": posted.number, "journal": "SAL"}
    ]
    tb = queries.trial_balance(company, date_to=date(YEAR, 12, 31))
    assert [(r["account"], r["debit"], r["credit"], r["balance"]) for r in tb["rows"]] == [
        ("1122", D("1186.50"), D("0.00"), D("1186.50")),
        ("222102", D("0.00"), D("136.50"), D("-136.50")),
        ("6001", D("0.00"), D("1050.00"), D("-1050.00")),
    ]
    assert tb["totals"]["debit"] == tb["totals"]["credit"] == D("1186.50")
    assert tb["totals"]["balance"] == D("0.00")


def test_an_unbalanced_entry_is_refused_and_nothing_changes(company, acct, journals):
    entry = services.entry_create(
        company=company,
        journal=journals["GEN"],
        date=date(YEAR, 3, 1),
        lines=[dr(acct["6602"], "100.00"), cr(acct["1002"], "99.99")],
    )
    before = snapshot()

    with pytest.raises(ValidationFailed) as refused:
        services.entry_post(entry=entry)

    assert refused.value.code == "ledger.unbalanced"
    assert refused.value.status == 422
    assert "0.01" in refused.value.message
    assert snapshot() == before


def test_an_empty_draft_cannot_be_posted(company, journals):
    entry = services.entry_create(company=company, journal=journals["GEN"], date=date(YEAR, 3, 1))
    with pytest.raises(ValidationFailed) as refused:
        services.entry_post(entry=entry)
    assert refused.value.code == "entry.empty"


@pytest.mark.parametrize(
    ("line", "code", "field"),
    [
        ({"debit": "10.00", "credit": "10.00"}, "entry.line_both_sides", "lines.0.credit"),
        ({}, "entry.line_zero", "lines.0.debit"),
        ({"debit": "-5.00"}, "validation.min_value", "lines.0.debit"),
        ({"debit": "1.005"}, "entry.amount_precision", "lines.0.debit"),
        ({"debit": "abc"}, "validation.invalid", "lines.0.debit"),
        ({"debit": "1e20"}, "validation.max_value", "lines.0.debit"),
        ({"debit": "5.00", "currency": "XYZ"}, "currency.unknown", "currency"),
        (
            {"debit": "5.00", "currency": "KWD", "amount_currency": "1"},
            "currency.unsupported",
            None,
        ),
        ({"debit": "5.00", "currency": "USD"}, "ledger.amount_currency_missing", None),
        (
            {"debit": "5.00", "currency": "USD", "amount_currency": "-1.00"},
            "ledger.currency_sign",
            None,
        ),
        (
            {"debit": "5.00", "currency": "JPY", "amount_currency": "1.50"},
            "entry.amount_precision",
            None,
        ),
        ({"debit": "5.00", "amount_currency": "4.00"}, "ledger.amount_currency_mismatch", None),
    ],
)
def test_bad_lines_are_refused_and_nothing_is_written(company, acct, journals, line, code, field):
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        services.entry_create(
            company=company,
            journal=journals["GEN"],
            date=date(YEAR, 3, 1),
            lines=[{"account": acct["6602"], **line}],
        )
    assert refused.value.code == code
    if field:
        assert refused.value.errors[0]["field"] == field
    assert snapshot() == before


def test_lines_must_use_the_company_records(company, other_company, acct, journals, customer):
    services.chart_install(company=other_company, template="generic")
    theirs = services.account_for_role(other_company, "bank")
    their_party = Party.objects.create(company=other_company, name="Theirs", currency_id="USD")
    services.account_update(account=acct["6711"], active=False)

    for lines, code in [
        ([dr(theirs, "1.00")], "reference.invalid"),
        ([dr(acct["6602"], "1.00", party=their_party)], "reference.invalid"),
        ([dr(acct["6711"], "1.00")], "account.inactive"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            services.entry_create(
                company=company, journal=journals["GEN"], date=date(YEAR, 3, 1), lines=lines
            )
        assert refused.value.code == code
    with pytest.raises(ValidationFailed) as journal_refused:
        services.entry_create(
            company=company,
            journal=Journal.objects.get(company=other_company, code="GEN"),
            date=date(YEAR, 3, 1),
        )
    assert journal_refused.value.code == "reference.invalid"
    assert not Entry.objects.exists()


def test_foreign_currency_lines_carry_their_amount_and_balance_per_currency(
    company, acct, journals
):
    # all lines in USD: the USD amounts must balance too
    entry = services.entry_create(
        company=company,
        journal=journals["GEN"],
        date=date(YEAR, 4, 1),
        lines=[
            dr(acct["1002"], "720.00", currency="USD", amount_currency="100.00"),
            cr(acct["1122"], "720.00", currency="usd", amount_currency="-99.00"),
        ],
    )
    with pytest.raises(ValidationFailed) as refused:
        services.entry_post(entry=entry)
    assert refused.value.code == "ledger.unbalanced_currency"

    # a realised exchange gain: USD lines against a CNY gain line
    entry = services.entry_create(
        company=company,
        journal=journals["BNK"],
        date=date(YEAR, 4, 2),
        lines=[
            dr(acct["1002"], "720.00", currency="USD", amount_currency="100.00"),
            cr(acct["1122"], "700.00", currency="USD", amount_currency="-100.00"),
            cr(acct["660303"], "20.00"),
        ],
    )
    posted = services.entry_post(entry=entry)
    lines = list(posted.lines.order_by("id").values_list("currency_id", "amount_currency"))
    assert lines == [("USD", D("100.00")), ("USD", D("-100.00")), ("CNY", D("-20.00"))]


def test_posting_needs_an_open_period_of_the_date(company, acct, journals, fiscal_year):
    outside = services.entry_create(
        company=company,
        journal=journals["GEN"],
        date=date(YEAR + 5, 1, 10),
        lines=[dr(acct["6602"], "10.00"), cr(acct["1001"], "10.00")],
    )
    assert outside.period is None
    with pytest.raises(ValidationFailed) as missing:
        services.entry_post(entry=outside)
    assert missing.value.code == "period.missing"

    march = fiscal_year.periods.get(number=3)
    draft = services.entry_create(
        company=company,
        journal=journals["GEN"],
        date=date(YEAR, 3, 10),
        lines=[dr(acct["6602"], "10.00"), cr(acct["1001"], "10.00")],
    )
    services.entry_update(entry=draft, date=date(YEAR, 4, 10))  # out of March
    services.period_close(period=march)
    before = snapshot()

    # a draft dated in the closed March cannot be made, nor moved there, nor posted there
    with pytest.raises(Conflict) as closed:
        services.entry_create(
            company=company,
            journal=journals["GEN"],
            date=date(YEAR, 3, 31),
            lines=[dr(acct["6602"], "10.00"), cr(acct["1001"], "10.00")],
        )
    assert closed.value.code == "period.closed"
    with pytest.raises(Conflict):
        services.entry_update(entry=draft, date=date(YEAR, 3, 10))
    assert snapshot() == before

    # reopened, the period takes postings again
    services.period_reopen(period=march)
    services.entry_update(entry=draft, date=date(YEAR, 3, 10))
    assert services.entry_post(entry=draft).period == march


def test_a_draft_posted_while_its_period_was_closed_meanwhile_is_refused(
    company, acct, journals, fiscal_year
):
    draft = services.entry_create(
        company=company,
        journal=journals["GEN"],
        date=date(YEAR, 5, 10),
        lines=[dr(acct["6602"], "10.00"), cr(acct["1001"], "10.00")],
    )
    may = fiscal_year.periods.get(number=5)
    # the period closed behind the draft's back (e.g. by a script that ignored the drafts)
    type(may).objects.filter(pk=may.pk).update(state="closed", closed_at="2026-06-01T00:00Z")
    with pytest.raises(Conflict) as refused:
        services.entry_post(entry=draft)
    assert refused.value.code == "period.closed"
    assert Entry.objects.get(pk=draft.pk).state == "draft"


def test_numbers_are_gapless_per_journal_and_year(company, acct, journals, post):
    services.fiscal_year_create(company=company)  # the next year
    lines = [dr(acct["6602"], "1.00"), cr(acct["1001"], "1.00")]

    numbers = [
        post(lines, journal="GEN").number,
        post(lines, journal="SAL").number,
        post(lines, journal="GEN").number,
        post(lines, journal="GEN", on=date(YEAR + 1, 1, 5)).number,
        post(lines, journal="SAL").number,
    ]
    # a refused posting does not use a number
    bad = services.entry_create(
        company=company,
        journal=journals["GEN"],
        date=date(YEAR, 6, 1),
        lines=[dr(acct["6602"], "1.00")],
    )
    with pytest.raises(ValidationFailed):
        services.entry_post(entry=bad)
    numbers.append(post(lines, journal="GEN").number)

    assert numbers == [
        f"GEN/{YEAR}/00001",
        f"SAL/{YEAR}/00001",
        f"GEN/{YEAR}/00002",
        f"GEN/{YEAR + 1}/00001",
        f"SAL/{YEAR}/00002",
        f"GEN/{YEAR}/00003",
    ]


def test_reversal_mirrors_the_entry_and_nets_the_trial_balance_to_zero(
    company, acct, post, owner, django_capture_on_commit_callbacks
):
    sale = post(
        [dr(acct["1122"], "1186.50"), cr(acct["6001"], "1050.00"), cr(acct["222102"], "136.50")],
        journal="SAL",
        on=date(YEAR, 3, 15),
    )
    received = []
    events.subscribe("entry.reversed", lambda event, **payload: received.append(payload))

    with django_capture_on_commit_callbacks(execute=True):
        reversal = services.entry_reverse(entry=sale, user=owner)

    assert (reversal.number, reversal.date, reversal.state) == (
        f"SAL/{YEAR}/00002",
        date(YEAR, 3, 15),
        "posted",
    )
    assert reversal.reversal_of == sale
    assert reversal.reference == f"Reversal of SAL/{YEAR}/00001"
    assert list(reversal.lines.order_by("id").values_list("account__code", "debit", "credit")) == [
        ("1122", D("0.00"), D("1186.50")),
        ("6001", D("1050.00"), D("0.00")),
        ("222102", D("136.50"), D("0.00")),
    ]
    assert received == [{"entry_id": sale.pk, "reversal_id": reversal.pk, "company_id": company.pk}]
    tb = queries.trial_balance(company, date_to=date(YEAR, 12, 31))
    assert [(r["account"], r["debit"], r["credit"], r["balance"]) for r in tb["rows"]] == [
        ("1122", D("1186.50"), D("1186.50"), D("0.00")),
        ("222102", D("136.50"), D("136.50"), D("0.00")),
        ("6001", D("1050.00"), D("1050.00"), D("0.00")),
    ]
    assert tb["totals"]["debit"] == tb["totals"]["credit"] == D("2373.00")

    # a second reversal is refused, as is reversing a draft
    with pytest.raises(Conflict) as twice:
        services.entry_reverse(entry=sale)
    assert twice.value.code == "entry.already_reversed"
    assert Entry.objects.filter(reversal_of=sale).count() == 1


def test_reversal_dates(company, acct, journals, post, fiscal_year):
    lines = [dr(acct["6602"], "50.00"), cr(acct["1001"], "50.00")]
    first = post(lines, on=date(YEAR, 2, 20))
    second = post(lines, on=date(YEAR, 2, 21))
    draft = services.entry_create(
        company=company, journal=journals["GEN"], date=date(YEAR, 2, 22), lines=lines
    )
    with pytest.raises(Conflict) as not_posted:
        services.entry_reverse(entry=draft)
    assert not_posted.value.code == "entry.not_posted"
    services.entry_delete(entry=draft)
    with pytest.raises(ValidationFailed) as before_original:
        services.entry_reverse(entry=first, date=date(YEAR, 2, 1))
    assert before_original.value.code == "entry.reversal_date"

    # February closes: the default reversal date is the first day of March
    services.period_close(period=fiscal_year.periods.get(number=2))
    assert services.entry_reverse(entry=first).date == date(YEAR, 3, 1)
    with pytest.raises(Conflict) as closed:
        services.entry_reverse(entry=second, date=date(YEAR, 2, 28))
    assert closed.value.code == "period.closed"
    assert services.entry_reverse(entry=second, date=date(YEAR, 4, 30)).date == date(YEAR, 4, 30)


def test_drafts_are_edited_and_deleted(company, acct, journals, customer):
    entry = services.entry_create(
        company=company,
        journal=journals["GEN"],
        date=date(YEAR, 3, 1),
        lines=[dr(acct["6602"], "10.00"), cr(acct["1001"], "10.00")],
    )
    services.entry_update(
        entry=entry,
        journal=journals["CSH"],
        date=date(YEAR, 4, 2),
        reference="petty cash",
        lines=[
            dr(acct["6601"], "12.00", description="taxi"),
            dr(acct["6602"], "8.00", party=customer),
            cr(acct["1001"], "20.00"),
        ],
    )
    entry.refresh_from_db()
    assert (entry.journal.code, entry.date, entry.reference) == (
        "CSH",
        date(YEAR, 4, 2),
        "petty cash",
    )
    assert entry.period.number == 4
    assert list(entry.lines.values_list("account__code", "debit", "credit", "date")) == [
        ("6601", D("12.00"), D("0.00"), date(YEAR, 4, 2)),
        ("6602", D("8.00"), D("0.00"), date(YEAR, 4, 2)),
        ("1001", D("0.00"), D("20.00"), date(YEAR, 4, 2)),
    ]
    services.entry_update(entry=entry, date=date(YEAR, 4, 3))
    assert set(entry.lines.values_list("date", flat=True)) == {date(YEAR, 4, 3)}

    services.entry_delete(entry=entry)
    assert not Entry.objects.exists() and not EntryLine.objects.exists()


def test_create_posted_keeps_the_posting_rules_and_numbers(company, acct, journals, fiscal_year):
    """The one-step path that documents post through refuses what entry_post refuses and
    writes nothing when it does."""
    gen = journals["GEN"]
    before = snapshot()
    refusals = [
        (
            [dr(acct["6602"], "10.00"), cr(acct["1001"], "9.99")],
            date(YEAR, 3, 10),
            "ledger.unbalanced",
        ),
        ([], date(YEAR, 3, 10), "entry.empty"),
        (
            [dr(acct["6602"], "10.00"), cr(acct["1001"], "10.00")],
            date(YEAR + 5, 1, 1),
            "period.missing",
        ),
    ]
    for lines, on, code in refusals:
        with pytest.raises((ValidationFailed, Conflict)) as refused:
            services.entry_create_posted(company=company, journal=gen, date=on, lines=lines)
        assert refused.value.code == code
    services.period_close(period=fiscal_year.periods.get(number=3))
    with pytest.raises(Conflict) as closed:
        services.entry_create_posted(
            company=company,
            journal=gen,
            date=date(YEAR, 3, 10),
            lines=[dr(acct["6602"], "10.00"), cr(acct["1001"], "10.00")],
        )
    assert closed.value.code == "period.closed"
    assert snapshot() == before
    # accepted: posted, numbered in the journal's sequence, lines posted with it
    entry = services.entry_create_posted(
        company=company,
        journal=gen,
        date=date(YEAR, 4, 10),
        lines=[dr(acct["6602"], "10.00"), cr(acct["1001"], "10.00")],
    )
    stored = Entry.objects.get(pk=entry.pk)
    assert (stored.state, stored.number, stored.period.number) == ("posted", entry.number, 4)
    assert entry.number.startswith(f"GEN/{YEAR}/")
    assert set(stored.lines.values_list("posted", flat=True)) == {True}
    assert tb_row(company, "6602")["debit"] == D("10.00")
