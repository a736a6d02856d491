"""Issue 19: the demand forecast's reorder point beside each reorder rule, with the stockout
rate of the current minimum and of the suggested one; applied by the buyer's click (page and
API) or, for the rules that follow the forecast, on every new forecast."""

from decimal import Decimal as D

import pytest

from tandem.core import providers
from tandem.core.events import publish
from tandem.purchasing import services
from tandem.purchasing.forecast_points import REORDER_POINTS, ForecastPoint

# lead-time demand 100, 95 % service level, safety stock 16.449 (z = 1.6449, sigma = 10)
POINT = {
    "reorder_point": D("116.449"),
    "safety_stock": D("16.449"),
    "lead_time_demand": D("100"),
    "lead_time_days": 14,
    "service_level": D("0.95"),
}


def test_the_stockout_rate_of_a_level_is_the_normal_tail_of_lead_time_demand():
    point = ForecastPoint(**POINT)
    assert point.sigma_lead_time == pytest.approx(10.0, abs=1e-3)
    assert point.stockout_rate(D("100")) == pytest.approx(0.5)
    assert point.stockout_rate(point.reorder_point) == pytest.approx(0.05, abs=1e-4)
    assert point.stockout_rate(D("80")) == pytest.approx(0.97725, abs=1e-4)  # z = -2
    assert point.expected_stock(D("80")) == D("-20")


@pytest.fixture
def forecast(monkeypatch, widget):
    """A demand forecast for the widget only, as analytics would answer it."""

    def answer(company, product_ids):
        return {pk: dict(POINT) for pk in product_ids if pk == widget.pk}

    monkeypatch.setitem(providers._providers, REORDER_POINTS, answer)


@pytest.fixture
def rules(company, warehouse, widget, gadget):
    def rule(product, low, high, **extra):
        return services.reorder_rule_create(
            company=company,
            product=product,
            warehouse=warehouse,
            min_quantity=low,
            max_quantity=high,
            **extra,
        )

    return rule(widget, "80", "200"), rule(gadget, "2", "6", follows_forecast=True)


def test_the_list_page_shows_both_levels_and_the_button_applies_the_point(web, rules, forecast):
    widget_rule, gadget_rule = rules
    page = web.get("/purchasing/reorder-rules/").content.decode()
    link = f"/purchasing/reorder-rules/{widget_rule.pk}/"
    row = next(row for row in page.split("<tr>") if link in row).partition("</tr>")[0]
    assert "116.449" in row and "16.449" in row
    # stockout risk now (min 80: z = -2) -> at the forecast's point (5 %)
    assert "97.7% → 5%" in row
    assert 'data-testid="apply-forecast"' in row
    assert page.count('data-testid="forecast-point"') == 1  # the gadget has no forecast

    answer = web.post(f"/purchasing/reorder-rules/{widget_rule.pk}/apply-forecast/", follow=True)
    widget_rule.refresh_from_db()
    # rounded up to the unit's places; the gap to the maximum (120) kept
    assert (widget_rule.min_quantity, widget_rule.max_quantity) == (D("117"), D("237"))
    assert "the minimum is now the forecast" in answer.content.decode()

    refused = web.post(f"/purchasing/reorder-rules/{gadget_rule.pk}/apply-forecast/", follow=True)
    assert "no demand forecast yet" in refused.content.decode()
    gadget_rule.refresh_from_db()
    assert (gadget_rule.min_quantity, gadget_rule.max_quantity) == (D("2"), D("6"))


def test_the_api_shows_and_applies_the_forecast(api, rules, forecast):
    widget_rule, gadget_rule = rules
    listed = {row["id"]: row for row in api.get("/reorder-rules").json()["items"]}
    shown = listed[widget_rule.pk]["forecast"]
    assert D(shown["reorder_point"]) == D("116.449")
    assert shown["lead_time_days"] == 14
    assert shown["stockout_rate_at_min"] == pytest.approx(0.9772, abs=1e-4)
    assert shown["stockout_rate_at_reorder_point"] == pytest.approx(0.05, abs=1e-4)
    assert listed[gadget_rule.pk]["forecast"] is None
    assert listed[gadget_rule.pk]["follows_forecast"] is True

    applied = api.post(f"/reorder-rules/{widget_rule.pk}/apply-forecast")
    assert applied.status_code == 200, applied.content
    assert (D(applied.json()["min_quantity"]), D(applied.json()["max_quantity"])) == (
        D("117"),
        D("237"),
    )
    assert applied.json()["forecast"]["stockout_rate_at_min"] < 0.05

    refused = api.post(f"/reorder-rules/{gadget_rule.pk}/apply-forecast")
    assert (refused.status_code, refused.json()["code"]) == (409, "reorder_rule.no_forecast")

    patched = api.patch(f"/reorder-rules/{widget_rule.pk}", {"follows_forecast": True})
    assert patched.json()["follows_forecast"] is True


def test_a_new_demand_forecast_moves_only_the_rules_that_follow_it(
    company, warehouse, widget, gadget, forecast, django_capture_on_commit_callbacks
):
    follower = services.reorder_rule_create(
        company=company,
        product=widget,
        warehouse=warehouse,
        min_quantity="10",
        max_quantity="30",
        follows_forecast=True,
    )
    other = services.reorder_rule_create(
        company=company, product=gadget, warehouse=warehouse, min_quantity="2", max_quantity="6"
    )
    with django_capture_on_commit_callbacks(execute=True):
        publish("analytics.model_activated", company_id=company.pk, models=["lead_score"])
    follower.refresh_from_db()
    assert follower.min_quantity == D("10")  # another model: nothing moves

    with django_capture_on_commit_callbacks(execute=True):
        publish("analytics.model_activated", company_id=company.pk, models=["demand_forecast"])
    follower.refresh_from_db()
    other.refresh_from_db()
    assert (follower.min_quantity, follower.max_quantity) == (D("117"), D("137"))
    assert (other.min_quantity, other.max_quantity) == (D("2"), D("6"))
