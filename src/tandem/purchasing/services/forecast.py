"""Reorder rules set from the demand forecast: by the buyer's click, or on every new forecast
for the rules that follow it."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from tandem.core.errors import Conflict

from ..forecast_points import forecast_points
from ..models import ReorderRule
from ._common import lock_one
from .prices import _rule_check, _rule_save

DEMAND_FORECAST = "demand_forecast"


class NoForecast(Conflict):
    code = "reorder_rule.no_forecast"


def _suggested_levels(rule: ReorderRule, reorder_point: Decimal) -> tuple[Decimal, Decimal]:
    """The new minimum (the reorder point, rounded up to the product's unit) and maximum (the
    same gap above it as before: the rule's order size is the buyer's choice)."""
    places = Decimal(1).scaleb(-rule.product.uom.decimal_places)
    minimum = max(reorder_point, Decimal(0)).quantize(places, rounding=ROUND_CEILING)
    return minimum, minimum + (rule.max_quantity - rule.min_quantity)


def _apply(row: ReorderRule, reorder_point: Decimal) -> ReorderRule:
    row.min_quantity, row.max_quantity = _suggested_levels(row, reorder_point)
    _rule_check(row)
    return _rule_save(row)


@transaction.atomic
def reorder_rule_apply_forecast(*, rule: ReorderRule, user=None) -> ReorderRule:
    """Set the rule's minimum to the active demand forecast's reorder point for its product."""
    row = lock_one(ReorderRule, rule.pk, label="reorder_rule")
    point = forecast_points(row.company, [row.product_id]).get(row.product_id)
    if point is None:
        raise NoForecast(
            _("The product has no demand forecast yet: train the demand forecast in Analytics."),
            field="min_quantity",
        )
    return _apply(row, point.reorder_point)


@transaction.atomic
def reorder_rules_follow_forecast(company) -> int:
    """Apply the active forecast to every active rule that follows it; returns how many
    changed. Rules of products without a forecast keep their levels."""
    rules = list(
        ReorderRule.objects.select_for_update()
        .filter(company=company, active=True, follows_forecast=True)
        .select_related("product__uom")
        .order_by("pk")
    )
    points = forecast_points(company, {rule.product_id for rule in rules})
    changed = 0
    for rule in rules:
        point = points.get(rule.product_id)
        if point is None:
            continue
        if _suggested_levels(rule, point.reorder_point) != (rule.min_quantity, rule.max_quantity):
            _apply(rule, point.reorder_point)
            changed += 1
    return changed


def on_model_activated(*, event: str, company_id: int, models: list, **_payload) -> None:
    """Subscriber of `analytics.model_activated`: a new demand forecast moves the rules that
    follow it."""
    if DEMAND_FORECAST not in models:
        return
    from tandem.core.models import Company

    company = Company.objects.filter(pk=company_id).first()
    if company is not None:
        reorder_rules_follow_forecast(company)
