"""Manufacturing pages: thin, every change goes through the services."""

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tandem.catalog.forms import add_domain_error
from tandem.catalog.services.pricing import company_today
from tandem.core.errors import DomainError
from tandem.core.jobs import job_for_request, job_start
from tandem.core.middleware import request_has_perm
from tandem.core.models import Job, JobState
from tandem.core.views import company_view

from . import queries, services
from .forms import (
    BomForm,
    BomLineForm,
    ForecastForm,
    OrderForm,
    ProduceForm,
    ScrapForm,
    WorkCenterForm,
    WorkLogForm,
)
from .jobs import MRP_RUN
from .models import (
    Bom,
    DemandForecast,
    ManufacturingOrder,
    MoState,
    MrpBucket,
    MrpMessage,
    MrpMode,
    MrpRun,
    PlannedKind,
    PlannedOrder,
    WorkCenter,
)

PAGE_SIZE = 50
LINE_ROWS = 8


def _get(model, request, pk):
    obj = model.objects.filter(company=request.company, pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def _page(request, template, context, status=200):
    context["can_edit"] = request_has_perm(request, "manufacturing.change_manufacturingorder")
    context["can_edit_bom"] = request_has_perm(request, "manufacturing.change_bom")
    return render(request, template, context, status=status)


@company_view("manufacturing.view_manufacturingorder")
def home(request):
    recent = ManufacturingOrder.objects.filter(company=request.company).select_related("product")
    return _page(
        request,
        "manufacturing/home.html",
        {
            "states": queries.orders_by_state(request.company),
            "open_orders": recent.exclude(state__in=[MoState.DONE, MoState.CANCELLED])[:20],
        },
    )


# -- work centres --------------------------------------------------------------------------


@company_view("manufacturing.view_workcenter")
def work_center_list(request):
    rows = WorkCenter.objects.filter(company=request.company).select_related("calendar")
    rows = rows.order_by("code")
    return _page(request, "manufacturing/work_center_list.html", {"rows": rows})


def _work_center_form(request, obj):
    if request.method == "POST":
        form = WorkCenterForm(request.POST, company=request.company)
        if form.is_valid():
            try:
                if obj is None:
                    services.work_center_create(company=request.company, **form.cleaned_data)
                else:
                    services.work_center_update(work_center=obj, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Work centre saved."))
                return redirect("manufacturing:work_center_list")
        return _page(request, "manufacturing/form.html", {"form": form, "obj": obj}, status=422)
    initial = {f: getattr(obj, f) for f in WorkCenterForm.base_fields} if obj else None
    form = WorkCenterForm(initial=initial, company=request.company)
    return _page(request, "manufacturing/form.html", {"form": form, "obj": obj})


@company_view("manufacturing.add_workcenter")
def work_center_create(request):
    return _work_center_form(request, None)


@company_view("manufacturing.change_workcenter")
def work_center_edit(request, pk):
    return _work_center_form(request, _get(WorkCenter, request, pk))


# -- BOMs ----------------------------------------------------------------------------------


@company_view("manufacturing.view_bom")
def bom_list(request):
    rows = (
        Bom.objects.filter(company=request.company)
        .select_related("product", "uom")
        .order_by("product__sku", "-version")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(request, "manufacturing/bom_list.html", {"page": page})


@company_view("manufacturing.view_bom")
def bom_detail(request, pk):
    bom = _get(Bom, request, pk)
    quantity = request.GET.get("quantity") or bom.quantity
    try:
        cost = services.bom_cost(bom=bom, quantity=quantity)
    except DomainError as error:
        messages.error(request, error.message)
        cost = services.bom_cost(bom=bom)
    return _page(
        request,
        "manufacturing/bom_detail.html",
        {
            "bom": bom,
            "cost": cost,
            "lines": bom.lines.select_related("product", "uom"),
            "byproducts": bom.byproducts.select_related("product", "uom"),
            "operations": bom.operations.select_related("work_center"),
            "where_used": services.bom_where_used(product=bom.product),
        },
    )


LineFormSet = django_forms.formset_factory(BomLineForm, extra=0)


def _line_formset(request, bom):
    kwargs = {"form_kwargs": {"company": request.company}, "prefix": "lines"}
    if request.method == "POST":
        return LineFormSet(request.POST, **kwargs)
    initial = []
    if bom is not None:
        initial = [
            {
                "product": line.product_id,
                "quantity": line.quantity,
                "uom": line.uom_id,
                "kind": line.kind,
            }
            for line in bom.lines.all()
        ]
    initial += [{}] * LINE_ROWS
    return LineFormSet(initial=initial, **kwargs)


def _bom_form(request, bom):
    company = request.company
    initial = None
    if bom is not None:
        initial = {f: getattr(bom, f) for f in BomForm.base_fields if f not in ("product", "uom")}
        initial.update(product=bom.product_id, uom=bom.uom_id)
    form_kwargs = {"company": company, "initial": initial}
    if request.method == "POST":
        form = BomForm(request.POST, **form_kwargs)
        if bom is not None:
            form.fields["product"].disabled = True
        lines = _line_formset(request, bom)
        if form.is_valid() and lines.is_valid():
            rows = [
                {
                    "product": row["product"],
                    "quantity": row["quantity"],
                    "uom": row["uom"],
                    "kind": row["kind"] or "component",
                }
                for row in lines.cleaned_data
                if row.get("product")
            ]
            data = dict(form.cleaned_data)
            try:
                if bom is None:
                    bom = services.bom_create(company=company, lines=rows, **data)
                else:
                    data.pop("product")
                    services.bom_update(bom=bom, lines=rows, **data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Bill of materials saved."))
                return redirect("manufacturing:bom_detail", pk=bom.pk)
        context = {"form": form, "lines": lines, "obj": bom}
        return _page(request, "manufacturing/bom_form.html", context, status=422)
    form = BomForm(**form_kwargs)
    if bom is not None:
        form.fields["product"].disabled = True
    context = {"form": form, "lines": _line_formset(request, bom), "obj": bom}
    return _page(request, "manufacturing/bom_form.html", context)


@company_view("manufacturing.add_bom")
def bom_create(request):
    return _bom_form(request, None)


@company_view("manufacturing.change_bom")
def bom_edit(request, pk):
    return _bom_form(request, _get(Bom, request, pk))


# -- manufacturing orders ------------------------------------------------------------------


@company_view("manufacturing.view_manufacturingorder")
def order_list(request):
    rows = ManufacturingOrder.objects.filter(company=request.company).select_related(
        "product", "uom"
    )
    state = request.GET.get("state", "")
    if state in MoState.values:
        rows = rows.filter(state=state)
    page = Paginator(rows.order_by("-planned_start", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return _page(
        request,
        "manufacturing/order_list.html",
        {"page": page, "state": state, "states": MoState.choices},
    )


@company_view("manufacturing.add_manufacturingorder")
def order_create(request):
    company = request.company
    if request.method == "POST":
        form = OrderForm(request.POST, company=company)
        if form.is_valid():
            try:
                mo = services.mo_create(company=company, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                return redirect("manufacturing:order_detail", pk=mo.pk)
        return _page(request, "manufacturing/form.html", {"form": form}, status=422)
    initial = {"bom": request.GET.get("bom")} if request.GET.get("bom") else None
    form = OrderForm(company=company, initial=initial)
    return _page(request, "manufacturing/form.html", {"form": form})


def _order_context(request, mo, **forms_):
    company = request.company
    context = {
        "mo": mo,
        "components": mo.components.select_related("product__uom"),
        "outputs": mo.outputs.select_related("product__uom"),
        "work_logs": mo.work_logs.select_related("work_center", "operation"),
        "scraps": mo.scraps.select_related("product"),
        "cost": queries.mo_cost(mo),
        "entries": queries.mo_entries(mo),
        "produce_form": ProduceForm(initial={"quantity": mo.quantity_left or None}),
        "scrap_form": ScrapForm(company=company),
        "work_form": WorkLogForm(company=company),
        "open": mo.state in (MoState.CONFIRMED, MoState.IN_PROGRESS),
        "checks": mo.quality_checks.select_related("point", "product", "lot", "mo"),
        "lots_made": queries.lots_made(mo),
        "can_check": request_has_perm(request, "manufacturing.change_qualitycheck"),
    }
    context.update(forms_)
    return context


@company_view("manufacturing.view_manufacturingorder")
def order_detail(request, pk):
    mo = _get(ManufacturingOrder, request, pk)
    return _page(request, "manufacturing/order_detail.html", _order_context(request, mo))


ACTIONS = {
    "confirm": lambda mo, request: services.mo_confirm(mo=mo),
    "assign": lambda mo, request: services.mo_assign(mo=mo),
    "done": lambda mo, request: services.mo_done(mo=mo, user=request.user),
    "cancel": lambda mo, request: services.mo_cancel(mo=mo),
}
MESSAGES = {
    "confirm": gettext_lazy("Order confirmed."),
    "assign": gettext_lazy("Components reserved."),
    "done": gettext_lazy("Order done."),
    "cancel": gettext_lazy("Order cancelled."),
}


@require_POST
@company_view("manufacturing.change_manufacturingorder")
def order_action(request, pk, action):
    mo = _get(ManufacturingOrder, request, pk)
    if action in ACTIONS:
        try:
            ACTIONS[action](mo, request)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, MESSAGES[action])
        return redirect("manufacturing:order_detail", pk=pk)
    company = request.company
    form_class, key = {
        "produce": (ProduceForm, "produce_form"),
        "scrap": (ScrapForm, "scrap_form"),
        "work": (WorkLogForm, "work_form"),
    }.get(action, (None, None))
    if form_class is None:
        raise Http404
    kwargs = {} if form_class is ProduceForm else {"company": company}
    form = form_class(request.POST, **kwargs)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "produce":
                services.mo_produce(
                    mo=mo,
                    allow_overproduction=request_has_perm(request, "manufacturing.overproduce"),
                    user=request.user,
                    **data,
                )
            elif action == "scrap":
                services.mo_scrap(mo=mo, user=request.user, **data)
            else:
                services.mo_log_work(mo=mo, user=request.user, **data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("manufacturing:order_detail", pk=pk)
    mo.refresh_from_db()
    context = _order_context(request, mo, **{key: form})
    return _page(request, "manufacturing/order_detail.html", context, status=422)


# -- MRP -----------------------------------------------------------------------------------


@company_view("manufacturing.view_plannedorder")
def mrp(request):
    """The last run's planned orders, what each serves, and the run's progress."""
    kind = request.GET.get("kind", "")
    rows = (
        PlannedOrder.objects.filter(company=request.company)
        .select_related("product", "supplier", "purchase_order", "manufacturing_order")
        .prefetch_related("pegging")
        .order_by("state", "release_date", "id")
    )
    if kind in PlannedKind.values:
        rows = rows.filter(kind=kind)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(
        request,
        "manufacturing/mrp.html",
        {
            "page": page,
            "kind": kind,
            "kinds": PlannedKind.choices,
            "today": company_today(request.company),
            "job": job_for_request(request, request.GET.get("job")),
            "can_plan": request_has_perm(request, "manufacturing.change_plannedorder"),
            "advice": MrpMessage.objects.filter(company=request.company)
            .select_related("product")
            .order_by("kind", "current_date", "id")[:200],
            "last_run": MrpRun.objects.filter(company=request.company)
            .order_by("-started_at", "-id")
            .first(),
            "buckets": MrpBucket.choices,
            "modes": MrpMode.choices,
        },
    )


@require_POST
@company_view("manufacturing.add_plannedorder")
def mrp_run(request):
    running = Job.objects.filter(
        company=request.company, kind=MRP_RUN, state__in=(JobState.QUEUED, JobState.RUNNING)
    ).first()
    if running is not None:
        messages.error(request, _("An MRP run is under way for this company."))
        return redirect(reverse("manufacturing:mrp") + f"?job={running.pk}")
    bucket = request.POST.get("bucket", MrpBucket.DAY)
    mode = request.POST.get("mode", MrpMode.REGENERATIVE)
    params = {
        "bucket": bucket if bucket in MrpBucket.values else MrpBucket.DAY,
        "mode": mode if mode in MrpMode.values else MrpMode.REGENERATIVE,
        "analytics_forecast": request.POST.get("analytics_forecast") == "on",
    }
    job = job_start(MRP_RUN, company=request.company, user=request.user, params=params)
    return redirect(reverse("manufacturing:mrp") + f"?job={job.pk}")


@company_view("manufacturing.view_plannedorder")
def forecast_list(request):
    """The manual demand forecast per product and period, with a form to add one."""
    can_edit = request_has_perm(request, "manufacturing.add_plannedorder")
    form = ForecastForm(request.POST or None, company=request.company)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.forecast_create(company=request.company, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Forecast saved."))
                return redirect("manufacturing:forecast_list")
    rows = (
        DemandForecast.objects.filter(company=request.company)
        .select_related("product__uom")
        .order_by("date_from", "product__sku", "id")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(
        request,
        "manufacturing/forecast_list.html",
        {"page": page, "form": form, "can_edit": can_edit},
    )


@require_POST
@company_view("manufacturing.delete_plannedorder")
def forecast_delete(request, pk):
    services.forecast_delete(forecast=_get(DemandForecast, request, pk))
    messages.success(request, _("Forecast deleted."))
    return redirect("manufacturing:forecast_list")


@require_POST
@company_view("manufacturing.change_plannedorder")
def mrp_firm(request, pk):
    planned = _get(PlannedOrder, request, pk)
    try:
        firmed = services.planned_order_firm(planned=planned, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if firmed.purchase_order_id:
            messages.success(request, _("Draft purchase order made."))
        else:
            messages.success(request, _("Draft manufacturing order made."))
    return redirect("manufacturing:mrp")
