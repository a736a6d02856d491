"""Reorder point and safety stock from the forecast error over the supplier's lead time.

With one-period forecast errors of standard deviation sigma (independent between periods),
demand over a lead time of L periods is forecast with error sd sigma * sqrt(L). For a cycle
service level p (the probability of no stockout in a replenishment cycle), safety stock
SS = z_p * sigma * sqrt(L) and reorder point ROP = forecast demand over L + SS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from . import MethodError


@dataclass(frozen=True)
class ReorderPoint:
    lead_time_demand: float
    safety_stock: float
    reorder_point: float
    sigma_lead_time: float
    z: float
    service_level: float


def check_service_level(level: float) -> float:
    level = float(level)
    if not (0.5 < level < 0.999):
        raise MethodError(
            "The service level must be above 50 % and below 99.9 %.",
            code="analytics.bad_service_level",
        )
    return level


def error_sd(actual, forecast) -> float:
    """Root mean square of the one-period forecast errors."""
    errors = [a - f for a, f in zip(actual, forecast, strict=True)]
    if not errors:
        raise MethodError("No forecast errors to measure.", code="analytics.no_history")
    return math.sqrt(sum(e * e for e in errors) / len(errors))


def reorder_point(
    *,
    forecast_per_period: list[float] | float,
    sigma: float,
    lead_time_periods: float,
    service_level: float,
) -> ReorderPoint:
    """Reorder point for a lead time (in periods, may be fractional) and service level."""
    level = check_service_level(service_level)
    if lead_time_periods <= 0:
        raise MethodError("The lead time must be positive.", code="analytics.bad_lead_time")
    if isinstance(forecast_per_period, int | float):
        demand = float(forecast_per_period) * lead_time_periods
    else:
        whole = int(lead_time_periods)
        rates = list(forecast_per_period)
        demand = sum(rates[:whole]) + (lead_time_periods - whole) * (
            rates[whole] if whole < len(rates) else (rates[-1] if rates else 0.0)
        )
    z = NormalDist().inv_cdf(level)
    sigma_l = sigma * math.sqrt(lead_time_periods)
    safety = z * sigma_l
    return ReorderPoint(demand, safety, demand + safety, sigma_l, z, level)


def stockout_rate(
    *, reorder_level: float, lead_time_demand: float, sigma_lead_time: float
) -> float:
    """Probability that lead-time demand exceeds `reorder_level` (normal approximation)."""
    if sigma_lead_time <= 0:
        return 0.0 if reorder_level >= lead_time_demand else 1.0
    return 1 - NormalDist(lead_time_demand, sigma_lead_time).cdf(reorder_level)
