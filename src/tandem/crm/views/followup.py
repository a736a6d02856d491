"""Follow-up cadence pages: the rules (list, form, delete) and the broken-cadence report."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tandem.core.errors import DomainError
from tandem.core.views import company_view

from .. import services
from ..forms import CadenceForm
from ..models import Cadence, Lead, Opportunity
from ..queries.cadences import cadence_report as report_query
from ..queries.visibility import visible
from ._common import int_param, perms


@company_view("crm.view_cadence")
def cadence_list(request):
    rules = (
        Cadence.objects.filter(company=request.company)
        .select_related("stage", "tag", "owner")
        .order_by("applies_to", "name", "id")
    )
    return render(
        request, "crm/cadence_list.html", {"rules": rules, "perms_crm": perms(request, "cadence")}
    )


def _save(request, form, cadence=None):
    data = {f: form.cleaned_data[f] for f in CadenceForm.FIELDS}
    if cadence is None:
        return form.run(services.cadence_create, company=request.company, **data)
    return form.run(services.cadence_update, cadence=cadence, **data)


@company_view("crm.add_cadence")
@require_http_methods(["GET", "POST"])
def cadence_create(request):
    form = CadenceForm(request.POST or None, company=request.company)
    if request.method == "POST" and form.is_valid() and _save(request, form):
        messages.success(request, _("The cadence was saved."))
        return redirect("crm:cadence_list")
    return render(request, "crm/cadence_form.html", {"form": form, "cadence": None})


@company_view("crm.change_cadence")
@require_http_methods(["GET", "POST"])
def cadence_edit(request, pk):
    cadence = get_object_or_404(Cadence.objects.filter(company=request.company), pk=pk)
    initial = {f: getattr(cadence, f) for f in CadenceForm.FIELDS}
    initial.update(stage=cadence.stage_id, tag=cadence.tag_id, owner=cadence.owner_id)
    form = CadenceForm(request.POST or None, company=request.company, initial=initial)
    if request.method == "POST" and form.is_valid() and _save(request, form, cadence):
        messages.success(request, _("The cadence was saved."))
        return redirect("crm:cadence_list")
    return render(request, "crm/cadence_form.html", {"form": form, "cadence": cadence})


@company_view("crm.delete_cadence")
@require_POST
def cadence_delete(request, pk):
    cadence = get_object_or_404(Cadence.objects.filter(company=request.company), pk=pk)
    try:
        services.cadence_delete(cadence=cadence)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The cadence was deleted."))
    return redirect("crm:cadence_list")


@company_view("crm.view_activity")
def cadence_report(request):
    days = int_param(request.GET, "days") or 30
    days = min(days, 3650)
    report = report_query(
        request.company,
        days=days,
        leads=visible(Lead.objects.all(), request),
        opportunities=visible(Opportunity.objects.all(), request),
    )
    return render(request, "crm/cadence_report.html", {"report": report, "days": days})
