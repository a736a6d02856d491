"""Issue 19: a trained demand forecast reaches purchasing's reorder rules through the
`purchasing.reorder_points` provider and the `analytics.model_activated` event (purchasing
never imports analytics)."""

from decimal import ROUND_CEILING, Decimal

from tandem.analytics.models import ReorderSuggestion
from tandem.analytics.services import analytics_train
from tandem.inventory.services import warehouse_create
from tandem.purchasing.services import reorder_rule_create

from .conftest import AS_OF


def test_training_the_demand_forecast_moves_the_rules_that_follow_it(
    company, history, api, django_capture_on_commit_callbacks
):
    warehouse = warehouse_create(company=company, code="WH", name="Main")
    first, second = history["products"][:2]
    follower = reorder_rule_create(
        company=company,
        product=first,
        warehouse=warehouse,
        min_quantity="0",
        max_quantity="50",
        follows_forecast=True,
    )
    manual = reorder_rule_create(
        company=company, product=second, warehouse=warehouse, min_quantity="3", max_quantity="9"
    )
    with django_capture_on_commit_callbacks(execute=True):
        analytics_train(company=company, as_of=AS_OF, only=["demand_forecast"])

    point = ReorderSuggestion.objects.get(
        company=company, product=first, run__state="active"
    ).reorder_point
    places = Decimal(1).scaleb(-first.uom.decimal_places)
    expected = point.quantize(places, rounding=ROUND_CEILING)
    follower.refresh_from_db()
    manual.refresh_from_db()
    assert expected > 0
    assert (follower.min_quantity, follower.max_quantity) == (expected, expected + 50)
    assert (manual.min_quantity, manual.max_quantity) == (Decimal(3), Decimal(9))

    # the manual rule shows the point beside its own minimum
    shown = api.get(f"/reorder-rules/{manual.pk}").json()["forecast"]
    other = ReorderSuggestion.objects.get(company=company, product=second, run__state="active")
    assert Decimal(shown["reorder_point"]) == other.reorder_point
