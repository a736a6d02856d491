"""The sales performance (业绩) leaderboard with targets, drawn as inline SVG bars."""

from datetime import date

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tandem.core.views import company_view

from .. import services
from ..forms import TargetForm
from ..models import SalesTarget, SalesTeam, TargetMeasure, TargetPeriod
from ..queries.performance import performance
from ._common import int_param, need, perms


def _on(params) -> date:
    try:
        return date.fromisoformat(params.get("on", ""))
    except ValueError:
        return timezone.localdate()


@company_view("crm.view_opportunity")
@require_http_methods(["GET", "POST"])
def leaderboard(request):
    company = request.company
    period = request.GET.get("period", TargetPeriod.MONTH)
    period = period if period in TargetPeriod.values else TargetPeriod.MONTH
    measure = request.GET.get("measure", TargetMeasure.WON_REVENUE)
    measure = measure if measure in TargetMeasure.values else TargetMeasure.WON_REVENUE
    teams = SalesTeam.objects.filter(company=company)
    team = teams.filter(pk=int_param(request.GET, "team") or 0).first()
    on = _on(request.GET)
    form = TargetForm(
        request.POST or None,
        company=company,
        initial={"period": period, "period_start": on, "measure": measure},
    )
    if request.method == "POST":
        need(request, "crm.add_salestarget")
        if form.is_valid() and form.run(services.target_set, company=company, **form.cleaned_data):
            messages.success(request, _("The target was saved."))
            return redirect(request.get_full_path())
    report = performance(company, period=period, on=on, measure=measure, team=team)
    key = "won_revenue" if measure == TargetMeasure.WON_REVENUE else "invoiced_revenue"
    top = max([r[key] for r in report["rows"]] + [r["target"] or 0 for r in report["rows"]] + [1])
    for row in report["rows"]:
        row["bar"] = float(row[key] * 100 / top)
        row["target_mark"] = float((row["target"] or 0) * 100 / top) if row["target"] else None
    targets = (
        SalesTarget.objects.filter(company=company, period=period, period_start=report["start"])
        .select_related("user", "team")
        .order_by("team__name", "user__username")
    )
    return render(
        request,
        "crm/performance.html",
        {
            "report": report,
            "period": period,
            "measure": measure,
            "key": key,
            "on": on,
            "team": team,
            "teams": teams,
            "periods": TargetPeriod.choices,
            "measures": TargetMeasure.choices,
            "form": form,
            "targets": targets,
            "perms_crm": perms(request, "salestarget"),
        },
    )


@company_view("crm.delete_salestarget")
@require_POST
def target_delete(request, pk):
    target = get_object_or_404(SalesTarget.objects.filter(company=request.company), pk=pk)
    services.target_delete(target=target)
    messages.success(request, _("The target was deleted."))
    return redirect("crm:performance")
