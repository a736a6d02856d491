"""Period-end revaluation of open foreign-currency items: exact unrealized differences, the
reversal on the next period's first day, and the realized difference of a later payment
still measured against the original rate."""

from datetime import date

import pytest

from tandem.accounting import checks, queries
from tandem.accounting.models import Account, Entry, EntryLine, FxRevaluation, FxRevaluationLine
from tandem.accounting.services import account_for_role
from tandem.accounting.services import payments as pay
from tandem.accounting.services import revaluation as reval
from tandem.core.errors import DomainError
from tandem.core.models import ExchangeRate
from tandem.parties.models import Party

from .test_payments_support import YEAR, D, fresh, make_invoice, party_balance, receive, set_rate

MARCH_END = date(YEAR, 3, 31)
APRIL_FIRST = date(YEAR, 4, 1)


def fx_accounts(company):
    return (
        account_for_role(company, "fx_gain").code,
        account_for_role(company, "fx_loss").code,
    )


def lines_of(entry):
    return sorted(
        (line.account.code, line.party_id, line.debit, line.credit)
        for line in EntryLine.objects.filter(entry=entry).select_related("account")
    )


def breaches():
    found = {}
    for check in (checks.control_accounts, checks.documents_have_entries):
        rows = list(check())
        if rows:
            found[check.__name__] = rows
    return found


@pytest.fixture
def dollar_invoice(chart, usd_customer):
    """USD 1,000.00 invoiced on 1 March at 7.10 (7,100.00); 7.20 at the end of March."""
    set_rate(chart, date(YEAR, 3, 1), "7.10")
    set_rate(chart, MARCH_END, "7.20")
    invoice = make_invoice(chart, usd_customer, [(1, "1000.00")], currency="USD", taxed=False)
    assert invoice.total_company == D("7100.00")
    return invoice


def test_an_open_invoice_is_revalued_and_reversed_next_period(chart, usd_customer, dollar_invoice):
    gain, _loss = fx_accounts(chart)
    # when the open items are revalued at 31 March
    run = reval.fx_revaluation_run(company=chart, date=MARCH_END)
    # then 1,000 x (7.20 - 7.10) = 100.00 unrealized gain, dated at the period end
    assert (run.gain, run.loss) == (D("100.00"), D("0.00"))
    assert run.entry.date == MARCH_END
    assert lines_of(run.entry) == [
        ("1122", usd_customer.pk, D("100.00"), D("0.00")),
        (gain, None, D("0.00"), D("100.00")),
    ]
    assert party_balance_as_of(chart, usd_customer, MARCH_END) == D("7200.00")
    # and reversed on 1 April: the receivable is back to its carrying value
    assert run.reversal_entry.date == APRIL_FIRST
    assert run.reversal_entry.reversal_of_id == run.entry.pk
    assert party_balance_as_of(chart, usd_customer, APRIL_FIRST) == D("7100.00")
    assert party_balance(chart, usd_customer, "1122") == D("7100.00")
    # the document itself is untouched
    assert fresh(dollar_invoice).residual_company == D("7100.00")
    line = FxRevaluationLine.objects.get(revaluation=run)
    assert (line.invoice_id, line.residual, line.carrying, line.revalued, line.difference) == (
        dollar_invoice.pk, D("1000.00"), D("7100.00"), D("7200.00"), D("100.00"),
    )  # fmt: skip
    assert breaches() == {}


def party_balance_as_of(company, party, on):
    account = Account.objects.get(company=company, code="1122")
    return queries.balance_of(company, account, party=party, as_of=on)


def test_a_later_payment_realizes_the_difference_against_the_original_rate(
    chart, usd_customer, dollar_invoice
):
    gain, _loss = fx_accounts(chart)
    reval.fx_revaluation_run(company=chart, date=MARCH_END)
    # when the customer pays USD 1,000 on 10 April at 7.25
    set_rate(chart, date(YEAR, 4, 10), "7.25")
    payment = receive(
        chart,
        usd_customer,
        "1000.00",
        on=date(YEAR, 4, 10),
        currency="USD",
        allocations=[(dollar_invoice, "1000.00")],
    )
    # then the realized gain is 1,000 x (7.25 - 7.10) = 150.00 and the receivable is zero
    allocation = payment.allocations.get()
    assert lines_of(allocation.fx_entry) == [
        ("1122", usd_customer.pk, D("150.00"), D("0.00")),
        (gain, None, D("0.00"), D("150.00")),
    ]
    assert party_balance(chart, usd_customer, "1122") == D("0.00")
    # the gain account holds 100 - 100 + 150
    account = account_for_role(chart, "fx_gain")
    assert queries.balance_of(chart, account) == D("-150.00")
    assert breaches() == {}


def test_bills_and_unallocated_payments_lose_when_the_currency_rises(
    chart, usd_customer, usd_supplier
):
    _gain, loss = fx_accounts(chart)
    set_rate(chart, date(YEAR, 3, 1), "7.10")
    set_rate(chart, MARCH_END, "7.20")
    make_invoice(
        chart, usd_supplier, [(1, "500.00")], kind="vendor_bill", currency="USD", taxed=False
    )
    other = Party.objects.create(
        company=chart, name="Austin Customer", is_customer=True, currency_id="USD"
    )
    receive(chart, other, "200.00", on=date(YEAR, 3, 1), currency="USD")
    # a payment in CNY is never revalued
    receive(chart, usd_customer, "300.00", on=date(YEAR, 3, 1), currency="CNY")
    run = reval.fx_revaluation_run(company=chart, date=MARCH_END)
    # the bill owes 50.00 more, the customer's prepayment is worth 20.00 more
    assert (run.gain, run.loss) == (D("0.00"), D("70.00"))
    assert lines_of(run.entry) == [
        ("1122", other.pk, D("0.00"), D("20.00")),
        ("2202", usd_supplier.pk, D("0.00"), D("50.00")),
        (loss, None, D("70.00"), D("0.00")),
    ]
    assert FxRevaluationLine.objects.filter(revaluation=run).count() == 2
    assert breaches() == {}


def test_allocations_after_the_date_do_not_count(chart, usd_customer, dollar_invoice):
    # given USD 400 paid on 5 April (at 7.10), revaluing 31 March afterwards
    set_rate(chart, date(YEAR, 4, 5), "7.10")
    receive(
        chart,
        usd_customer,
        "400.00",
        on=date(YEAR, 4, 5),
        currency="USD",
        allocations=[(dollar_invoice, "400.00")],
    )
    run = reval.fx_revaluation_run(company=chart, date=MARCH_END)
    # then the whole 1,000 was open at 31 March
    assert run.gain == D("100.00")


def test_a_second_run_for_the_same_date_is_refused_and_writes_nothing(
    chart, usd_customer, dollar_invoice
):
    reval.fx_revaluation_run(company=chart, date=MARCH_END)
    entries = Entry.objects.count()
    with pytest.raises(DomainError) as refused:
        reval.fx_revaluation_run(company=chart, date=MARCH_END)
    assert refused.value.code == "fx_revaluation.exists"
    assert refused.value.status == 409
    assert Entry.objects.count() == entries
    assert FxRevaluation.objects.count() == 1


def test_refusals_change_nothing(chart, usd_customer, dollar_invoice):
    entries = Entry.objects.count()
    with pytest.raises(DomainError) as refused:
        reval.fx_revaluation_run(company=chart, date=date(YEAR, 3, 30))
    assert refused.value.code == "fx_revaluation.not_period_end"
    with pytest.raises(DomainError) as refused:
        reval.fx_revaluation_run(company=chart, date=date(YEAR + 1, 1, 31))
    assert refused.value.code == "period.missing"
    # no year 2027: the reversal of a December run has no period
    set_rate(chart, date(YEAR, 12, 31), "7.30")
    with pytest.raises(DomainError) as refused:
        reval.fx_revaluation_run(company=chart, date=date(YEAR, 12, 31))
    assert refused.value.code == "period.missing"
    assert Entry.objects.count() == entries
    assert FxRevaluation.objects.count() == 0


def test_nothing_open_at_the_date_posts_nothing(chart, usd_customer):
    set_rate(chart, date(YEAR, 3, 1), "7.10")
    make_invoice(chart, usd_customer, [(1, "10.00")], currency="USD", taxed=False)
    # the invoice is dated after February
    run = reval.fx_revaluation_run(company=chart, date=date(YEAR, 2, 28))
    assert (run.entry, run.reversal_entry, run.gain, run.loss) == (None, None, D("0"), D("0"))


def test_a_missing_rate_is_refused(chart):
    pounds = Party.objects.create(
        company=chart, name="London Customer", is_customer=True, currency_id="GBP"
    )
    set_rate(chart, date(YEAR, 3, 1), "9.00", currency="GBP")
    make_invoice(chart, pounds, [(1, "10.00")], currency="GBP", taxed=False)
    # the only GBP rate moves after the period end
    ExchangeRate.objects.filter(currency_id="GBP").update(date=date(YEAR, 4, 1))
    entries = Entry.objects.count()
    with pytest.raises(DomainError) as refused:
        reval.fx_revaluation_run(company=chart, date=MARCH_END)
    assert refused.value.code == "rate.missing"
    assert Entry.objects.count() == entries
    assert FxRevaluation.objects.count() == 0


def test_a_payment_cancelled_after_the_date_still_counts(chart, usd_customer):
    set_rate(chart, date(YEAR, 3, 1), "7.10")
    set_rate(chart, MARCH_END, "7.20")
    payment = receive(chart, usd_customer, "100.00", on=date(YEAR, 3, 1), currency="USD")
    pay.payment_cancel(payment=payment, date=date(YEAR, 4, 2))
    run = reval.fx_revaluation_run(company=chart, date=MARCH_END)
    assert (run.gain, run.loss) == (D("0.00"), D("10.00"))


def problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == code


def test_api_preview_then_run_then_list(api, chart, usd_customer, dollar_invoice):
    preview = api.get(f"/fx-revaluations/preview?date={YEAR}-03-31")
    assert preview.status_code == 200, preview.content
    data = preview.json()
    assert (data["id"], data["gain"], data["loss"]) == (None, "100.00", "0.00")
    assert [(line["number"], line["difference"]) for line in data["lines"]] == [
        (dollar_invoice.number, "100.00")
    ]
    assert FxRevaluation.objects.count() == 0  # a preview writes nothing
    created = api.post("/fx-revaluations", {"date": f"{YEAR}-03-31"})
    assert created.status_code == 201, created.content
    run = created.json()
    assert (run["gain"], run["date"]) == ("100.00", f"{YEAR}-03-31")
    assert Entry.objects.get(pk=run["reversal_entry"]).date == APRIL_FIRST
    assert api.get(f"/fx-revaluations/{run['id']}").json() == run
    listed = api.get("/fx-revaluations").json()
    assert (listed["count"], listed["items"][0]["id"]) == (1, run["id"])
    problem(api.post("/fx-revaluations", {"date": f"{YEAR}-03-31"}), 409, "fx_revaluation.exists")
    problem(
        api.post("/fx-revaluations", {"date": f"{YEAR}-04-15"}),
        422,
        "fx_revaluation.not_period_end",
    )
    problem(
        api.get(f"/fx-revaluations/preview?date={YEAR}-04-15"), 422, "fx_revaluation.not_period_end"
    )
    assert api.get("/fx-revaluations/999999").status_code == 404
    assert FxRevaluation.objects.count() == 1


def test_page_previews_then_posts(web, chart, usd_customer, dollar_invoice):
    page = web.get("/accounting/fx-revaluations/", {"date": f"{YEAR}-03-31"})
    assert page.status_code == 200
    html = page.content.decode()
    assert dollar_invoice.number in html and "100.00" in html
    assert FxRevaluation.objects.count() == 0
    posted = web.post("/accounting/fx-revaluations/run/", {"date": f"{YEAR}-03-31"})
    run = FxRevaluation.objects.get()
    assert posted.status_code == 302
    assert posted["Location"].endswith(f"/accounting/fx-revaluations/{run.pk}/")
    detail = web.get(posted["Location"])
    assert detail.status_code == 200 and run.entry.number in detail.content.decode()
    again = web.post("/accounting/fx-revaluations/run/", {"date": f"{YEAR}-03-31"})
    assert again.status_code == 422
    assert FxRevaluation.objects.count() == 1
    bad = web.get("/accounting/fx-revaluations/", {"date": f"{YEAR}-03-15"})
    assert bad.status_code == 422
