"""Quality pages (points, checks to record, held lots, alerts) and a lot's genealogy."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.catalog.forms import add_domain_error
from tandem.core.errors import DomainError
from tandem.core.middleware import request_has_perm
from tandem.core.views import company_view
from tandem.inventory.models import Lot

from . import services
from .forms import QualityAlertForm, QualityPointForm, QualityRecordForm
from .models import AlertState, CheckState, QualityAlert, QualityCheck, QualityPoint
from .services.genealogy import flatten


def _get(model, request, pk):
    obj = model.objects.filter(company=request.company, pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def _back(request, default: str):
    """Where a check's form was posted from (the order page or the quality page)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


def _checks(company):
    return QualityCheck.objects.filter(company=company).select_related(
        "point", "product", "lot", "mo"
    )


@company_view("manufacturing.view_qualitycheck")
def quality(request, point_form=None, alert_form=None, status=200):
    company = request.company
    context = {
        "points": QualityPoint.objects.filter(company=company).select_related(
            "product", "operation__bom__product"
        ),
        "todo": _checks(company).filter(state=CheckState.TODO).order_by("id")[:100],
        "held": _checks(company)
        .filter(state=CheckState.FAIL, released_at__isnull=True)
        .order_by("id")[:100],
        "done": _checks(company).exclude(state=CheckState.TODO).order_by("-checked_at", "-id")[:20],
        "alerts": QualityAlert.objects.filter(company=company, state=AlertState.OPEN)
        .select_related("product", "lot")
        .order_by("-id"),
        "point_form": point_form or QualityPointForm(company=company),
        "alert_form": alert_form or QualityAlertForm(company=company),
        "record_form": QualityRecordForm(),
        "can_check": request_has_perm(request, "manufacturing.change_qualitycheck"),
        "can_add_point": request_has_perm(request, "manufacturing.add_qualitypoint"),
        "can_alert": request_has_perm(request, "manufacturing.change_qualityalert"),
    }
    return render(request, "manufacturing/quality.html", context, status=status)


@require_POST
@company_view("manufacturing.add_qualitypoint")
def quality_point_create(request):
    form = QualityPointForm(request.POST, company=request.company)
    if form.is_valid():
        try:
            services.quality_point_create(company=request.company, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Control point saved."))
            return redirect("manufacturing:quality")
    return quality(request, point_form=form, status=422)


@require_POST
@company_view("manufacturing.change_qualitycheck")
def quality_check_record(request, pk):
    check = _get(QualityCheck, request, pk)
    form = QualityRecordForm(request.POST)
    if form.is_valid():
        try:
            recorded = services.quality_check_record(
                check=check, user=request.user, **form.cleaned_data
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            if recorded.state == CheckState.PASS:
                messages.success(request, _("Check passed."))
            else:
                messages.warning(request, _("Check failed: the lot is held and an alert raised."))
    else:
        messages.error(request, _("Enter a number for the measurement."))
    return _back(request, "manufacturing:quality")


@require_POST
@company_view("manufacturing.change_qualitycheck")
def quality_check_release(request, pk):
    check = _get(QualityCheck, request, pk)
    try:
        services.quality_check_release(
            check=check, note=request.POST.get("note", "")[:500], user=request.user
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Lot released."))
    return _back(request, "manufacturing:quality")


@require_POST
@company_view("manufacturing.add_qualityalert")
def quality_alert_create(request):
    form = QualityAlertForm(request.POST, company=request.company)
    if form.is_valid():
        try:
            services.quality_alert_create(company=request.company, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Alert raised."))
            return redirect("manufacturing:quality")
    return quality(request, alert_form=form, status=422)


@require_POST
@company_view("manufacturing.change_qualityalert")
def quality_alert_close(request, pk):
    try:
        services.quality_alert_close(alert=_get(QualityAlert, request, pk))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Alert closed."))
    return redirect("manufacturing:quality")


@company_view("manufacturing.view_manufacturingorder")
def lot_detail(request, pk):
    lot = _get(Lot, request, pk)
    context = {
        "lot": lot,
        "held": bool(services.held_lots(lot.company_id, [lot.pk])),
        "components": flatten(services.lot_components(lot)),
        "where_used": flatten(services.lot_where_used(lot)),
        "checks": _checks(request.company).filter(lot=lot).order_by("-id"),
        "can_check": request_has_perm(request, "manufacturing.change_qualitycheck"),
    }
    return render(request, "manufacturing/lot_detail.html", context)
