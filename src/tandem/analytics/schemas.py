"""Analytics API schemas (see API.md "Decisions")."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Schema
from pydantic import Field


class TrainIn(Schema):
    # empty: every step; else some of services.training.STEP_NAMES
    steps: list[str] = Field(default_factory=list, max_length=10)


class ModelOut(Schema):
    id: int
    name: str
    task: str
    metric: str
    higher_is_better: bool
    score: float | None
    baseline: str
    baseline_score: float | None
    verdict: str
    uses_baseline: bool
    state: str
    trained_at: datetime | None
    rows: int
    window_start: date | None
    window_end: date | None
    split: str
    message: str
    last_failure: str = Field("", description="the message of a newer failed run, if any")


class RfmOut(Schema):
    party: int = Field(validation_alias="party_id")
    party_name: str = Field(validation_alias="party.name")
    recency_days: int
    frequency: int
    monetary: Decimal
    r: int
    f: int
    m: int
    band: str
    segment: int | None = Field(validation_alias="cluster")
    churn_risk: float | None
    p_alive: float | None
    expected_orders: float | None
    clv: Decimal | None


class CustomerSegmentOut(Schema):
    index: int
    size: int
    words: list[str]
    recency_days: float
    frequency: float
    monetary: Decimal


class RecommendationOut(Schema):
    rank: int
    product: int
    product_name: str
    score: float
    reason: str


class RecommendationsOut(Schema):
    model: str
    uses_baseline: bool
    items: list[RecommendationOut]
    count: int


class ForecastPeriodOut(Schema):
    period: date
    forecast: Decimal
    lower: Decimal
    upper: Decimal


class ReorderOut(Schema):
    service_level: Decimal
    lead_time_days: int
    lead_time_demand: Decimal
    safety_stock: Decimal
    reorder_point: Decimal


class ProductForecastOut(Schema):
    product: int | None
    granularity: str
    method: str
    model: str
    uses_baseline: bool
    periods: list[ForecastPeriodOut]
    reorder: ReorderOut | None = None
