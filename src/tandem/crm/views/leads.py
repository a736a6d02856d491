"""Lead pages: the list (search, filters, export), the detail, the form; qualify and
disqualify are POSTs."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tandem.core.audit import history_rows
from tandem.core.errors import DomainError
from tandem.core.exports import export_response
from tandem.core.middleware import request_has_perm
from tandem.core.views import company_view

from .. import queries, services
from ..forms import (
    ActivityForm,
    DisqualifyForm,
    EmailForm,
    InteractionForm,
    LeadForm,
    QualifyForm,
    members_of,
)
from ..models import Lead, LeadState, SalesTeam, Source
from ..queries.visibility import visible
from ..scoring import with_lead_scores
from ._common import PAGE_SIZE, int_param, need, perms


def _filters(params) -> dict:
    state, source = params.get("state", ""), params.get("source", "")
    return {
        "search": params.get("search", "").replace("\x00", "").strip()[:200],
        "owner": int_param(params, "owner"),
        "team": int_param(params, "team"),
        "state": state if state in LeadState.values else "",
        "source": source if source in Source.values else "",
        "campaign": params.get("campaign", "").replace("\x00", "").strip()[:100],
    }


def _lead(request, pk) -> Lead:
    return get_object_or_404(visible(Lead.objects.filter(company=request.company), request), pk=pk)


@company_view("crm.view_lead")
def lead_list(request):
    filters = _filters(request.GET)
    qs = queries.leads_for_list(
        visible(queries.leads_filtered(request.company, **filters), request)
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = with_lead_scores(request.company, "lead", list(page.object_list))
    context = {
        "page": page,
        "filters": filters,
        "perms_crm": perms(request, "lead"),
        "scored": any(lead.score is not None for lead in page.object_list),
    }
    htmx = getattr(request, "htmx", None)
    if htmx and htmx.target == "lead-results" and not htmx.history_restore_request:
        response = render(request, "crm/_lead_results.html", context)
    else:
        context.update(
            states=LeadState.choices,
            sources=Source.choices,
            owners=members_of(request.company),
            teams=SalesTeam.objects.filter(company=request.company),
        )
        response = render(request, "crm/lead_list.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@company_view("crm.view_lead")
def lead_export(request):
    """The filtered list (all pages) as CSV or XLSX."""
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        raise Http404
    qs = visible(queries.leads_filtered(request.company, **_filters(request.GET)), request)
    return export_response(
        fmt=fmt,
        filename=f"leads-{request.company.code}-{timezone.localdate().isoformat()}",
        headers=queries.lead_export_headers(),
        rows=queries.lead_export_rows(qs),
    )


@company_view("crm.view_lead")
def lead_detail(request, pk):
    lead = get_object_or_404(
        visible(Lead.objects.filter(company=request.company), request).select_related(
            "owner", "team", "matched_party", "matched_contact", "opportunity"
        ),
        pk=pk,
    )
    company = request.company
    services.pipeline_seed(company=company)
    return render(
        request,
        "crm/lead_detail.html",
        {
            "lead": lead,
            "qualify_form": QualifyForm(
                company=company, initial={"name": lead.name, "expected_revenue": 0}
            ),
            "disqualify_form": DisqualifyForm(),
            "activities": lead.activities.select_related("owner").order_by("due_at", "id"),
            "interactions": lead.interactions.select_related("user").order_by(
                "-occurred_at", "-id"
            ),
            "activity_form": ActivityForm(company=company, initial={"owner": request.user.pk}),
            "interaction_form": InteractionForm(),
            "history": history_rows(lead),
            "perms_crm": perms(request, "lead", "activity", "interaction"),
            "record": {"lead": lead.pk},
            "email_form": EmailForm(initial={"to": lead.email}),
        },
    )


@company_view("crm.add_lead")
@require_http_methods(["GET", "POST"])
def lead_create(request):
    form = LeadForm(request.POST or None, company=request.company)
    if request.method == "POST" and form.is_valid():
        lead = form.run(
            services.lead_create,
            company=request.company,
            **{f: form.cleaned_data[f] for f in LeadForm.FIELDS},
        )
        if lead is not None:
            messages.success(request, _("Lead %(name)s was created.") % {"name": lead.name})
            return redirect("crm:lead_detail", pk=lead.pk)
    return render(request, "crm/lead_form.html", {"form": form, "lead": None})


@company_view("crm.change_lead")
@require_http_methods(["GET", "POST"])
def lead_edit(request, pk):
    lead = _lead(request, pk)
    initial = {f: getattr(lead, f) for f in LeadForm.FIELDS if f not in ("owner", "team")}
    initial.update(owner=lead.owner_id, team=lead.team_id)
    form = LeadForm(request.POST or None, company=request.company, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in LeadForm.FIELDS}
        updated = form.run(services.lead_update, lead=lead, **data)
        if updated is not None:
            messages.success(request, _("Lead %(name)s was saved.") % {"name": updated.name})
            return redirect("crm:lead_detail", pk=lead.pk)
    return render(request, "crm/lead_form.html", {"form": form, "lead": lead})


@company_view("crm.change_lead")
@require_POST
def lead_qualify(request, pk):
    lead = _lead(request, pk)
    need(request, "crm.add_opportunity")
    if lead.matched_party_id is None and not request_has_perm(request, "parties.add_party"):
        messages.error(request, _("You may not create customers; ask a colleague who may."))
        return redirect("crm:lead_detail", pk=lead.pk)
    form = QualifyForm(request.POST, company=request.company)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("crm:lead_detail", pk=lead.pk)
    try:
        lead = services.lead_qualify(
            lead=lead,
            user=request.user,
            name=form.cleaned_data["name"] or None,
            stage=form.cleaned_data["stage"],
            expected_revenue=form.cleaned_data["expected_revenue"],
            close_date=form.cleaned_data["close_date"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("crm:lead_detail", pk=pk)
    messages.success(request, _("The lead was qualified into an opportunity."))
    return redirect("crm:opportunity_detail", pk=lead.opportunity_id)


@company_view("crm.change_lead")
@require_POST
def lead_disqualify(request, pk):
    lead = _lead(request, pk)
    try:
        services.lead_disqualify(lead=lead, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The lead was disqualified."))
    return redirect("crm:lead_detail", pk=lead.pk)


@company_view("crm.change_lead")
@require_POST
def lead_reopen(request, pk):
    lead = _lead(request, pk)
    try:
        services.lead_reopen(lead=lead)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The lead was reopened."))
    return redirect("crm:lead_detail", pk=lead.pk)


@company_view("crm.delete_lead")
@require_POST
def lead_delete(request, pk):
    lead = _lead(request, pk)
    try:
        services.lead_delete(lead=lead)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("crm:lead_detail", pk=lead.pk)
    messages.success(request, _("Lead %(name)s was deleted.") % {"name": lead.name})
    return redirect("crm:lead_list")
