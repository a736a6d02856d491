"""The analytics app's REST endpoints (see API.md "Decisions"), mounted at /api/v1 by
tandem.api.root. Every answer is read from stored predictions; training is a job."""

from ninja import Query, Router, Status

from tandem.api.context import company_of, get_ref, page_of, paginate, require_perm
from tandem.api.jobs import JobOut
from tandem.catalog.models import Product
from tandem.core.errors import ValidationFailed
from tandem.core.jobs import job_start
from tandem.parties.models import Party

from .. import queries
from ..errors import HorizonTooLong, NoHistory
from ..models import ModelName
from ..schemas import (
    CustomerSegmentOut,
    ModelOut,
    ProductForecastOut,
    RecommendationsOut,
    RfmOut,
    TrainIn,
)

router = Router(tags=["analytics"])

VIEW = "analytics.view_modelrun"
LIMIT = Query(50, ge=1, le=500)
OFFSET = Query(0, ge=0, le=2**31)
ID = Query(None, ge=1, le=2**63 - 1)


@router.get("/analytics/models", response=page_of(ModelOut))
def model_list(request):
    """Every model with its held-out score beside its baseline's on the same split."""
    require_perm(request, VIEW)
    runs = queries.model_overview(company_of(request))
    for run in runs:
        newer = run.latest
        run.last_failure = newer.message if newer is not None and newer.pk != run.pk else ""
    return {"items": runs, "count": len(runs)}


@router.post("/analytics/train", response={202: JobOut})
def model_train(request, body: TrainIn | None = None):
    """Train every model now, or the named `steps` (customers, recommendations,
    sales_forecast, demand_forecast, lead_score): 202 with the job (poll `GET /jobs/{id}`)."""
    require_perm(request, "analytics.add_modelrun")
    from ..jobs import TRAIN
    from ..services.training import STEP_NAMES

    steps = list(dict.fromkeys(body.steps)) if body else []
    unknown = [step for step in steps if step not in STEP_NAMES]
    if unknown:
        raise ValidationFailed(
            f"Unknown training step {unknown[0]!r}; steps are {', '.join(STEP_NAMES)}.",
            code="analytics.unknown_step",
            field="steps",
        )
    params = {"only": steps} if steps else {}
    job = job_start(TRAIN, company=company_of(request), user=request.user, params=params)
    return Status(202, job)


@router.get("/analytics/rfm", response=page_of(RfmOut))
def rfm_list(
    request,
    party: int | None = ID,
    band: str = "",
    sort: str = "name",
    limit: int = LIMIT,
    offset: int = OFFSET,
):
    """RFM scores, band, segment, churn risk and expected value per customer. `sort`:
    `name`, `-churn_risk`, `-clv`, `-monetary`."""
    require_perm(request, VIEW)
    company = company_of(request)
    rows = queries.party_scores(company)
    if party is not None:
        rows = rows.filter(party=get_ref(Party, request, party, field="party"))
    if band:
        rows = rows.filter(band=band)
    orders = {"name": None, "-churn_risk": "-churn_risk", "-clv": "-clv", "-monetary": "-monetary"}
    if sort not in orders:
        raise ValidationFailed(f"sort: one of {', '.join(orders)}", field="sort")
    if orders[sort]:
        rows = rows.order_by(orders[sort], "party_id")
    return paginate(rows, limit=limit, offset=offset)


@router.get("/analytics/segments", response=page_of(CustomerSegmentOut))
def segment_list(request):
    require_perm(request, VIEW)
    rows = list(queries.segments(company_of(request)))
    return {"items": rows, "count": len(rows)}


@router.get("/analytics/recommendations", response=RecommendationsOut)
def recommendation_list(request, party: int | None = ID, product: int | None = ID):
    """`?party=`: recommended for the customer; `?product=`: bought together with it."""
    require_perm(request, VIEW)
    company = company_of(request)
    if (party is None) == (product is None):
        raise ValidationFailed(
            "Give either party or product.", code="analytics.target_required", field="party"
        )
    if party is not None:
        get_ref(Party, request, party, field="party")
        name = ModelName.FOR_CUSTOMER
        rows = [
            {
                "rank": r.rank,
                "product": r.product_id,
                "product_name": r.product.name,
                "score": r.score,
                "reason": r.reason,
            }
            for r in queries.recommendations_for_party(company, party)
        ]
    else:
        get_ref(Product, request, product, field="product")
        name = ModelName.BOUGHT_TOGETHER
        rows = [
            {
                "rank": r.rank,
                "product": r.other_id,
                "product_name": r.other.name,
                "score": r.score,
                "reason": "together",
            }
            for r in queries.bought_together(company, product)
        ]
    run = queries.active_run(company, name)
    return {
        "model": name,
        "uses_baseline": bool(run and run.uses_baseline),
        "items": rows,
        "count": len(rows),
    }


@router.get("/analytics/forecast", response=ProductForecastOut)
def forecast_read(request, product: int | None = ID, horizon: int = Query(queries.MAX_HORIZON)):
    """Without `product`: the company's sales by month; with it: the product's demand by
    week, with its suggested reorder point. `horizon` periods, at most 12."""
    require_perm(request, VIEW)
    company = company_of(request)
    if horizon > queries.MAX_HORIZON:
        raise HorizonTooLong(f"horizon: at most {queries.MAX_HORIZON} periods", field="horizon")
    if horizon < 1:
        raise ValidationFailed("horizon: at least 1 period", field="horizon")
    if product is not None:
        get_ref(Product, request, product, field="product")
    rows = queries.forecast(company, product_id=product, horizon=horizon)
    if not rows:
        raise NoHistory(
            "No forecast: this product has no sales history yet."
            if product
            else "No forecast: not enough sales history yet.",
            field="product",
        )
    name = ModelName.DEMAND_FORECAST if product else ModelName.SALES_FORECAST
    run = queries.active_run(company, name)
    reorder = queries.reorder_suggestion(company, product) if product else None
    return {
        "product": product,
        "granularity": "week" if product else "month",
        "method": rows[0].method,
        "model": name,
        "uses_baseline": run.uses_baseline,
        "periods": rows,
        "reorder": reorder,
    }
