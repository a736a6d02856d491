"""Company settings through the API: the time zone is checked, the currency is not silently
ignored, and a zone stored before zones were checked does not break other endpoints."""

from datetime import date

import pytest

from tandem.accounting import services as accounting
from tandem.accounting.models import Account, Journal
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company
from tandem.core.services import company_create, company_zone
from tandem.parties.models import Party


def _problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    return body


def _snapshot(company):
    return Company.objects.filter(pk=company.pk).values(
        "name", "currency_id", "time_zone", "fiscal_year_start_month", "updated_at"
    )[0]


# -- time zone ---------------------------------------------------------------------------------


def test_create_with_an_unknown_time_zone_is_422_and_creates_nothing(api):
    before = Company.objects.count()

    response = api.post(
        "/companies", {"code": "AUD2", "name": "Audit", "time_zone": "Mars/Olympus"}
    )

    body = _problem(response, 422, "validation.choice")
    assert body["errors"] == [{"field": "time_zone", "message": body["detail"]}]
    assert Company.objects.count() == before
    assert not Company.objects.filter(code="AUD2").exists()


def test_create_with_a_known_time_zone_keeps_it(api):
    response = api.post(
        "/companies", {"code": "NYC", "name": "New York", "time_zone": "America/New_York"}
    )

    assert response.status_code == 201, response.content
    assert Company.objects.get(code="NYC").time_zone == "America/New_York"


def test_the_service_refuses_an_unknown_zone_for_every_caller(db):
    with pytest.raises(ValidationFailed) as refused:
        company_create(code="UI", name="From a form", time_zone="asia/shanghai")

    assert (refused.value.code, refused.value.field) == ("validation.choice", "time_zone")
    assert not Company.objects.filter(code="UI").exists()


@pytest.mark.parametrize("zone", ["Nowhere/Land", "", "UTC ", "../etc/passwd", "Asia/Shanghai\x00"])
def test_patch_with_an_unknown_time_zone_is_422_and_changes_nothing(api, company, zone):
    before = _snapshot(company)

    response = api.patch(f"/companies/{company.pk}", {"time_zone": zone, "name": "Renamed"})

    body = _problem(response, 422, "validation.invalid" if "\x00" in zone else "validation.choice")
    assert [e["field"] for e in body["errors"]] == ["time_zone"]
    assert _snapshot(company) == before


def test_patch_with_a_known_time_zone_changes_it(api, company):
    response = api.patch(f"/companies/{company.pk}", {"time_zone": "Europe/Berlin"})

    assert response.status_code == 200, response.content
    assert response.json()["time_zone"] == "Europe/Berlin"
    assert Company.objects.get(pk=company.pk).time_zone == "Europe/Berlin"


def test_a_bad_zone_already_stored_acts_as_utc(api, company):
    Company.objects.filter(pk=company.pk).update(time_zone="Nowhere/Land")
    party = Party.objects.create(
        company=company, name="Customer", is_customer=True, currency_id="CNY"
    )

    responses = {
        "fulfilment": api.get("/reports/order-fulfilment"),
        "performance": api.get("/reports/sales-performance"),
        "overview": api.get(f"/parties/{party.pk}/overview"),
        "activity": api.post(
            "/activities",
            {"kind": "call", "summary": "s", "due_at": "2026-12-01T10:00:00", "party": party.pk},
        ),
    }

    assert {k: r.status_code for k, r in responses.items()} == {
        "fulfilment": 200,
        "performance": 200,
        "overview": 200,
        "activity": 201,
    }
    assert responses["activity"].json()["due_at"].startswith("2026-12-01T10:00:00")
    # the stored value is shown as it is, so the owner can see what to fix
    assert api.get(f"/companies/{company.pk}").json()["time_zone"] == "Nowhere/Land"
    assert company_zone(Company.objects.get(pk=company.pk)).key == "UTC"


# -- currency ----------------------------------------------------------------------------------


@pytest.fixture
def posted_entry(company, owner):
    accounting.fiscal_year_create(company=company, date_start=date(2026, 1, 1))
    accounting.chart_install(company=company, template="prc")
    accounts = {a.code: a for a in Account.objects.filter(company=company)}
    entry = accounting.entry_create(
        company=company,
        journal=Journal.objects.get(company=company, code="GEN"),
        date=date(2026, 3, 15),
        lines=[
            {"account": accounts["1002"], "debit": "100.00"},
            {"account": accounts["4001"], "credit": "100.00"},
        ],
        user=owner,
    )
    return accounting.entry_post(entry=entry, user=owner)


def test_currency_change_after_ledger_entries_is_409_and_changes_nothing(
    api, company, posted_entry
):
    before = _snapshot(company)

    response = api.patch(f"/companies/{company.pk}", {"currency": "USD", "name": "Renamed"})

    body = _problem(response, 409, "company.currency_locked")
    assert [e["field"] for e in body["errors"]] == ["currency"]
    assert _snapshot(company) == before


def test_currency_change_before_anything_is_recorded_is_applied(api, company):
    response = api.patch(f"/companies/{company.pk}", {"currency": "usd"})

    assert response.status_code == 200, response.content
    assert response.json()["currency"] == "USD"
    assert Company.objects.get(pk=company.pk).currency_id == "USD"


def test_the_same_currency_is_not_a_change(api, company, posted_entry):
    response = api.patch(f"/companies/{company.pk}", {"currency": "CNY", "name": "Renamed"})

    assert response.status_code == 200, response.content
    assert Company.objects.get(pk=company.pk).name == "Renamed"


def test_an_unknown_currency_is_422_and_changes_nothing(api, company):
    before = _snapshot(company)

    body = _problem(
        api.patch(f"/companies/{company.pk}", {"currency": "QQQ"}), 422, "currency.unknown"
    )

    assert [e["field"] for e in body["errors"]] == ["currency"]
    assert _snapshot(company) == before
