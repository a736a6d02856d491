"""Models over the company's data, each scored beside a naive baseline: the pages."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from tandem.catalog.models import Product
from tandem.core.jobs import job_for_request, job_start
from tandem.core.views import company_view, request_has_perm

from . import queries
from .charts import forecast_chart
from .jobs import TRAIN
from .models import ModelName, RunState, Verdict

VIEW = "analytics.view_modelrun"


def _shown(value, places: int = 3):
    """A float score as a Decimal for the `number` filter (babel formats it)."""
    if value is None:
        return None
    return Decimal(str(round(float(value), places)))


# What "Train now" can train: everything, or one step of training.MODEL_STEPS (a step may
# write several models: "customers" writes RFM bands, segments, churn and value).
TRAINING_STEPS = {
    "customers": _l("Customers: RFM, segments, churn and value"),
    "recommendations": _l("Recommendations"),
    "sales_forecast": _l("Sales forecast"),
    "demand_forecast": _l("Demand forecast"),
    "lead_score": _l("Lead score"),
}

METRICS = {
    "auc": _l("AUC (higher is better)"),
    "mase": _l("MASE (lower is better)"),
    "hit@10": _l("hit rate in the top 10"),
    "recall@10": _l("recall in the top 10"),
    "mae_units_per_week": _l("mean absolute error, units a week (lower is better)"),
    "holdout_total_error_pct": _l("error of the held-out total, % (lower is better)"),
    "top_bottom_repeat_ratio": _l("repeat rate of the top band over the bottom band"),
}
BASELINES = {
    "recency": _l("days since the last order"),
    "run_rate": _l("the past period's run rate"),
    "popularity": _l("the most popular products"),
    "own_top_frequency": _l("the customer's most bought products"),
    "seasonal_naive": _l("same period last season"),
    "naive": _l("last period repeated"),
    "naive_bayes": _l("naive Bayes over won/lost frequencies"),
    "no_bands": _l("no bands (ratio 1)"),
}
BANDS = {
    "champions": _l("champions"),
    "loyal": _l("loyal"),
    "promising": _l("promising"),
    "at_risk": _l("at risk"),
    "lapsing": _l("lapsing"),
    "lost": _l("lost"),
}
WORDS = {
    "big": _l("big"),
    "small": _l("small"),
    "mid-size": _l("mid-size"),
    "frequent": _l("frequent"),
    "occasional": _l("occasional"),
    "regular": _l("regular"),
    "lapsing": _l("lapsing"),
    "active": _l("active"),
}


def plain_verdict(run) -> str:
    """One sentence a user can read: is the model worth using here?"""
    if run.state == RunState.FAILED:
        return run.get_verdict_display() or _("Training failed")
    if run.verdict == Verdict.BETTER:
        return _("Beats its baseline on data it had not seen: in use.")
    if run.verdict == Verdict.NOT_BETTER:
        return _("Does not beat its baseline: the baseline is used instead.")
    return _("Descriptive: no baseline to beat.")


@company_view(VIEW)
def home(request):
    company = request.company
    runs = queries.model_overview(company)
    for run in runs:
        run.plain_verdict = plain_verdict(run)
        run.score_shown = _shown(run.score)
        run.baseline_shown = _shown(run.baseline_score)
        run.metric_label = METRICS.get(run.metric, run.metric)
        run.baseline_label = BASELINES.get(run.baseline, run.baseline)
        newer = run.latest
        run.newer_failure = newer if newer is not None and newer.pk != run.pk else None
    segments = list(queries.segments(company))
    for segment in segments:
        segment.description = " · ".join(str(WORDS.get(w, w)) for w in segment.words)
        segment.recency_shown = _shown(segment.recency_days, 0)
        segment.frequency_shown = _shown(segment.frequency, 1)
    at_risk = list(queries.customers_at_risk(company, limit=15))
    for row in at_risk:
        row.risk_pct = _shown(row.churn_risk * 100, 0)
        row.band_label = BANDS.get(row.band, row.band)
    job = job_for_request(request, request.GET.get("job"))
    context = {
        "runs": runs,
        "at_risk": at_risk,
        "segments": segments,
        "job": job,
        "can_train": request_has_perm(request, "analytics.add_modelrun"),
        "training_steps": TRAINING_STEPS.items(),
        "top_products": _top_forecast_products(company),
    }
    return render(request, "analytics/home.html", context)


def _top_forecast_products(company, limit=8):
    from .models import ReorderSuggestion

    return list(
        ReorderSuggestion.objects.filter(company=company, run__state=RunState.ACTIVE)
        .select_related("product")
        .order_by("-lead_time_demand", "product_id")[:limit]
    )


@require_POST
@company_view("analytics.add_modelrun")
def train(request):
    """Starts a training as a job; the page shows its progress."""
    step = request.POST.get("step", "")
    if step and step not in TRAINING_STEPS:
        raise Http404
    params = {"only": [step]} if step else {}
    job = job_start(TRAIN, company=request.company, user=request.user, params=params)
    return redirect(reverse("analytics:home") + f"?job={job.pk}")


@company_view(VIEW)
def forecast(request):
    """The sales forecast by month, or a product's demand by week (`?product=`), drawn beside
    its history with the 80 % interval, and the product's suggested reorder point."""
    company = request.company
    product = None
    product_id = request.GET.get("product")
    if product_id:
        try:
            product = Product.objects.get(company=company, pk=int(product_id))
        except (Product.DoesNotExist, ValueError, OverflowError):
            raise Http404 from None
    rows = queries.forecast(
        company, product_id=product.pk if product else None, horizon=queries.MAX_HORIZON
    )
    name = ModelName.DEMAND_FORECAST if product else ModelName.SALES_FORECAST
    run = queries.active_run(company, name)
    chart = None
    if rows:
        first = rows[0].period
        if product:
            since = first - timedelta(weeks=26)
            history = _weekly_history(company, product, since, first)
            future = [(r.period.strftime("%m-%d"), r.forecast, r.lower, r.upper) for r in rows]
        else:
            history = [
                (period[:7], Decimal(value)) for period, value in (run.params.get("history") or [])
            ]
            future = [(r.period.strftime("%Y-%m"), r.forecast, r.lower, r.upper) for r in rows]
        chart = forecast_chart(history, future)
    reorder = queries.reorder_suggestion(company, product.pk) if product else None
    if reorder is not None:
        reorder.service_pct = reorder.service_level * 100
    return render(
        request,
        "analytics/forecast.html",
        {
            "product": product,
            "rows": rows,
            "run": run,
            "chart": chart,
            "reorder": reorder,
            "verdict": plain_verdict(run) if run else "",
        },
    )


def _weekly_history(company, product, since, first):
    from tandem.sales.models import SalesOrderLine

    from .services.data import SOLD

    weeks = {}
    for when, quantity in SalesOrderLine.objects.filter(
        company=company,
        product=product,
        order__state__in=SOLD,
        order__order_date__gte=since,
        order__order_date__lt=first,
    ).values_list("order__order_date", "quantity"):
        start = when - timedelta(days=when.weekday())
        weeks[start] = weeks.get(start, 0) + quantity
    out = []
    current = since - timedelta(days=since.weekday())
    while current < first:
        out.append((current.strftime("%m-%d"), weeks.get(current, 0)))
        current += timedelta(weeks=1)
    return out


CUSTOMER_SORT_LABELS = {
    "at_stake": _l("At stake (risk x value)"),
    "risk": _l("Churn risk"),
    "value": _l("Expected value, next 12 months"),
    "recency": _l("Days since the last order"),
    "name": _l("Name"),
}
CUSTOMERS_PAGE = 50


@company_view(VIEW)
def customers(request):
    """Every scored customer, sortable by what is at stake, churn risk, expected value,
    recency or name, optionally one RFM band; 50 a page."""
    sort = request.GET.get("sort", "at_stake")
    if sort not in queries.CUSTOMER_SORTS:
        sort = "at_stake"
    band = request.GET.get("band", "")
    if band not in BANDS:
        band = ""
    rows = queries.customers_ranked(request.company, sort=sort, band=band)
    page = Paginator(rows, CUSTOMERS_PAGE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.risk_pct = _shown(row.churn_risk * 100, 0) if row.churn_risk is not None else None
        row.band_label = BANDS.get(row.band, row.band)
    query = {"sort": sort, **({"band": band} if band else {})}
    return render(
        request,
        "analytics/customers.html",
        {
            "page": page,
            "sort": sort,
            "band": band,
            "sorts": CUSTOMER_SORT_LABELS.items(),
            "bands": BANDS.items(),
            "query": urlencode(query),
        },
    )
