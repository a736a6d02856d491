"""Period-end revaluation pages: the runs, a preview of a period end, posting it, a run's
detail. Thin: services/revaluation.py decides, the API module shapes the figures."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tandem.core.errors import DomainError
from tandem.core.middleware import request_has_perm
from tandem.core.views import company_view

from ..api.revaluation import preview_out, run_out, runs_of
from ..forms import add_domain_error
from ..services import revaluation as services


class RevaluationForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("Period end"), widget=forms.DateInput(attrs={"type": "date"})
    )


def _context(request, **extra) -> dict:
    return {
        "can_run": request_has_perm(request, "accounting.add_fxrevaluation"),
        "runs": runs_of(request.company).order_by("-date")[:24],
        **extra,
    }


@company_view("accounting.view_fxrevaluation")
def revaluation_list(request):
    """The runs; with `?date=` the preview of that period end (nothing written)."""
    form = RevaluationForm(request.GET or None)
    preview = None
    status = 200
    if request.GET and form.is_valid():
        try:
            preview = preview_out(request.company, form.cleaned_data["date"])
        except DomainError as error:
            add_domain_error(form, error)
            status = 422
    elif request.GET:
        status = 422
    context = _context(request, form=form, preview=preview)
    return render(request, "accounting/fx_revaluation_list.html", context, status=status)


@require_POST
@company_view("accounting.add_fxrevaluation")
def revaluation_run(request):
    form = RevaluationForm(request.POST)
    if form.is_valid():
        try:
            run = services.fx_revaluation_run(
                company=request.company, date=form.cleaned_data["date"], user=request.user
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request, _("Open items revalued at %(date)s.") % {"date": f"{run.date:%Y-%m-%d}"}
            )
            return redirect("accounting:fx_revaluation_detail", pk=run.pk)
    context = _context(request, form=form, preview=None)
    return render(request, "accounting/fx_revaluation_list.html", context, status=422)


@company_view("accounting.view_fxrevaluation")
def revaluation_detail(request, pk: int):
    run = runs_of(request.company).select_related("entry", "reversal_entry").filter(pk=pk).first()
    if run is None:
        raise Http404
    return render(
        request,
        "accounting/fx_revaluation_detail.html",
        {"run": run, "figures": run_out(run)},
    )


urlpatterns = [
    path("fx-revaluations/", revaluation_list, name="fx_revaluation_list"),
    path("fx-revaluations/run/", revaluation_run, name="fx_revaluation_run"),
    path("fx-revaluations/<int:pk>/", revaluation_detail, name="fx_revaluation_detail"),
]
