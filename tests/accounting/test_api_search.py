"""`search` on /journals, /fiscal-years and /periods (audit finding 7: it was ignored and
every row came back)."""

from datetime import date

import pytest

from tandem.accounting import services

pytestmark = pytest.mark.django_db


def test_journals_match_code_or_name_in_any_case(api, chart):
    by_code = api.listed("/journals", search="bnk")
    by_name = api.listed("/journals", search="银行")
    none = api.listed("/journals", search="zzzqqqnotthere")
    wildcard = api.listed("/journals", search="%")

    assert [j["code"] for j in by_code["items"]] == ["BNK"]
    assert [j["code"] for j in by_name["items"]] == ["BNK"]
    assert none == {"items": [], "count": 0}
    assert wildcard["count"] == 0  # a LIKE wildcard is a literal character here


def test_fiscal_years_match_their_name(api, chart):
    services.fiscal_year_create(company=chart, date_start=date(2027, 1, 1))

    found = api.listed("/fiscal-years", search="2027")
    none = api.listed("/fiscal-years", search="zzzqqqnotthere")

    assert [y["name"] for y in found["items"]] == ["2027"]
    assert none["count"] == 0


def test_periods_match_their_month_or_their_fiscal_year(api, chart):
    services.fiscal_year_create(company=chart, date_start=date(2027, 1, 1))

    month = api.listed("/periods", search="2026-03")
    march = api.listed("/periods", search="-03")
    year = api.listed("/periods", search="2027", limit=50)
    none = api.listed("/periods", search="zzzqqqnotthere")

    assert [p["date_start"] for p in month["items"]] == ["2026-03-01"]
    assert [p["date_start"] for p in march["items"]] == ["2026-03-01", "2027-03-01"]
    assert year["count"] == 12
    assert {p["date_start"][:4] for p in year["items"]} == {"2027"}
    assert none["count"] == 0
