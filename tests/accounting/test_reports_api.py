# ruff: noqa: F811  (fixtures imported from the sibling test modules)
"""The financial reports through the API (JSON, CSV, XLSX, errors) and the pages (filters,
exports, drill-down links, constant query counts)."""

import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from tandem.core.services import membership_grant
from tests.accounting.conftest import YEAR, cr, dr
from tests.accounting.test_aged import docs, party  # noqa: F401  (fixture and helper)
from tests.accounting.test_reports_financial import quarter  # noqa: F401  (fixture)
from tests.factories import UserFactory

Q1 = {"date_from": f"{YEAR}-01-01", "date_to": f"{YEAR}-03-31"}


def csv_rows(response) -> list[list[str]]:
    import csv

    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def xlsx_rows(response) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


# -- API -----------------------------------------------------------------------------------


def test_profit_and_loss_json(api, quarter):
    response = api.get("/reports/profit-and-loss", Q1)

    assert response.status_code == 200
    body = response.json()
    assert body["currency"] == "CNY"
    assert body["totals"]["revenue"] == "10500.00"
    assert body["totals"]["gross_profit"] == "4500.00"
    assert body["totals"]["net_profit"] == "1850.00"
    first = body["rows"][0]
    assert (first["section"], first["account"], first["name"], first["amount"]) == (
        "revenue",
        "6001",
        "主营业务收入",
        "10000.00",
    )


def test_profit_and_loss_defaults_to_the_fiscal_year_and_compares(api, acct, post, quarter):
    post([dr(acct["1002"], "70.00"), cr(acct["6051"], "70.00")], on=date(YEAR, 4, 9))

    response = api.get(
        "/reports/profit-and-loss",
        {"date_to": f"{YEAR}-04-30", "compare_from": Q1["date_from"], "compare_to": Q1["date_to"]},
    )

    body = response.json()
    assert body["date_from"] == f"{YEAR}-01-01"
    assert body["totals"]["net_profit"] == "1920.00"
    assert body["compare_totals"]["net_profit"] == "1850.00"
    other = next(r for r in body["rows"] if r["account"] == "6051")
    assert (other["amount"], other["compare"]) == ("570.00", "500.00")


def test_balance_sheet_json_csv_xlsx(api, quarter):
    body = api.get("/reports/balance-sheet", {"as_of": Q1["date_to"]}).json()
    assert body["totals"]["assets"] == "111750.00"
    assert body["totals"]["liabilities_and_equity"] == "111750.00"
    assert body["totals"]["current_year_result"] == "1850.00"
    assert body["as_of"] == Q1["date_to"]

    rows = csv_rows(api.get("/reports/balance-sheet", {"as_of": Q1["date_to"], "format": "csv"}))
    assert rows[0] == ["Section", "Account", "Name", "Amount"]
    assert ["assets", "1002", "Bank deposits", "98450.00"] in rows
    assert ["equity", "", "Current year result", "1850.00"] in rows
    assert rows[-1] == ["", "", "Liabilities and equity", "111750.00"]

    response = api.get("/reports/balance-sheet", {"as_of": Q1["date_to"], "format": "xlsx"})
    assert response["Content-Disposition"] == 'attachment; filename="balance-sheet.xlsx"'
    table = xlsx_rows(response)
    assert ("liabilities", "222101", "  VAT payable - input VAT", -1040) in table


def test_profit_and_loss_csv_and_xlsx(api, quarter):
    rows = csv_rows(api.get("/reports/profit-and-loss", {**Q1, "format": "csv"}))
    assert rows[0] == ["Section", "Account", "Name", "Amount"]
    assert ["financial", "660303", "  Finance costs - exchange gains", "-30.00"] in rows
    assert ["gross_profit", "", "Gross profit", "4500.00"] in rows
    assert rows[-1] == ["net_profit", "", "Net profit", "1850.00"]

    table = xlsx_rows(api.get("/reports/profit-and-loss", {**Q1, "format": "xlsx"}))
    assert table[-1] == ("net_profit", None, "Net profit", 1850)


def test_aged_receivables_and_payables(api, company, docs):
    alpha = party(company, "Alpha", is_customer=True)
    docs.invoice(
        "customer_invoice", alpha, on=date(YEAR, 5, 1), due=date(YEAR, 5, 31), total="1186.50"
    )
    north = party(company, "North", is_supplier=True)
    docs.invoice("vendor_bill", north, on=date(YEAR, 1, 1), due=date(YEAR, 1, 31), total="80.00")

    body = api.get("/reports/aged-receivables", {"as_of": f"{YEAR}-06-30"}).json()
    assert body["rows"] == [
        {
            "party": alpha.pk,
            "party_name": "Alpha",
            "current": "0.00",
            "1_30": "1186.50",
            "31_60": "0.00",
            "61_90": "0.00",
            "91_120": "0.00",
            "over_120": "0.00",
            "total": "1186.50",
        }
    ]
    assert body["totals"]["1_30"] == "1186.50" and body["totals"]["total"] == "1186.50"

    payables = api.get("/reports/aged-payables", {"as_of": f"{YEAR}-06-30"}).json()
    assert [(r["party_name"], r["over_120"]) for r in payables["rows"]] == [("North", "80.00")]

    rows = csv_rows(
        api.get("/reports/aged-receivables", {"as_of": f"{YEAR}-06-30", "format": "csv"})
    )
    assert rows == [
        ["Party", "Not yet due", "1-30 days", "31-60 days", "61-90 days", "91-120 days",
         "Over 120 days", "Total"],
        ["Alpha", "0.00", "1186.50", "0.00", "0.00", "0.00", "0.00", "1186.50"],
        ["Total", "0.00", "1186.50", "0.00", "0.00", "0.00", "0.00", "1186.50"],
    ]  # fmt: skip
    table = xlsx_rows(
        api.get("/reports/aged-payables", {"as_of": f"{YEAR}-06-30", "format": "xlsx"})
    )
    assert table[1] == ("North", 0, 0, 0, 0, 0, 80, 80)


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/reports/balance-sheet", {"as_of": "2026-01-31", "date_from": "2026-01-01"}, "date_from"),
        ("/reports/aged-receivables", {"date_from": "2026-01-01"}, "date_from"),
        ("/reports/profit-and-loss", {"as_of": "2026-01-31", "date_to": "2026-01-31"}, "as_of"),
        ("/reports/profit-and-loss", {"compare_from": "2026-01-01"}, "compare_to"),
    ],
)
def test_bad_ranges_are_refused_with_a_code(api, chart, path, params, field):
    response = api.get(path, params)

    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "report.range"
    assert body["errors"][0]["field"] == field


def test_bad_dates_and_formats_are_422(api, chart):
    assert api.get("/reports/balance-sheet", {"as_of": "2026-02-30"}).status_code == 422
    assert api.get("/reports/aged-payables", {"format": "pdf"}).status_code == 422
    reversed_range = api.get(
        "/reports/profit-and-loss", {"compare_from": "2026-03-01", "compare_to": "2026-01-01"}
    )
    assert reversed_range.status_code == 422
    assert reversed_range.json()["code"] == "validation.date_range"


def test_tax_report_never_answers_500(api, chart):
    response = api.get("/reports/tax", Q1)
    assert response.status_code in (200, 409)
    if response.status_code == 409:
        assert response.json()["code"] == "report.unavailable"
    else:
        assert set(response.json()) >= {"rows", "totals"}


def test_reports_need_accounting_rights_and_stay_in_the_company(
    api_as,
    company,
    other_company,
    docs,
    chart,
):
    clerk = UserFactory(username="clerk")
    membership_grant(user=clerk, company=company, roles=["hr"])
    for path in ("/reports/profit-and-loss", "/reports/balance-sheet", "/reports/aged-receivables"):
        response = api_as(clerk, company).get(path)
        assert response.status_code == 403
        assert response.json()["code"] == "permission.denied"

    alpha = party(company, "Alpha", is_customer=True)
    docs.invoice(
        "customer_invoice", alpha, on=date(YEAR, 5, 1), due=date(YEAR, 5, 31), total="9.00"
    )
    outsider = UserFactory(username="outsider")
    membership_grant(user=outsider, company=other_company, roles=["owner"])
    theirs = api_as(outsider, other_company).get(
        "/reports/aged-receivables", {"as_of": "2026-06-30"}
    )
    assert theirs.status_code == 200 and theirs.json()["rows"] == []


# -- pages ---------------------------------------------------------------------------------


def test_profit_and_loss_page_links_accounts_to_the_ledger(web, acct, quarter):
    response = web.get("/accounting/reports/profit-and-loss/", Q1)

    assert response.status_code == 200
    html = response.content.decode()
    ledger = (
        f"/accounting/reports/general-ledger/?account={acct['6001'].pk}&amp;"
        f"date_from={YEAR}-01-01&amp;date_to={YEAR}-03-31"
    )
    assert ledger in html
    assert 'data-testid="pl-net_profit"' in html and "1,850.00" in html
    assert "format=csv" in html and "format=xlsx" in html

    export = web.get("/accounting/reports/profit-and-loss/", {**Q1, "format": "csv"})
    assert csv_rows(export)[-1] == ["net_profit", "", "Net profit", "1850.00"]


def test_balance_sheet_page(web, acct, quarter):
    response = web.get("/accounting/reports/balance-sheet/", {"as_of": Q1["date_to"]})

    html = response.content.decode()
    assert response.status_code == 200
    assert f"?account={acct['1002'].pk}&amp;date_from=&amp;date_to={YEAR}-03-31" in html
    assert "111,750.00" in html and "1,850.00" in html
    export = web.get(
        "/accounting/reports/balance-sheet/", {"as_of": Q1["date_to"], "format": "xlsx"}
    )
    assert xlsx_rows(export)[-1] == (None, None, "Liabilities and equity", 111750)


def test_aged_pages_link_each_party(web, company, docs):
    alpha = party(company, "Alpha", is_customer=True)
    docs.invoice(
        "customer_invoice", alpha, on=date(YEAR, 5, 1), due=date(YEAR, 5, 31), total="1186.50"
    )

    response = web.get("/accounting/reports/aged-receivables/", {"as_of": f"{YEAR}-06-30"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "1,186.50" in html
    assert f"party={alpha.pk}" in html or f"/parties/{alpha.pk}/" in html
    payables = web.get("/accounting/reports/aged-payables/", {"as_of": f"{YEAR}-06-30"})
    assert payables.status_code == 200 and "Alpha" not in payables.content.decode()


def test_pages_refuse_bad_filters_with_422(web, chart):
    response = web.get(
        "/accounting/reports/profit-and-loss/", {"date_from": "2026-03-01", "date_to": "2026-01-01"}
    )
    assert response.status_code == 422
    assert web.get("/accounting/reports/balance-sheet/", {"as_of": "x"}).status_code == 422
    assert web.get("/accounting/reports/tax/", Q1).status_code == 200


def test_home_lists_the_reports(web, chart):
    html = web.get("/accounting/").content.decode()
    for name in ("profit_and_loss", "balance_sheet", "aged_receivables", "aged_payables", "tax"):
        assert f"/accounting/reports/{name.replace('_', '-')}/" in html


def _queries(web, path, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert web.get(path, params).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/accounting/reports/profit-and-loss/", Q1),
        ("/accounting/reports/balance-sheet/", {"as_of": Q1["date_to"]}),
        ("/accounting/reports/aged-receivables/", {"as_of": f"{YEAR}-06-30"}),
    ],
)
def test_report_pages_cost_the_same_queries_for_more_data(
    web,
    company,
    acct,
    post,
    docs,
    path,
    params,
    django_assert_num_queries,
):
    # given a few postings and documents
    small = party(company, "Small", is_customer=True)
    docs.invoice("customer_invoice", small, on=date(YEAR, 1, 5), due=date(YEAR, 2, 4), total="5.00")
    post([dr(acct["6602"], "3.00"), cr(acct["1002"], "3.00")], on=date(YEAR, 2, 1))
    baseline = _queries(web, path, params)

    # when many more accounts, lines, parties and invoices exist
    for n in range(8):
        other = party(company, f"Customer {n}", is_customer=True)
        docs.invoice(
            "customer_invoice", other, on=date(YEAR, 3, n + 1), due=date(YEAR, 4, 1), total="7.00"
        )
        post([dr(acct["6601"], "1.00"), dr(acct["660301"], "2.00"), cr(acct["2241"], "3.00")])

    # then the page runs the same number of queries
    with django_assert_num_queries(baseline):
        assert web.get(path, params).status_code == 200
