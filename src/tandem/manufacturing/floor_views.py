"""The capacity chart and the shop-floor page (operations to do, start and finish)."""

from decimal import Decimal

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.catalog.services.pricing import company_today
from tandem.core.charts import bar_chart
from tandem.core.errors import DomainError
from tandem.core.middleware import request_has_perm
from tandem.core.views import company_view

from . import services
from .capacity import capacity_load, work_orders
from .models import BomOperation, ManufacturingOrder, WorkCenter, WorkTimer


def _get(model, request, pk):
    obj = model.objects.filter(company=request.company, pk=pk).first()
    if obj is None:
        raise Http404
    return obj


@company_view("manufacturing.view_workcenter")
def capacity(request):
    try:
        weeks = min(max(int(request.GET.get("weeks", 8)), 1), 26)
    except ValueError:
        weeks = 8
    centers = capacity_load(request.company, start=company_today(request.company), weeks=weeks)
    floor = reverse("manufacturing:shop_floor")
    for center in centers:
        url = f"{floor}?center={center['work_center'].pk}"
        points = [(row["week"].strftime("%m-%d"), row["load"], url) for row in center["weeks"]]
        overloaded = [i for i, row in enumerate(center["weeks"]) if row["overloaded"]]
        center["chart"] = bar_chart(points, highlight=overloaded[0] if overloaded else None)
        center["overloads"] = len(overloaded)
    return render(request, "manufacturing/capacity.html", {"centers": centers, "weeks": weeks})


@company_view("manufacturing.view_manufacturingorder")
def shop_floor(request):
    company = request.company
    centers = list(WorkCenter.objects.filter(company=company, active=True).order_by("code"))
    center = None
    if request.GET.get("center", "").isdigit():
        center = next((c for c in centers if c.pk == int(request.GET["center"])), None)
    center = center or (centers[0] if centers else None)
    rows = work_orders(company, work_center=center) if center else []
    running = {
        (t.mo_id, t.operation_id): t
        for t in WorkTimer.objects.filter(company=company, mo__in=[r["mo"] for r in rows])
    }
    for row in rows:
        row["timer"] = running.get((row["mo"].pk, row["operation"].pk))
        row["startable"] = row["mo"].state != "draft"
    context = {
        "centers": centers,
        "center": center,
        "rows": rows,
        "can_work": request_has_perm(request, "manufacturing.change_manufacturingorder"),
        "hours_left": sum((r["hours_left"] for r in rows), Decimal(0)),
    }
    return render(request, "manufacturing/shop_floor.html", context)


@require_POST
@company_view("manufacturing.change_manufacturingorder")
def shop_floor_action(request, mo_pk, op_pk, action):
    mo = _get(ManufacturingOrder, request, mo_pk)
    operation = _get(BomOperation, request, op_pk)
    if action not in ("start", "finish"):
        raise Http404
    try:
        if action == "start":
            services.work_start(mo=mo, operation=operation, user=request.user)
            messages.success(request, _("Started."))
        else:
            log = services.work_finish(mo=mo, operation=operation, user=request.user)
            messages.success(
                request, _("Finished: %(minutes)s minutes logged.") % {"minutes": log.minutes}
            )
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(f"{reverse('manufacturing:shop_floor')}?center={operation.work_center_id}")
