import csv
import io
from datetime import date

import pytest
from django.test import Client

from tandem.accounting import services
from tandem.accounting.models import Account, Entry, EntryLine, Period
from tandem.core.services import membership_grant
from tests.accounting.conftest import YEAR, cr, dr
from tests.factories import UserFactory

FULL_YEAR = {"date_from": f"{YEAR}-01-01", "date_to": f"{YEAR}-12-31"}


def page(response, status=200):
    assert response.status_code == status, response.status_code
    return response.content.decode()


def zh(client):
    return {"headers": {"Accept-Language": "zh-hans"}}


def lines_data(rows, prefix="lines"):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{index}-{key}"] = value
    return data


def test_home_offers_the_chart_install_and_then_the_overview(web, company):
    home = page(web.get("/accounting/"))
    assert 'data-testid="no-chart"' in home and 'name="template"' in home

    response = web.post("/accounting/install-chart/", {"template": "prc"})

    assert response.status_code == 302
    assert Account.objects.filter(company=company, code="1122").exists()
    overview = page(web.get("/accounting/"))
    assert "no-chart" not in overview
    assert "Draft entries" in overview and "Current period" in overview
    chinese = page(web.get("/accounting/", **zh(web)))
    assert "会计" in chinese or "科目" in chinese


def test_chart_of_accounts_shows_names_in_the_ui_language(web, acct, post):
    post([dr(acct["1122"], "1186.50"), cr(acct["6001"], "1050.00"), cr(acct["222102"], "136.50")])

    english = page(web.get("/accounting/accounts/", {"as_of": f"{YEAR}-12-31"}))
    assert "Accounts receivable" in english and "应收账款" not in english
    assert "1,186.50" in english and "-136.50" in english
    assert "-136.50" in english.split("2221")[1]  # the parent shows its sub-accounts' total

    chinese = page(web.get("/accounting/accounts/", {"as_of": f"{YEAR}-12-31"}, **zh(web)))
    assert "应收账款" in chinese and "应交增值税-销项税额" in chinese


def test_an_entry_is_drafted_posted_and_reversed_through_the_pages(web, company, acct, journals):
    form = page(web.get("/accounting/entries/new/"))
    assert 'name="lines-0-account"' in form and 'name="lines-1-account"' in form

    # "Add line" gives a third row and saves nothing
    more = web.post(
        "/accounting/entries/new/",
        {"journal": journals["GEN"].pk, "date": f"{YEAR}-03-05", "add_line": "1",
         **lines_data([{}, {}])},
    )  # fmt: skip
    assert 'name="lines-2-account"' in page(more)
    assert not Entry.objects.exists()

    saved = web.post(
        "/accounting/entries/new/",
        {
            "journal": journals["GEN"].pk,
            "date": f"{YEAR}-03-05",
            "reference": "office rent",
            "save": "1",
            **lines_data(
                [
                    {"account": acct["6602"].pk, "debit": "3000.00"},
                    {"account": acct["1002"].pk, "credit": "3000.00"},
                    {},  # a blank row is ignored
                ]
            ),
        },
    )
    entry = Entry.objects.get()
    assert saved.status_code == 302 and saved["Location"] == f"/accounting/entries/{entry.pk}/"
    detail = page(web.get(f"/accounting/entries/{entry.pk}/"))
    assert 'data-testid="post-entry"' in detail and "3,000.00" in detail

    assert web.post(f"/accounting/entries/{entry.pk}/post/").status_code == 302
    entry.refresh_from_db()
    assert entry.number == f"GEN/{YEAR}/00001"
    posted = page(web.get(f"/accounting/entries/{entry.pk}/"))
    assert 'data-testid="reverse-entry"' in posted and "post-entry" not in posted
    assert "Posted as GEN/" in posted  # the history

    reversed_ = web.post(f"/accounting/entries/{entry.pk}/reverse/", {"date": ""})
    reversal = Entry.objects.get(reversal_of=entry)
    assert reversed_["Location"] == f"/accounting/entries/{reversal.pk}/"
    assert "reverse-entry" not in page(web.get(f"/accounting/entries/{entry.pk}/"))


def test_the_entry_form_shows_what_is_wrong_and_writes_nothing(web, acct, journals):
    unbalanced = web.post(
        "/accounting/entries/new/",
        {
            "journal": journals["GEN"].pk,
            "date": f"{YEAR}-03-05",
            "save_post": "1",
            **lines_data(
                [
                    {"account": acct["6602"].pk, "debit": "100.00"},
                    {"account": acct["1002"].pk, "credit": "90.00"},
                ]
            ),
        },
    )
    body = page(unbalanced, 422)
    assert "differ by 10.00" in body
    assert not Entry.objects.exists()

    both_sides = web.post(
        "/accounting/entries/new/",
        {
            "journal": journals["GEN"].pk,
            "date": f"{YEAR}-03-05",
            "save": "1",
            **lines_data(
                [
                    {"account": acct["6602"].pk, "debit": "5.00", "credit": "5.00"},
                    {"account": acct["1002"].pk, "credit": "5.00"},
                ]
            ),
        },
    )
    assert "either a debit or a credit" in page(both_sides, 422)
    bad_input = web.post(
        "/accounting/entries/new/",
        {"journal": "", "date": "not a date", "save": "1",
         **lines_data([{"account": acct["6602"].pk, "debit": "-3"}])},
    )  # fmt: skip
    assert page(bad_input, 422).count('class="errorlist"') >= 3
    assert not Entry.objects.exists() and not EntryLine.objects.exists()


def test_a_posted_entry_has_no_edit_form(web, acct, post):
    entry = post([dr(acct["6602"], "1.00"), cr(acct["1001"], "1.00")])
    response = web.get(f"/accounting/entries/{entry.pk}/edit/")
    assert response.status_code == 302
    assert web.post(f"/accounting/entries/{entry.pk}/delete/").status_code == 302
    assert Entry.objects.filter(pk=entry.pk, state="posted").exists()


def test_entry_list_filters_and_pages(web, acct, journals, post):
    post([dr(acct["6602"], "1.00"), cr(acct["1001"], "1.00")], reference="taxi")
    post([dr(acct["1122"], "2.00"), cr(acct["6001"], "2.00")], journal="SAL")

    everything = page(web.get("/accounting/entries/"))
    assert f"GEN/{YEAR}/00001" in everything and f"SAL/{YEAR}/00001" in everything
    sales = page(web.get("/accounting/entries/", {"journal": journals["SAL"].pk}))
    assert f"GEN/{YEAR}/00001" not in sales and f"SAL/{YEAR}/00001" in sales
    partial = web.get("/accounting/entries/", {"q": "taxi"}, headers={"HX-Request": "true"})
    body = page(partial)
    assert "<html" not in body and f"GEN/{YEAR}/00001" in body and "SAL/" not in body


def test_trial_balance_page_drills_down_to_the_general_ledger(web, acct, post):
    post([dr(acct["1122"], "1186.50"), cr(acct["6001"], "1050.00"), cr(acct["222102"], "136.50")])
    post([dr(acct["1002"], "1000.00"), cr(acct["1122"], "1000.00")], on=date(YEAR, 4, 1))

    tb = page(web.get("/accounting/reports/trial-balance/", FULL_YEAR))
    assert 'data-testid="tb-debit">2,186.50' in tb and 'data-testid="tb-credit">2,186.50' in tb
    link = (
        f"/accounting/reports/general-ledger/?account={acct['1122'].pk}&amp;date_from={YEAR}-01-01"
    )
    assert link in tb

    ledger = page(web.get("/accounting/reports/general-ledger/",
                          {"account": acct["1122"].pk, "date_from": f"{YEAR}-01-01",
                           "date_to": f"{YEAR}-12-31"}))  # fmt: skip
    assert "1,186.50" in ledger and "186.50" in ledger
    assert f"GEN/{YEAR}/00002" in ledger

    export = web.get("/accounting/reports/trial-balance/", {**FULL_YEAR, "format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert rows[-1][4:6] == ["2186.50", "2186.50"]
    xlsx = web.get("/accounting/reports/general-ledger/",
                   {"account": acct["1122"].pk, "format": "xlsx"})  # fmt: skip
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")

    bad = web.get("/accounting/reports/trial-balance/",
                  {"date_from": f"{YEAR}-05-01", "date_to": f"{YEAR}-01-01"})  # fmt: skip
    assert "The start date is after the end date." in page(bad, 422)


def test_reports_render_in_chinese(web, acct, post):
    post([dr(acct["1122"], "10.00"), cr(acct["6001"], "10.00")])
    tb = page(web.get("/accounting/reports/trial-balance/", FULL_YEAR, **zh(web)))
    assert "应收账款" in tb and "主营业务收入" in tb
    for path in ("/accounting/", "/accounting/journals/", "/accounting/entries/",
                 "/accounting/entries/new/", "/accounting/periods/",
                 "/accounting/reports/general-ledger/", "/accounting/accounts/new/"):  # fmt: skip
        assert page(web.get(path, **zh(web)))
        assert page(web.get(path))


def test_periods_page_closes_and_reopens(web, fiscal_year):
    march = fiscal_year.periods.get(number=3)
    assert "Year-end close" in page(web.get("/accounting/periods/"))

    web.post(f"/accounting/periods/{march.pk}/close/")
    assert Period.objects.get(pk=march.pk).state == "closed"
    web.post(f"/accounting/periods/{march.pk}/reopen/")
    assert Period.objects.get(pk=march.pk).state == "open"

    created = web.post("/accounting/periods/", {"date_start": f"{YEAR + 1}-01-01", "name": ""})
    assert created.status_code == 302
    overlapping = web.post("/accounting/periods/", {"date_start": f"{YEAR + 1}-06-01"})
    assert "overlaps" in page(overlapping, 422)

    web.post(f"/accounting/fiscal-years/{fiscal_year.pk}/close/")
    fiscal_year.refresh_from_db()
    assert fiscal_year.state == "closed"


def test_accounts_and_journals_forms(web, acct, journals):
    created = web.post(
        "/accounting/accounts/new/",
        {"code": "660202", "name": "办公费", "name_en": "Office", "type": "expense",
         "parent": acct["6602"].pk, "active": "on"},
    )  # fmt: skip
    assert created.status_code == 302
    clash = web.post(
        "/accounting/accounts/new/", {"code": "660202", "name": "x", "type": "expense"}
    )
    assert "exists" in page(clash, 422)
    assert "History" in page(web.get(f"/accounting/accounts/{acct['6602'].pk}/edit/"))

    added = web.post("/accounting/journals/", {"code": "BNK2", "name": "USD", "kind": "bank",
                                               "active": "on"})  # fmt: skip
    assert added.status_code == 302
    twice = web.post("/accounting/journals/", {"code": "BNK2", "name": "USD", "kind": "bank"})
    assert "exists" in page(twice, 422)


def test_pages_need_the_right_permission(company, acct, fiscal_year, post):
    entry = post([dr(acct["6602"], "1.00"), cr(acct["1001"], "1.00")])
    clerk = UserFactory(username="clerk")
    membership_grant(user=clerk, company=company, roles=["sales"])
    client = Client()
    client.force_login(clerk)

    assert client.get("/accounting/entries/").status_code == 200
    assert client.get("/accounting/entries/new/").status_code == 403
    assert client.post(f"/accounting/entries/{entry.pk}/reverse/").status_code == 403
    march = fiscal_year.periods.get(number=3)
    assert client.post(f"/accounting/periods/{march.pk}/close/").status_code == 403
    assert Period.objects.get(pk=march.pk).state == "open"
    assert not Entry.objects.filter(reversal_of=entry).exists()


@pytest.mark.parametrize("path", ["/accounting/install-chart/", "/accounting/periods/1/close/"])
def test_changes_need_post_and_csrf(owner, company, path):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.get(path).status_code == 405
    assert client.post(path, {"template": "prc"}).status_code == 403
    assert not Account.objects.exists()


def test_another_companys_entry_page_is_404(web, other_company):
    services.chart_install(company=other_company, template="generic")
    theirs = services.entry_create(
        company=other_company,
        journal=_journal(other_company),
        date=date(YEAR, 1, 5),
    )
    assert web.get(f"/accounting/entries/{theirs.pk}/").status_code == 404
    assert web.post(f"/accounting/entries/{theirs.pk}/delete/").status_code == 404
    assert Entry.objects.filter(pk=theirs.pk).exists()


def _journal(company):
    from tandem.accounting.models import Journal

    return Journal.objects.get(company=company, code="GEN")
