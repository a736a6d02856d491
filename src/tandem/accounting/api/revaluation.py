"""/fx-revaluations: period-end revaluation of open foreign-currency items (thin: see
services/revaluation.py). A run is created once per period end and never edited."""

from datetime import date

from django.db.models import Prefetch
from ninja import Query, Router, Status

from tandem.api.context import company_of, get_scoped, page_of, paginate, require_perm

from ..models import FxRevaluation, FxRevaluationLine
from ..schemas.revaluation import FxRevaluationIn, FxRevaluationOut
from ..services import revaluation as services

router = Router()

LIMIT = Query(50, ge=1, le=500)
OFFSET = Query(0, ge=0, le=10**12)


def runs_of(company):
    lines = FxRevaluationLine.objects.select_related(
        "invoice", "payment", "party", "account"
    ).order_by("id")
    return FxRevaluation.objects.filter(company=company).prefetch_related(
        Prefetch("lines", queryset=lines)
    )


def line_out(line) -> dict:
    document = line.invoice or line.payment
    return {
        "invoice": line.invoice_id,
        "payment": line.payment_id,
        "number": document.number,
        "party": line.party_id,
        "party_name": line.party.name,
        "account": line.account.code,
        "currency": line.currency_id,
        "residual": line.residual,
        "carrying": line.carrying,
        "rate": line.rate,
        "revalued": line.revalued,
        "difference": line.difference,
    }


def run_out(run) -> dict:
    return {
        "id": run.pk,
        "date": run.date,
        "entry": run.entry_id,
        "reversal_entry": run.reversal_entry_id,
        "gain": run.gain,
        "loss": run.loss,
        "lines": [line_out(line) for line in run.lines.all()],
        "created_at": run.created_at,
    }


def preview_out(company, on: date) -> dict:
    """What a run at `on` would post, computed and not written (`id` null)."""
    period = services.check_date(company, on)
    items = services.fx_revaluation_items(company=company, date=period.date_end)
    figures = services.totals(items)
    controls = {
        side: services.account_for_role(company, side, field="date")
        for side in {item.side for item in items}
    }
    return {
        "id": None,
        "date": period.date_end,
        "gain": figures["gain"],
        "loss": figures["loss"],
        "lines": [
            {
                "invoice": item.invoice.pk if item.invoice else None,
                "payment": item.payment.pk if item.payment else None,
                "number": item.number,
                "party": item.party_id,
                "party_name": item.party_name,
                "account": controls[item.side].code,
                "currency": item.currency,
                "residual": item.residual,
                "carrying": item.carrying,
                "rate": item.rate,
                "revalued": item.revalued,
                "difference": item.difference,
            }
            for item in items
        ],
    }


@router.get("/fx-revaluations", response=page_of(FxRevaluationOut), tags=["accounting"])
def revaluation_list(request, limit: int = LIMIT, offset: int = OFFSET):
    require_perm(request, "accounting.view_fxrevaluation")
    page = paginate(runs_of(company_of(request)).order_by("-date"), limit=limit, offset=offset)
    return {"items": [run_out(run) for run in page["items"]], "count": page["count"]}


@router.get("/fx-revaluations/preview", response=FxRevaluationOut, tags=["accounting"])
def revaluation_preview(request, date: date):
    """The open items at the period end `date` and their differences; nothing is written."""
    require_perm(request, "accounting.view_fxrevaluation")
    return preview_out(company_of(request), date)


@router.get("/fx-revaluations/{run_id}", response=FxRevaluationOut, tags=["accounting"])
def revaluation_read(request, run_id: int):
    require_perm(request, "accounting.view_fxrevaluation")
    return run_out(
        get_scoped(runs_of(company_of(request)), request, run_id, label="fx_revaluation")
    )


@router.post("/fx-revaluations", response={201: FxRevaluationOut}, tags=["accounting"])
def revaluation_run(request, payload: FxRevaluationIn):
    """Posts the revaluation at the period end `date` and its reversal on the next day.

    409 `fx_revaluation.exists` for a second run at that date; 422
    `fx_revaluation.not_period_end`, `period.missing`, `period.closed` (409), `rate.missing`.
    """
    require_perm(request, "accounting.add_fxrevaluation")
    company = company_of(request)
    run = services.fx_revaluation_run(company=company, date=payload.date, user=request.user)
    return Status(201, run_out(runs_of(company).get(pk=run.pk)))
