"""Opportunity pages: the kanban board (drag and drop posts a move), the list, the forecast,
the detail with its stage history, the form; move, win and lose are POSTs."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tandem.core.audit import history_rows
from tandem.core.errors import DomainError
from tandem.core.middleware import request_has_perm
from tandem.core.views import company_view

from .. import queries, services
from ..forms import (
    ActivityForm,
    EmailForm,
    InteractionForm,
    LoseForm,
    MoveForm,
    OpportunityForm,
    members_of,
)
from ..models import (
    LostReason,
    Opportunity,
    OpportunityState,
    PipelineStage,
    SalesTeam,
    Source,
)
from ..queries.visibility import request_scope, visible, visible_condition
from ..scoring import with_lead_scores
from ._common import PAGE_SIZE, int_param, perms

BOARD_HEADER = "X-Tandem-Board"


def _opportunity(request, pk) -> Opportunity:
    return get_object_or_404(
        visible(Opportunity.objects.filter(company=request.company), request), pk=pk
    )


def _board_filters(params, company) -> dict:
    team_id = int_param(params, "team")
    team = SalesTeam.objects.filter(company=company, pk=team_id).first() if team_id else None
    return {
        "team": team,
        "owner": int_param(params, "owner"),
        "search": params.get("search", "").replace("\x00", "").strip()[:200],
    }


def _board_context(request, filters) -> dict:
    company = request.company
    services.pipeline_seed(company=company)
    scope = request_scope(request)
    data = queries.board(
        company, **filters, visible_to=scope.condition() if scope is not None else None
    )
    # one provider call for every card on the board, not one per column
    with_lead_scores(company, "opportunity", [card for c in data["columns"] for card in c["cards"]])
    query = {
        "team": filters["team"].pk if filters["team"] else "",
        "owner": filters["owner"] or "",
        "search": filters["search"],
    }
    return {
        "board": data,
        "filters": filters,
        "query": query,
        "can_move": request_has_perm(request, "crm.change_opportunity"),
    }


@company_view("crm.view_opportunity")
def board(request):
    filters = _board_filters(request.GET, request.company)
    context = _board_context(request, filters)
    context.update(
        teams=SalesTeam.objects.filter(company=request.company, active=True),
        owners=members_of(request.company),
        lost_reasons=LostReason.objects.filter(company=request.company, active=True),
        perms_crm=perms(request, "opportunity"),
    )
    return render(request, "crm/board.html", context)


@company_view("crm.change_opportunity")
@require_POST
def opportunity_move(request, pk):
    """A POST from the board (drag and drop: answers the re-rendered columns) or from a card's
    own form (no script: redirects back)."""
    opp = _opportunity(request, pk)
    form = MoveForm(request.POST)
    error, status = None, 200
    if form.is_valid():
        try:
            services.opportunity_move(
                opportunity=opp,
                stage=form.cleaned_data["stage"],
                lost_reason=form.cleaned_data["lost_reason"],
                lost_note=form.cleaned_data["lost_note"],
                user=request.user,
            )
        except DomainError as exc:
            error, status = exc.message, exc.status
    else:
        error, status = _("Choose a stage."), 422
    if request.headers.get(BOARD_HEADER):
        context = _board_context(request, _board_filters(request.POST, request.company))
        context["error"] = error
        return render(request, "crm/_board_columns.html", context, status=status)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("%(name)s was moved.") % {"name": opp.name})
    target = request.POST.get("next", "")
    if target == "detail":
        return redirect("crm:opportunity_detail", pk=opp.pk)
    return redirect("crm:board")


@company_view("crm.view_opportunity")
def opportunity_list(request):
    params = request.GET
    state, source = params.get("state", "open"), params.get("source", "")
    filters = {
        "search": params.get("search", "").replace("\x00", "").strip()[:200],
        "owner": int_param(params, "owner"),
        "team": int_param(params, "team"),
        "stage": int_param(params, "stage"),
        "state": state if state in OpportunityState.values else "",
        "source": source if source in Source.values else "",
    }
    qs = queries.opportunities_for_list(
        visible(queries.opportunities_filtered(request.company, **filters), request)
    )
    page = Paginator(qs, PAGE_SIZE).get_page(params.get("page"))
    return render(
        request,
        "crm/opportunity_list.html",
        {
            "page": page,
            "filters": filters,
            "states": OpportunityState.choices,
            "sources": Source.choices,
            "owners": members_of(request.company),
            "teams": SalesTeam.objects.filter(company=request.company),
            "perms_crm": perms(request, "opportunity"),
        },
    )


@company_view("crm.view_opportunity")
def forecast(request):
    company = request.company
    group_by = request.GET.get("group_by", "month")
    if group_by not in queries.GROUP_BY:
        group_by = "month"
    team_id = int_param(request.GET, "team")
    team = SalesTeam.objects.filter(company=company, pk=team_id).first() if team_id else None
    seen = visible_condition(request)
    report = queries.forecast(
        company, group_by=group_by, team=team.pk if team else None, visible_to=seen
    )
    top = max((row["weighted_revenue"] for row in report["rows"]), default=0)
    top_expected = max((row["expected_revenue"] for row in report["rows"]), default=0)
    services.pipeline_seed(company=company)
    return render(
        request,
        "crm/forecast.html",
        {
            "report": report,
            "group_by": group_by,
            "top": max(top, top_expected),
            "conversion": queries.conversion(company, team=team, visible_to=seen),
            "cycle": queries.sales_cycle(company, team=team.pk if team else None, visible_to=seen),
            "win_rate": queries.win_rate_by_source(
                company, team=team.pk if team else None, visible_to=seen
            ),
            "sources": dict(Source.choices),
            "team": team,
            "teams": SalesTeam.objects.filter(company=company),
        },
    )


@company_view("crm.view_opportunity")
def opportunity_detail(request, pk):
    company = request.company
    opp = get_object_or_404(
        queries.opportunities_for_list(
            visible(Opportunity.objects.filter(company=company), request)
        ).select_related("sales_order"),
        pk=pk,
    )
    stages = PipelineStage.objects.filter(company=company, team=opp.stage.team_id).order_by(
        "sequence", "id"
    )
    return render(
        request,
        "crm/opportunity_detail.html",
        {
            "opp": opp,
            "stage_history": queries.stage_history(opp),
            "stages": stages,
            "lose_form": LoseForm(company=company),
            "activities": opp.activities.select_related("owner").order_by("due_at", "id"),
            "interactions": opp.interactions.select_related("user").order_by("-occurred_at", "-id"),
            "activity_form": ActivityForm(company=company, initial={"owner": request.user.pk}),
            "interaction_form": InteractionForm(),
            "history": history_rows(opp),
            "perms_crm": perms(request, "opportunity", "activity", "interaction"),
            "may_order": request_has_perm(request, "sales.add_salesorder"),
            "may_view_order": request_has_perm(request, "sales.view_salesorder"),
            "record": {"opportunity": opp.pk},
            "email_form": EmailForm(
                initial={"to": opp.contact.email if opp.contact else opp.party.email}
            ),
        },
    )


@company_view("crm.add_opportunity")
@require_http_methods(["GET", "POST"])
def opportunity_create(request):
    initial = {"owner": request.user.pk}
    party_id = int_param(request.GET, "party")
    if party_id:
        initial["party"] = party_id
    form = OpportunityForm(request.POST or None, company=request.company, initial=initial)
    if request.method == "POST" and form.is_valid():
        opp = form.run(
            services.opportunity_create,
            company=request.company,
            user=request.user,
            **form.service_data(),
        )
        if opp is not None:
            messages.success(request, _("%(name)s was created.") % {"name": opp.name})
            return redirect("crm:opportunity_detail", pk=opp.pk)
    return render(request, "crm/opportunity_form.html", {"form": form, "opp": None})


@company_view("crm.change_opportunity")
@require_http_methods(["GET", "POST"])
def opportunity_edit(request, pk):
    opp = _opportunity(request, pk)
    initial = {
        "name": opp.name,
        "party": opp.party_id,
        "contact": opp.contact_id,
        "owner": opp.owner_id,
        "team": opp.team_id,
        "expected_revenue": opp.expected_revenue,
        "currency": opp.currency_id,
        "probability": opp.probability if opp.probability_manual else None,
        "close_date": opp.close_date,
        "products": list(opp.products.values_list("pk", flat=True)),
        "source": opp.source,
    }
    form = OpportunityForm(
        request.POST or None, company=request.company, initial=initial, opportunity=opp
    )
    if request.method == "POST" and form.is_valid():
        updated = form.run(services.opportunity_update, opportunity=opp, **form.service_data())
        if updated is not None:
            messages.success(request, _("%(name)s was saved.") % {"name": updated.name})
            return redirect("crm:opportunity_detail", pk=opp.pk)
    return render(request, "crm/opportunity_form.html", {"form": form, "opp": opp})


@company_view("crm.change_opportunity")
@require_POST
def opportunity_win(request, pk):
    opp = _opportunity(request, pk)
    create_order = request.POST.get("create_order") in ("1", "on", "true")
    if create_order and not request_has_perm(request, "sales.add_salesorder"):
        raise PermissionDenied
    try:
        won = services.opportunity_win(
            opportunity=opp, user=request.user, create_order=create_order
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if won.sales_order_id:
            messages.success(
                request,
                _("%(name)s was won; draft order %(order)s was made.")
                % {"name": opp.name, "order": won.sales_order},
            )
        else:
            messages.success(request, _("%(name)s was won.") % {"name": opp.name})
    return redirect("crm:opportunity_detail", pk=opp.pk)


@company_view("crm.change_opportunity")
@require_POST
def opportunity_lose(request, pk):
    opp = _opportunity(request, pk)
    form = LoseForm(request.POST, company=request.company)
    if not form.is_valid():
        messages.error(request, _("Choose the reason the opportunity was lost."))
        return redirect("crm:opportunity_detail", pk=opp.pk)
    try:
        services.opportunity_lose(
            opportunity=opp,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
            user=request.user,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s was lost.") % {"name": opp.name})
    return redirect("crm:opportunity_detail", pk=opp.pk)


@company_view("crm.delete_opportunity")
@require_POST
def opportunity_delete(request, pk):
    opp = _opportunity(request, pk)
    try:
        services.opportunity_delete(opportunity=opp)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("crm:opportunity_detail", pk=opp.pk)
    messages.success(request, _("%(name)s was deleted.") % {"name": opp.name})
    return redirect(reverse("crm:opportunity_list"))
