import csv
import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from tandem.accounting import services
from tandem.accounting.models import Account, Entry, EntryLine, Journal, Period
from tandem.core.services import membership_grant
from tests.accounting.conftest import YEAR, cr, dr
from tests.factories import UserFactory


def line(account, debit="0", credit="0", **extra):
    return {"account": account.pk, "debit": debit, "credit": credit, **extra}


def problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    return body


def test_install_chart_through_the_api(api, company):
    response = api.post("/accounts/install-chart", {"template": "prc"})

    assert response.status_code == 201
    body = response.json()
    assert body["template"] == "prc" and body["journals"] == 6 and body["accounts"] > 40
    receivable = api.get("/accounts", {"role": "receivable"}).json()
    assert receivable["count"] == 1
    assert receivable["items"][0]["code"] == "1122"
    assert receivable["items"][0]["name"] == "应收账款"
    problem(api.post("/accounts/install-chart", {"template": "generic"}), 409, "chart.installed")
    problem(api.post("/accounts/install-chart", {"template": "x"}), 422, "validation.invalid")


def test_accounts_crud(api, chart, acct):
    created = api.post(
        "/accounts",
        {"code": "660202", "name": "管理费用-办公费", "name_en": "Office", "type": "expense",
         "parent": acct["6602"].pk},
    )  # fmt: skip
    assert created.status_code == 201
    account = created.json()
    assert (account["code"], account["parent"], account["role"]) == (
        "660202",
        acct["6602"].pk,
        None,
    )

    assert api.get(f"/accounts/{account['id']}").json()["name_en"] == "Office"
    patched = api.patch(f"/accounts/{account['id']}", {"name_en": "Office supplies"})
    assert patched.json()["name_en"] == "Office supplies"
    found = api.get("/accounts", {"search": "6602", "type": "expense"}).json()
    assert [a["code"] for a in found["items"]] == ["6602", "660201", "660202"]

    problem(api.post("/accounts", {"code": "660202", "name": "x", "type": "expense"}), 409,
            "account.duplicate")  # fmt: skip
    problem(api.post("/accounts", {"code": "9", "name": "x", "type": "expense", "parent": 999999}),
            422, "reference.invalid")  # fmt: skip
    problem(api.post("/accounts", {"code": "9", "name": "x", "type": "nope"}), 422,
            "validation.invalid")  # fmt: skip
    assert api.delete(f"/accounts/{account['id']}").status_code == 204
    assert not Account.objects.filter(pk=account["id"]).exists()


def test_an_account_with_lines_is_not_deleted(api, acct, post):
    post([dr(acct["6602"], "1.00"), cr(acct["1001"], "1.00")])

    problem(api.delete(f"/accounts/{acct['6602'].pk}"), 409, "account.in_use")
    problem(api.delete(f"/accounts/{acct['2221'].pk}"), 409, "account.in_use")  # sub-accounts
    problem(api.patch(f"/accounts/{acct['6602'].pk}", {"type": "asset"}), 409, "account.in_use")
    assert Account.objects.filter(pk=acct["6602"].pk, type="expense").exists()


def test_journals_crud(api, chart, acct):
    created = api.post(
        "/journals",
        {"code": "bnk2", "name": "USD bank", "kind": "bank", "default_account": acct["1002"].pk},
    )
    assert created.status_code == 201
    journal = created.json()
    assert journal["code"] == "BNK2"
    assert api.get("/journals", {"kind": "bank"}).json()["count"] == 2
    assert api.patch(f"/journals/{journal['id']}", {"name": "USD"}).json()["name"] == "USD"
    problem(api.post("/journals", {"code": "SAL", "name": "x", "kind": "sales"}), 409,
            "journal.duplicate")  # fmt: skip
    assert api.delete(f"/journals/{journal['id']}").status_code == 204


def test_a_journal_with_entries_keeps_its_code(api, journals, acct, post):
    post([dr(acct["6602"], "1.00"), cr(acct["1001"], "1.00")], journal="GEN")
    gen = journals["GEN"]
    problem(api.patch(f"/journals/{gen.pk}", {"code": "GL"}), 409, "journal.in_use")
    problem(api.delete(f"/journals/{gen.pk}"), 409, "journal.in_use")
    assert Journal.objects.get(pk=gen.pk).code == "GEN"


def test_fiscal_years_and_periods(api, chart, fiscal_year):
    years = api.get("/fiscal-years").json()
    assert years["count"] >= 1
    created = api.post("/fiscal-years", {"date_start": f"{YEAR + 3}-01-01"})
    assert created.status_code == 201
    assert len(created.json()["periods"]) == 12
    problem(api.post("/fiscal-years", {"date_start": f"{YEAR + 3}-06-01"}), 409,
            "fiscal_year.overlap")  # fmt: skip

    periods = api.get("/periods", {"fiscal_year": fiscal_year.pk}).json()
    assert periods["count"] == 12
    march = next(p for p in periods["items"] if p["number"] == 3)
    closed = api.post(f"/periods/{march['id']}/close")
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    problem(api.post(f"/periods/{march['id']}/close"), 409, "period.closed")
    assert api.get("/periods", {"state": "closed"}).json()["count"] == 1
    reopened = api.post(f"/periods/{march['id']}/reopen")
    assert reopened.json()["state"] == "open" and reopened.json()["closed_at"] is None
    problem(api.post(f"/periods/{march['id']}/reopen"), 409, "period.open")
    on_day = api.get("/periods", {"date": f"{YEAR}-03-15"}).json()
    assert [p["id"] for p in on_day["items"]] == [march["id"]]


def test_entry_lifecycle_through_the_api(api, company, acct, journals, customer):
    # create a draft
    created = api.post(
        "/entries",
        {
            "journal": journals["SAL"].pk,
            "date": f"{YEAR}-03-15",
            "reference": "INV-7",
            "lines": [
                line(acct["1122"], debit="1186.50", party=customer.pk),
                line(acct["6001"], credit="1050.00"),
                line(acct["222102"], credit="136.50"),
            ],
        },
    )
    assert created.status_code == 201, created.content
    entry = created.json()
    assert (entry["state"], entry["number"], entry["currency"]) == ("draft", None, "CNY")
    assert entry["total_debit"] == "1186.50"
    assert [(x["account_code"], x["debit"], x["credit"]) for x in entry["lines"]] == [
        ("1122", "1186.50", "0.00"),
        ("6001", "0.00", "1050.00"),
        ("222102", "0.00", "136.50"),
    ]
    assert entry["lines"][0]["party"] == customer.pk

    # patch it: replace the lines
    patched = api.patch(
        f"/entries/{entry['id']}",
        {"narration": "March sale", "lines": [
            line(acct["1122"], debit="113.00"), line(acct["6001"], credit="100.00"),
            line(acct["222102"], credit="13.00")]},
    )  # fmt: skip
    assert patched.status_code == 200
    assert patched.json()["narration"] == "March sale"
    assert patched.json()["total_debit"] == "113.00"

    # post it
    posted = api.post(f"/entries/{entry['id']}/post")
    assert posted.status_code == 200
    body = posted.json()
    assert (body["state"], body["number"]) == ("posted", f"SAL/{YEAR}/00001")
    assert body["period"] == Period.objects.get(company=company, date_start=date(YEAR, 3, 1)).pk

    # reverse it
    reversed_ = api.post(f"/entries/{entry['id']}/reverse", {"date": f"{YEAR}-03-20"})
    assert reversed_.status_code == 201
    reversal = reversed_.json()
    assert (reversal["number"], reversal["date"], reversal["reversal_of"]) == (
        f"SAL/{YEAR}/00002",
        f"{YEAR}-03-20",
        entry["id"],
    )
    assert api.get(f"/entries/{entry['id']}").json()["reversed_by"] == reversal["id"]
    problem(api.post(f"/entries/{entry['id']}/reverse"), 409, "entry.already_reversed")

    # the trial balance nets to zero
    tb = api.get(
        "/reports/trial-balance", {"date_from": f"{YEAR}-01-01", "date_to": f"{YEAR}-12-31"}
    )
    assert tb.status_code == 200
    data = tb.json()
    assert data["totals"]["debit"] == data["totals"]["credit"] == "226.00"
    assert {r["account"]: r["balance"] for r in data["rows"]} == {
        "1122": "0.00",
        "222102": "0.00",
        "6001": "0.00",
    }


def test_bad_entries_answer_problems_and_write_nothing(api, acct, journals, other_company):
    base = {"journal": journals["GEN"].pk, "date": f"{YEAR}-03-01"}
    cases = [
        ({**base, "lines": [line(acct["6602"], debit="1.001")]}, 422, "validation.invalid"),
        ({**base, "lines": [line(acct["6602"], debit="-1")]}, 422, "validation.invalid"),
        ({**base, "lines": [{"account": 999999, "debit": "1"}]}, 422, "reference.invalid"),
        ({**base, "lines": [line(acct["6602"], debit="1", party=999999)]}, 422,
         "reference.invalid"),
        ({**base, "lines": [line(acct["6602"], debit="1", credit="1")]}, 422,
         "entry.line_both_sides"),
        ({**base, "journal": 999999}, 422, "reference.invalid"),
        ({**base, "date": "2026-02-30"}, 422, "validation.invalid"),
        ({**base, "lines": [line(acct["6602"], debit="1", currency="USD")]}, 422,
         "ledger.amount_currency_missing"),
    ]  # fmt: skip
    for payload, status, code in cases:
        body = problem(api.post("/entries", payload), status, code)
        assert body["errors"], payload
    assert not Entry.objects.exists() and not EntryLine.objects.exists()

    unbalanced = api.post(
        "/entries",
        {**base, "lines": [line(acct["6602"], debit="10"), line(acct["1001"], credit="9")]},
    ).json()
    body = problem(api.post(f"/entries/{unbalanced['id']}/post"), 422, "ledger.unbalanced")
    assert (body["debit"], body["credit"]) == ("10.00", "9.00")
    assert Entry.objects.get(pk=unbalanced["id"]).state == "draft"


def test_posting_into_a_closed_period_is_409(api, acct, journals, fiscal_year):
    draft = api.post(
        "/entries",
        {"journal": journals["GEN"].pk, "date": f"{YEAR}-04-01",
         "lines": [line(acct["6602"], debit="5"), line(acct["1001"], credit="5")]},
    ).json()  # fmt: skip
    april = fiscal_year.periods.get(number=4)
    problem(api.post(f"/periods/{april.pk}/close"), 409, "period.has_drafts")
    Period.objects.filter(pk=april.pk).update(state="closed", closed_at="2026-05-01T00:00Z")

    problem(api.post(f"/entries/{draft['id']}/post"), 409, "period.closed")
    assert Entry.objects.get(pk=draft["id"]).state == "draft"


def test_another_companys_entry_does_not_exist(api, api_as, other_company, acct, post):
    entry = post([dr(acct["6602"], "1.00"), cr(acct["1001"], "1.00")])
    stranger = UserFactory(username="stranger")
    membership_grant(user=stranger, company=other_company, roles=["owner"])
    theirs = api_as(stranger, other_company)

    for response in (
        theirs.get(f"/entries/{entry.pk}"),
        theirs.patch(f"/entries/{entry.pk}", {"reference": "x"}),
        theirs.delete(f"/entries/{entry.pk}"),
        theirs.post(f"/entries/{entry.pk}/post"),
        theirs.post(f"/entries/{entry.pk}/reverse"),
    ):
        problem(response, 404, "entry.not_found")
    assert theirs.get("/entries").json() == {"items": [], "count": 0}
    assert theirs.get("/accounts").json()["count"] == 0
    problem(theirs.get(f"/accounts/{acct['6602'].pk}"), 404, "account.not_found")


def test_roles_guard_the_ledger(api_as, company, acct, journals, fiscal_year, post):
    entry = post([dr(acct["6602"], "1.00"), cr(acct["1001"], "1.00")])
    clerk = UserFactory(username="clerk")
    membership_grant(user=clerk, company=company, roles=["sales"])
    sales = api_as(clerk, company)
    assert sales.get("/entries").json()["count"] == 1  # every role may look
    problem(sales.post(f"/entries/{entry.pk}/reverse"), 403, "permission.denied")
    problem(sales.post(f"/periods/{fiscal_year.periods.first().pk}/close"), 403,
            "permission.denied")  # fmt: skip

    accountant = UserFactory(username="accountant")
    membership_grant(user=accountant, company=company, roles=["accountant"])
    books = api_as(accountant, company)
    assert books.post(f"/periods/{fiscal_year.periods.first().pk}/close").status_code == 200


def test_entry_list_filters(api, company, acct, journals, customer, post):
    post([dr(acct["1122"], "10.00", party=customer), cr(acct["6001"], "10.00")], journal="SAL",
         on=date(YEAR, 1, 10), reference="A-1")  # fmt: skip
    post([dr(acct["6602"], "20.00"), cr(acct["1001"], "20.00")], on=date(YEAR, 2, 10))
    services.entry_create(
        company=company, journal=journals["GEN"], date=date(YEAR, 3, 10),
        lines=[dr(acct["6602"], "30.00")],
    )  # fmt: skip

    def numbers(**params):
        return [e["number"] for e in api.get("/entries", params).json()["items"]]

    assert numbers() == [None, f"GEN/{YEAR}/00001", f"SAL/{YEAR}/00001"]
    assert numbers(state="posted") == [f"GEN/{YEAR}/00001", f"SAL/{YEAR}/00001"]
    assert numbers(journal=journals["SAL"].pk) == [f"SAL/{YEAR}/00001"]
    assert numbers(account=acct["6602"].pk) == [None, f"GEN/{YEAR}/00001"]
    assert numbers(party=customer.pk) == [f"SAL/{YEAR}/00001"]
    assert numbers(date_from=f"{YEAR}-02-01", date_to=f"{YEAR}-02-28") == [f"GEN/{YEAR}/00001"]
    assert numbers(search="A-1") == [f"SAL/{YEAR}/00001"]
    problem(api.get("/entries", {"state": "gone"}), 422, "validation.invalid")


def test_list_query_counts_do_not_grow(api, company, acct, post, django_assert_num_queries):
    post([dr(acct["6602"], "1.00"), cr(acct["1001"], "1.00")])
    paths = ["/entries", "/accounts", "/journals", "/periods", "/fiscal-years"]
    api.get("/journals")  # the token's first use records last_used_at
    counts = {}
    for path in paths:
        with CaptureQueriesContext(connection) as few:
            assert api.get(path).status_code == 200
        counts[path] = len(few.captured_queries)
    for _ in range(12):
        post([dr(acct["6602"], "1.00"), dr(acct["6601"], "2.00"), cr(acct["1001"], "3.00")])
    services.fiscal_year_create(company=company)
    for path in paths:
        with django_assert_num_queries(counts[path]):
            assert api.get(path).status_code == 200
    entry = Entry.objects.filter(state="posted").first()
    with django_assert_num_queries(5):  # token, company, permissions, entry, lines
        assert api.get(f"/entries/{entry.pk}").status_code == 200


def test_trial_balance_exports(api, acct, post):
    post([dr(acct["1122"], "1186.50"), cr(acct["6001"], "1050.00"), cr(acct["222102"], "136.50")])

    as_csv = api.get("/reports/trial-balance", {"as_of": f"{YEAR}-12-31", "format": "csv"})
    assert as_csv["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(as_csv.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:2] == ["Account", "Name"]
    assert rows[1] == ["1122", "Accounts receivable", "0.00", "0.00", "1186.50", "0.00",
                       "1186.50", "0.00", "1186.50"]  # fmt: skip
    assert rows[-1][0] == "Total" and rows[-1][4:6] == ["1186.50", "1186.50"]

    as_xlsx = api.get("/reports/trial-balance", {"as_of": f"{YEAR}-12-31", "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[1][0] == "1122" and float(values[1][4]) == 1186.5

    problem(api.get("/reports/trial-balance", {"as_of": "2026-01-01", "date_to": "2026-02-01"}),
            422, "report.range")  # fmt: skip
    problem(api.get("/reports/trial-balance", {"date_from": "2026-03-01", "date_to": "2026-02-01"}),
            422, "validation.date_range")  # fmt: skip
    problem(api.get("/reports/trial-balance", {"format": "pdf"}), 422, "validation.invalid")


def test_general_ledger_api(api, acct, post, customer):
    post([dr(acct["1122"], "100.00", party=customer), cr(acct["6001"], "100.00")],
         on=date(YEAR, 1, 5))  # fmt: skip
    post([dr(acct["1002"], "40.00"), cr(acct["1122"], "40.00", party=customer)],
         on=date(YEAR, 2, 5))  # fmt: skip

    response = api.get(
        "/reports/general-ledger",
        {"account": "1122", "date_from": f"{YEAR}-02-01", "date_to": f"{YEAR}-12-31"},
    )
    data = response.json()
    assert data["accounts"][0]["opening_balance"] == "100.00"
    assert [(r["number"], r["credit"], r["balance"]) for r in data["rows"]] == [
        (f"GEN/{YEAR}/00002", "40.00", "60.00")
    ]
    assert data["totals"] == {"opening_balance": "100.00", "debit": "0.00", "credit": "40.00",
                              "balance": "60.00"}  # fmt: skip

    both = api.get(
        "/reports/general-ledger", {"account": ["1122", "6001"], "as_of": f"{YEAR}-12-31"}
    )
    assert [r["account"] for r in both.json()["rows"]] == ["1122", "1122", "6001"]
    problem(api.get("/reports/general-ledger", {"account": "9999"}), 422, "reference.invalid")

    as_csv = api.get("/reports/general-ledger", {"account": "1122", "format": "csv",
                                                 "date_from": f"{YEAR}-02-01"})  # fmt: skip
    rows = list(csv.reader(io.StringIO(b"".join(as_csv.streaming_content).decode("utf-8-sig"))))
    assert rows[1][5] == "Opening balance" and rows[1][10] == "100.00"
    assert rows[2][3] == f"GEN/{YEAR}/00002" and rows[2][10] == "60.00"


@pytest.mark.parametrize("path", ["/entries/{id}/post", "/entries/{id}/reverse"])
def test_retried_actions_with_an_idempotency_key_apply_once(api, acct, journals, path):
    draft = services.entry_create(
        company=journals["GEN"].company, journal=journals["GEN"], date=date(YEAR, 3, 3),
        lines=[dr(acct["6602"], "7.00"), cr(acct["1001"], "7.00")],
    )  # fmt: skip
    if "reverse" in path:
        services.entry_post(entry=draft)
    url = path.format(id=draft.pk)
    first = api.post(url, headers={"Idempotency-Key": "k-1"})
    again = api.post(url, headers={"Idempotency-Key": "k-1"})
    assert first.status_code in (200, 201)
    assert again.status_code == first.status_code and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Entry.objects.filter(state="posted").count() == 1 + ("reverse" in path)


def test_year_end_close_through_the_api(api, acct, post, fiscal_year):
    post([dr(acct["1002"], "300.00"), cr(acct["6001"], "300.00")], on=date(YEAR, 5, 5))

    closed = api.post(f"/fiscal-years/{fiscal_year.pk}/close")

    assert closed.status_code == 200, closed.content
    assert closed.json()["state"] == "closed"
    assert {p["state"] for p in closed.json()["periods"]} == {"closed"}
    closing = Entry.objects.get(closing=True)
    assert closing.number == f"GEN/{YEAR}/00002"
    problem(api.post(f"/fiscal-years/{fiscal_year.pk}/close"), 409, "fiscal_year.closed")
    problem(api.post("/fiscal-years", {"date_start": "9999-01-01"}), 422, "validation.date_range")
    problem(api.get("/entries", {"offset": str(10**15)}), 422, "validation.invalid")
