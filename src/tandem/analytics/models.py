"""Analytics' own rows: the model runs (each scored on held-out data beside a naive baseline)
and the predictions they stored. Everything else is read from the other apps, never written.

A training writes a new ModelRun per model and its predictions; only when a model trained
does its run become `active` and the previous active run of that model `superseded` (its
predictions deleted). A failed run is kept as `failed` with its message and the previous
model stays in place.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tandem.core.models import CompanyScoped


class ModelName(models.TextChoices):
    RFM = "rfm", _("RFM bands")
    SEGMENTS = "segments", _("Customer segments")
    CHURN = "churn", _("Churn risk")
    CLV = "clv", _("Customer value, next 12 months")
    BOUGHT_TOGETHER = "bought_together", _("Bought together")
    FOR_CUSTOMER = "for_customer", _("Recommended for the customer")
    SALES_FORECAST = "sales_forecast", _("Sales forecast")
    DEMAND_FORECAST = "demand_forecast", _("Demand forecast")
    LEAD_SCORE = "lead_score", _("Lead score")


class RunState(models.TextChoices):
    TRAINING = "training", _("Training")
    ACTIVE = "active", _("In use")
    SUPERSEDED = "superseded", _("Replaced")
    FAILED = "failed", _("Failed")


class Verdict(models.TextChoices):
    BETTER = "better", _("Beats its baseline")
    NOT_BETTER = "not_better", _("Does not beat its baseline: the baseline is used")
    NO_BASELINE = "no_baseline", _("Descriptive: no baseline to beat")
    TOO_FEW_ROWS = "too_few_rows", _("Too little history to train")
    FAILED = "failed", _("Training failed")


class ModelRun(CompanyScoped):
    name = models.CharField(_("model"), max_length=30, choices=ModelName)
    task = models.CharField(_("predicts"), max_length=200, blank=True)
    metric = models.CharField(_("metric"), max_length=30, blank=True)
    higher_is_better = models.BooleanField(_("higher is better"), default=True)
    score = models.FloatField(_("score"), null=True, blank=True)
    baseline = models.CharField(_("baseline"), max_length=60, blank=True)
    baseline_score = models.FloatField(_("baseline score"), null=True, blank=True)
    verdict = models.CharField(_("verdict"), max_length=20, choices=Verdict, blank=True)
    uses_baseline = models.BooleanField(_("falls back to the baseline"), default=False)
    trained_at = models.DateTimeField(_("trained at"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    window_start = models.DateField(_("data from"), null=True, blank=True)
    window_end = models.DateField(_("data until"), null=True, blank=True)
    split = models.CharField(_("held-out split"), max_length=200, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=RunState, default=RunState.TRAINING)
    message = models.CharField(_("message"), max_length=500, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    job = models.ForeignKey(
        "core.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("model run")
        verbose_name_plural = _("model runs")
        ordering = ["name", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name"],
                condition=models.Q(state="active"),
                name="analytics_one_active_run_per_model",
            )
        ]
        indexes = [models.Index(fields=["company", "name", "state"])]

    def __str__(self):
        return f"{self.get_name_display()} #{self.pk}"


class PartyScore(CompanyScoped):
    """Per customer: RFM, segment, churn risk and expected value (of the active customer runs)."""

    run = models.ForeignKey(ModelRun, on_delete=models.CASCADE, related_name="party_scores")
    party = models.ForeignKey("parties.Party", on_delete=models.CASCADE, related_name="+")
    recency_days = models.PositiveIntegerField(_("days since the last order"))
    frequency = models.PositiveIntegerField(_("orders"))
    monetary = models.DecimalField(_("sales"), max_digits=18, decimal_places=2)
    r = models.PositiveSmallIntegerField("R")
    f = models.PositiveSmallIntegerField("F")
    m = models.PositiveSmallIntegerField("M")
    band = models.CharField(_("band"), max_length=20)
    cluster = models.PositiveSmallIntegerField(_("segment"), null=True, blank=True)
    churn_risk = models.FloatField(_("churn risk"), null=True, blank=True)
    p_alive = models.FloatField(_("probability still a customer"), null=True, blank=True)
    expected_orders = models.FloatField(_("expected orders, next 12 months"), null=True, blank=True)
    clv = models.DecimalField(
        _("expected value, next 12 months"), max_digits=18, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("customer score")
        constraints = [
            models.UniqueConstraint(fields=["run", "party"], name="analytics_party_score_once")
        ]
        indexes = [models.Index(fields=["company", "party"])]


class Segment(CompanyScoped):
    run = models.ForeignKey(ModelRun, on_delete=models.CASCADE, related_name="segments")
    index = models.PositiveSmallIntegerField(_("segment"))
    size = models.PositiveIntegerField(_("customers"))
    words = models.JSONField(_("description"), default=list)
    recency_days = models.FloatField(_("median days since the last order"))
    frequency = models.FloatField(_("median orders"))
    monetary = models.DecimalField(_("median sales"), max_digits=18, decimal_places=2)

    class Meta:
        verbose_name = _("customer segment")
        ordering = ["index"]


class ProductPair(CompanyScoped):
    """ "Bought together": for a product, the others most often in the same orders."""

    run = models.ForeignKey(ModelRun, on_delete=models.CASCADE, related_name="pairs")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField(_("rank"))
    score = models.FloatField(_("similarity"))
    # the other product's typical quantity on an order line (median), for the stock check
    quantity = models.DecimalField(
        _("typical quantity"), max_digits=18, decimal_places=3, null=True, blank=True
    )

    class Meta:
        verbose_name = _("product pair")
        ordering = ["product", "rank"]
        indexes = [models.Index(fields=["company", "product"])]


class PartyRecommendation(CompanyScoped):
    """ "For this customer": their own repeat purchases blended with similar products."""

    run = models.ForeignKey(ModelRun, on_delete=models.CASCADE, related_name="recommendations")
    party = models.ForeignKey("parties.Party", on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField(_("rank"))
    score = models.FloatField(_("score"))
    reason = models.CharField(_("reason"), max_length=10)  # repeat | similar | popular
    # the customer's median quantity of the product (else everybody's), for the stock check
    quantity = models.DecimalField(
        _("typical quantity"), max_digits=18, decimal_places=3, null=True, blank=True
    )

    class Meta:
        verbose_name = _("recommendation")
        ordering = ["party", "rank"]
        indexes = [models.Index(fields=["company", "party"])]


class Forecast(CompanyScoped):
    """One period of a forecast: the company's sales by month (product empty) or a product's
    demand by week, with an 80 % interval."""

    run = models.ForeignKey(ModelRun, on_delete=models.CASCADE, related_name="forecasts")
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    period = models.DateField(_("period"))
    forecast = models.DecimalField(_("forecast"), max_digits=18, decimal_places=2)
    lower = models.DecimalField(_("lower"), max_digits=18, decimal_places=2)
    upper = models.DecimalField(_("upper"), max_digits=18, decimal_places=2)
    method = models.CharField(_("method"), max_length=30)

    class Meta:
        verbose_name = _("forecast")
        ordering = ["product", "period"]
        indexes = [models.Index(fields=["company", "product", "period"])]


class ReorderSuggestion(CompanyScoped):
    """A product's suggested reorder point and safety stock from its demand forecast error."""

    run = models.ForeignKey(ModelRun, on_delete=models.CASCADE, related_name="reorder_points")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    service_level = models.DecimalField(_("service level"), max_digits=5, decimal_places=4)
    lead_time_days = models.PositiveIntegerField(_("lead time (days)"))
    lead_time_demand = models.DecimalField(
        _("demand over the lead time"), max_digits=18, decimal_places=3
    )
    safety_stock = models.DecimalField(_("safety stock"), max_digits=18, decimal_places=3)
    reorder_point = models.DecimalField(_("reorder point"), max_digits=18, decimal_places=3)

    class Meta:
        verbose_name = _("reorder suggestion")
        indexes = [models.Index(fields=["company", "product"])]


class LeadScore(CompanyScoped):
    """A probability to win on a lead or an open opportunity, its tier and top factors."""

    run = models.ForeignKey(ModelRun, on_delete=models.CASCADE, related_name="lead_scores")
    lead = models.ForeignKey(
        "crm.Lead", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    opportunity = models.ForeignKey(
        "crm.Opportunity", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    probability = models.FloatField(_("probability to win"))
    tier = models.CharField(_("tier"), max_length=1)
    factors = models.JSONField(_("top factors"), default=list)

    class Meta:
        verbose_name = _("lead score")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lead__isnull=False) | models.Q(opportunity__isnull=False),
                name="analytics_lead_score_has_target",
            )
        ]
