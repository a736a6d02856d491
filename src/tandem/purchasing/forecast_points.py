"""Forecast-based reorder points beside the reorder rules.

The demand forecast lives in a higher app (analytics), which answers
`purchasing.reorder_points(company, product_ids)` through core.providers with, per product,
the reorder point and safety stock its forecast error gives over the supplier's lead time
for a target service level. Purchasing never imports it: without the provider every rule
simply has no forecast point.

For a rule we show both levels side by side: the current minimum and the suggested one, each
with the stock expected when a replenishment ordered at that level arrives (level minus the
lead-time demand) and its stockout rate per replenishment cycle (the chance that lead-time
demand, normal with the forecast's error, exceeds the level).
"""

from dataclasses import dataclass
from decimal import Decimal
from statistics import NormalDist

from tandem.core import providers

REORDER_POINTS = "purchasing.reorder_points"


@dataclass(frozen=True)
class ForecastPoint:
    reorder_point: Decimal
    safety_stock: Decimal
    lead_time_demand: Decimal
    lead_time_days: int
    service_level: Decimal

    @property
    def sigma_lead_time(self) -> float:
        """The lead-time demand's error sd, recovered from SS = z * sigma."""
        z = NormalDist().inv_cdf(float(self.service_level))
        return float(self.safety_stock) / z if z > 0 else 0.0

    def stockout_rate(self, level) -> float:
        sigma = self.sigma_lead_time
        demand = float(self.lead_time_demand)
        if sigma <= 0:
            return 0.0 if float(level) >= demand else 1.0
        return 1 - NormalDist(demand, sigma).cdf(float(level))

    def expected_stock(self, level) -> Decimal:
        return Decimal(level) - self.lead_time_demand


def forecast_points(company, product_ids) -> dict[int, ForecastPoint]:
    """{product id: ForecastPoint} from the active demand forecast; one query for the lot."""
    found = providers.ask(REORDER_POINTS, company, list(product_ids), default={})
    return {pk: ForecastPoint(**values) for pk, values in found.items()}


def with_forecast_points(company, rules: list) -> list:
    """Set `forecast` (a ForecastPoint or None) on each rule, with the stockout rates and
    expected stocks of its current and suggested minimum."""
    points = forecast_points(company, {rule.product_id for rule in rules})
    for rule in rules:
        point = points.get(rule.product_id)
        rule.forecast = point
        if point is not None:
            rule.stockout_now = point.stockout_rate(rule.min_quantity)
            rule.stockout_suggested = point.stockout_rate(point.reorder_point)
            rule.expected_stock_now = point.expected_stock(rule.min_quantity)
        # the API's `forecast` object
        rule.forecast_out = (
            None
            if point is None
            else {
                "reorder_point": point.reorder_point,
                "safety_stock": point.safety_stock,
                "lead_time_demand": point.lead_time_demand,
                "lead_time_days": point.lead_time_days,
                "service_level": point.service_level,
                "stockout_rate_at_min": round(rule.stockout_now, 4),
                "stockout_rate_at_reorder_point": round(rule.stockout_suggested, 4),
            }
        )
    return rules
