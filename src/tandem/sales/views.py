"""Sales pages (thin: forms parse, services decide, queries read)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.core.errors import DomainError
from tandem.core.exports import export_response
from tandem.core.lines import LineEditor, figures_context
from tandem.core.middleware import request_has_perm
from tandem.core.views import company_view

from . import services
from .forms import (
    CalendarForm,
    ExceptionFilterForm,
    OrderFilterForm,
    OrderForm,
    ResolveForm,
    SlaPolicyForm,
    add_domain_error,
    line_editor,
)
from .models import (
    STAGE_ORDER,
    OrderException,
    ReturnState,
    SalesOrder,
    SalesOrderLine,
    SalesReturn,
    SlaPolicy,
    Stage,
)
from .queries import exceptions_filtered, fulfilment_report, orders_filtered, returns_filtered
from .services._common import awaits_payment

PAGE_SIZE = 50


def _perms(request) -> dict:
    return {
        f"{action}_{model}": request_has_perm(request, f"sales.{action}_{model}")
        for model in (
            "salesorder",
            "orderexception",
            "slapolicy",
            "businesscalendar",
            "salesreturn",
        )
        for action in ("add", "change", "delete", "view")
    }


def _page(request, template, context, status=200):
    context.setdefault("perms_sales", _perms(request))
    return render(request, template, context, status=status)


# -- dashboard -----------------------------------------------------------------------------


@company_view("sales.view_salesorder")
def home(request):
    report = fulfilment_report(request.company)
    top = max([row["reached"] for row in report["rows"]] + [1])
    for row in report["rows"]:
        row["label"] = Stage(row["stage"]).label
        row["width"] = int(row["reached"] * 100 / top)
    kinds = report["totals"]["open_exceptions"]
    top_kind = max(list(kinds.values()) + [1])
    exceptions = [
        {"kind": kind, "count": count, "width": int(count * 100 / top_kind)}
        for kind, count in kinds.items()
    ]
    return _page(
        request,
        "sales/home.html",
        {"report": report, "exceptions": exceptions},
    )


# -- orders --------------------------------------------------------------------------------

EXPORT_HEADERS = [
    "number",
    "quotation_number",
    "state",
    "customer",
    "order_date",
    "currency",
    "untaxed_amount",
    "tax_amount",
    "total_amount",
    "delivery_status",
    "invoice_status",
    "payment_status",
    "channel",
    "external_reference",
]


@company_view("sales.view_salesorder")
def order_list(request):
    company = request.company
    form = OrderFilterForm(request.GET or None, company=company)
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "state": data.get("state") or "",
            "party": data["party"].pk if data.get("party") else None,
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "search": data.get("q") or "",
        }
    qs = orders_filtered(company, **filters)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        rows = qs.values_list(
            "number",
            "quotation_number",
            "state",
            "party__name",
            "order_date",
            "currency_id",
            "untaxed_amount",
            "tax_amount",
            "total_amount",
            "delivery_status",
            "invoice_status",
            "payment_status",
            "channel",
            "external_reference",
        )
        return export_response(
            fmt=fmt, filename="sales-orders", headers=EXPORT_HEADERS, rows=rows.iterator()
        )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "query": request.GET.urlencode()}
    if request.htmx:
        return _page(request, "sales/_order_table.html", context)
    return _page(request, "sales/order_list.html", context)


def _order_or_404(request, pk):
    qs = SalesOrder.objects.filter(company=request.company).select_related(
        "party", "payment_term", "salesperson"
    )
    return get_object_or_404(qs, pk=pk)


@company_view("sales.view_salesorder")
def order_detail(request, pk):
    order = _order_or_404(request, pk)
    lines = list(
        SalesOrderLine.objects.filter(order=order)
        .select_related("product", "uom")
        .prefetch_related("taxes")
        .order_by("sequence", "pk")
    )
    stage_at = {e.stage: e for e in order.stage_events.select_related("by")}
    timeline = [
        {"stage": s, "label": Stage(s).label, "event": stage_at.get(s)} for s in STAGE_ORDER
    ]
    context = {
        "order": order,
        "lines": lines,
        "timeline": timeline,
        "transfers": list(order.transfers.order_by("pk")),
        "invoices": list(order.invoices.order_by("pk")),
        "exceptions": list(order.exceptions.select_related("owner")),
        "logs": list(order.logs.select_related("user")),
        "returns": list(order.returns.select_related("credit_note").order_by("pk")),
        "resolve_form": ResolveForm(),
        "can_override": request_has_perm(request, "sales.override_credit_limit"),
        "awaiting_payment": awaits_payment(order),
        "actions": order.available_actions,
    }
    return _page(request, "sales/order_detail.html", context)


def _header(form) -> dict:
    data = dict(form.cleaned_data)
    party = data.pop("party")
    if not data.get("order_date"):
        data.pop("order_date", None)
    if data.get("price_list") is None:
        data.pop("price_list", None)  # the service picks the customer's or the default
    return {"party": party, **data}


def _editor_context(editor: LineEditor) -> dict:
    return editor.context(
        preview_url=reverse("sales:order_preview"),
        party_field="party",
        date_field="order_date",
        price_list_field="price_list",
    )


def _figures(request, form, editor) -> dict:
    """The quotation's figures by the service that saves it (nothing written)."""
    if not (form.is_valid() and editor.valid and editor.lines):
        return {}
    header = _header(form)
    try:
        computed, figures = services.orders.sales_order_preview(
            company=request.company, user=request.user, lines=editor.lines, **header
        )
    except DomainError as error:
        add_domain_error(form, error, editor=editor)
        return {}
    editor.show(computed)
    return figures_context(figures, computed[0].order.currency_id if computed else "")


def _order_form(request, order=None):
    company = request.company
    editor = line_editor(company)
    status = 200
    if request.method == "POST":
        form = OrderForm(request.POST, company=company)
        editor.parse(request.POST)
        if form.is_valid() and editor.valid:
            try:
                if order is None:
                    order = services.sales_order_create(
                        company=company, user=request.user, lines=editor.lines, **_header(form)
                    )
                else:
                    services.sales_order_update(
                        order=order, user=request.user, lines=editor.lines, **_header(form)
                    )
            except DomainError as error:
                add_domain_error(form, error, editor=editor)
            else:
                messages.success(request, _("Quotation saved."))
                return redirect("sales:order_detail", order.pk)
        status = 422
        figures = _figures(request, form, editor) if editor.valid else {}
    else:
        initial = {}
        if order is not None:
            initial = {
                "party": order.party_id,
                "price_list": order.price_list_id,
                "order_date": order.order_date,
                "commitment_date": order.commitment_date,
                "channel": order.channel,
                "external_reference": order.external_reference,
                "language": order.language,
                "note": order.note,
                "prepaid": "true" if order.prepaid else "false",
            }
            editor.load(
                order.lines.select_related("product")
                .prefetch_related("taxes")
                .order_by("sequence", "pk")
            )
        else:
            editor.blank()
            if request.GET.get("party"):
                initial = {"party": request.GET["party"]}
        form = OrderForm(initial=initial, company=company)
        figures = {}
        if order is not None:
            bound = OrderForm({**initial, "party": order.party_id}, company=company)
            figures = _figures(request, bound, editor.parse(_posted(editor)))
    context = {
        "form": form,
        "editor": _editor_context(editor),
        "figures": figures,
        "order": order,
    }
    return _page(request, "sales/order_form.html", context, status=status)


def _posted(editor: LineEditor) -> QueryDict:
    """The loaded rows as the page would post them (to preview a saved quotation)."""
    data = QueryDict(mutable=True)
    for row in editor.rows:
        for name in ("product", "description", "quantity", "uom", "unit_price", "discount"):
            data[f"lines-{row['key']}-{name}"] = row[name]
        data[f"lines-{row['key']}-taxes_set"] = "1"
        data.setlist(f"lines-{row['key']}-taxes", row["taxes"])
    return data


@require_POST
@company_view("sales.view_salesorder")
def order_preview(request):
    """HTMX: the live totals of the quotation being typed, with each line's amount and any
    refused cell, computed by sales_order_preview (the code that saves)."""
    company = request.company
    form = OrderForm(request.POST, company=company)
    editor = line_editor(company).parse(request.POST)
    figures = _figures(request, form, editor)
    return render(
        request,
        "web/_line_totals.html",
        {"figures": figures, "editor": _editor_context(editor), "oob": True},
    )


@company_view("sales.add_salesorder")
def order_create(request):
    return _order_form(request)


@company_view("sales.change_salesorder")
def order_edit(request, pk):
    order = _order_or_404(request, pk)
    if not order.is_draft:
        messages.error(request, _("Only quotations can be changed."))
        return redirect("sales:order_detail", pk)
    return _order_form(request, order)


def _run(request, row, run, done_message, detail: str):
    """Run a workflow action on `row`, say how it went, and go back to its page."""
    try:
        run(row)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done_message)
    return redirect(detail, row.pk)


def _action(request, pk, run, done_message):
    return _run(request, _order_or_404(request, pk), run, done_message, "sales:order_detail")


@require_POST
@company_view("sales.change_salesorder")
def order_send(request, pk):
    return _action(
        request,
        pk,
        lambda o: services.sales_order_send(order=o, user=request.user),
        _("Quotation sent."),
    )


@require_POST
@company_view("sales.change_salesorder")
def order_confirm(request, pk):
    override = request.POST.get("override_credit") == "1"
    return _action(
        request,
        pk,
        lambda o: services.sales_order_confirm(
            order=o, user=request.user, override_credit=override
        ),
        _("Order confirmed."),
    )


@require_POST
@company_view("sales.change_salesorder")
def order_cancel(request, pk):
    return _action(
        request,
        pk,
        lambda o: services.sales_order_cancel(
            order=o, user=request.user, reason=request.POST.get("reason", "")[:500]
        ),
        _("Order cancelled."),
    )


@require_POST
@company_view("sales.change_salesorder")
def order_invoice(request, pk):
    if not request_has_perm(request, "accounting.add_invoice") or not request_has_perm(
        request, "accounting.manage_customer_invoices"
    ):
        raise PermissionDenied
    return _action(
        request,
        pk,
        lambda o: services.sales_order_invoice(orders=[o], user=request.user),
        _("Invoice created."),
    )


@require_POST
@company_view("sales.change_salesorder")
def order_step(request, pk, step):
    if not request_has_perm(request, "inventory.change_transfer"):
        raise PermissionDenied
    return _action(
        request,
        pk,
        lambda o: services.delivery_step(
            order=o,
            step=step,
            user=request.user,
            carrier=request.POST.get("carrier", ""),
            tracking_reference=request.POST.get("tracking_reference", ""),
        ),
        _("Delivery step recorded."),
    )


@require_POST
@company_view("sales.delete_salesorder")
def order_delete(request, pk):
    order = _order_or_404(request, pk)
    try:
        services.sales_order_delete(order=order)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("sales:order_detail", pk)
    messages.success(request, _("Quotation deleted."))
    return redirect("sales:order_list")


@company_view("sales.view_salesorder")
def order_pdf(request, pk):
    order = _order_or_404(request, pk)
    response = HttpResponse(services.order_pdf(order), content_type="application/pdf")
    name = str(order).replace("/", "-")
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


# -- exceptions ----------------------------------------------------------------------------


@company_view("sales.view_orderexception")
def exception_list(request):
    form = ExceptionFilterForm(request.GET or None)
    filters = {"state": "open"} if not request.GET else {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "kind": data.get("kind") or "",
            "state": data.get("state") or "",
            "owner": request.user.pk if data.get("mine") else None,
        }
    qs = exceptions_filtered(request.company, **filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(
        request,
        "sales/exception_list.html",
        {"form": form, "page": page, "resolve_form": ResolveForm()},
    )


@require_POST
@company_view("sales.change_orderexception")
def exception_resolve(request, pk):
    exception = get_object_or_404(OrderException, company=request.company, pk=pk)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a resolution note."))
    else:
        try:
            services.order_exception_resolve(
                exception=exception, note=form.cleaned_data["note"], user=request.user
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Exception resolved."))
    return redirect(request.POST.get("next") or "sales:exception_list")


# -- settings ------------------------------------------------------------------------------


@company_view("sales.view_slapolicy")
def sla_settings(request):
    company = request.company
    calendar = services.calendar_for(company)
    sla_form = SlaPolicyForm(prefix="sla")
    calendar_form = CalendarForm(
        prefix="cal",
        initial={
            "country": calendar.country,
            "subdivision": calendar.subdivision,
            "working_days": [str(d) for d in sorted(calendar.weekdays)],
            "work_start": calendar.work_start,
            "work_end": calendar.work_end,
            "time_zone": calendar.time_zone,
        },
    )
    if request.method == "POST":
        if "add_policy" in request.POST:
            if not request_has_perm(request, "sales.add_slapolicy"):
                raise PermissionDenied
            sla_form = SlaPolicyForm(request.POST, prefix="sla")
            if sla_form.is_valid():
                try:
                    services.sla_policy_create(company=company, **sla_form.cleaned_data)
                except DomainError as error:
                    add_domain_error(sla_form, error)
                else:
                    messages.success(request, _("SLA policy saved."))
                    return redirect("sales:sla_settings")
        elif "delete_policy" in request.POST:
            if not request_has_perm(request, "sales.delete_slapolicy"):
                raise PermissionDenied
            policy = get_object_or_404(
                SlaPolicy, company=company, pk=request.POST.get("delete_policy")
            )
            services.sla_policy_delete(policy=policy)
            messages.success(request, _("SLA policy deleted."))
            return redirect("sales:sla_settings")
        elif "save_calendar" in request.POST:
            if not request_has_perm(request, "sales.change_businesscalendar"):
                raise PermissionDenied
            calendar_form = CalendarForm(request.POST, prefix="cal")
            if calendar_form.is_valid():
                try:
                    services.calendar_update(company=company, **calendar_form.cleaned_data)
                except DomainError as error:
                    add_domain_error(calendar_form, error)
                else:
                    messages.success(request, _("Business calendar saved."))
                    return redirect("sales:sla_settings")
    return _page(
        request,
        "sales/sla_settings.html",
        {
            "policies": list(SlaPolicy.objects.filter(company=company).order_by("id")),
            "sla_form": sla_form,
            "calendar_form": calendar_form,
            "calendar": calendar,
        },
    )


@require_POST
@company_view("sales.change_salesorder")
def order_delivery_failed(request, pk):
    return _action(
        request,
        pk,
        lambda o: services.delivery_failed(
            order=o, note=request.POST.get("note", ""), user=request.user
        ),
        _("Failed delivery recorded."),
    )


# -- returns -------------------------------------------------------------------------------


@company_view("sales.view_salesreturn")
def return_list(request):
    state = request.GET.get("state", "")
    if state not in {"", *ReturnState.values}:
        state = ""
    qs = returns_filtered(request.company, state=state)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "state": state, "states": ReturnState.choices}
    return _page(request, "sales/return_list.html", context)


def _return_or_404(request, pk):
    qs = SalesReturn.objects.filter(company=request.company).select_related(
        "order", "party", "transfer", "scrap_transfer", "credit_note", "refund"
    )
    return get_object_or_404(qs, pk=pk)


@company_view("sales.view_salesreturn")
def return_detail(request, pk):
    row = _return_or_404(request, pk)
    lines = list(row.lines.select_related("order_line__product", "order_line__uom").order_by("pk"))
    return _page(request, "sales/return_detail.html", {"ret": row, "lines": lines})


@company_view("sales.add_salesreturn")
def return_create(request, pk):
    """The order's lines with what may still come back; blank quantities are skipped."""
    from .services.returns import returned_quantities

    order = _order_or_404(request, pk)
    lines = list(
        SalesOrderLine.objects.filter(order=order)
        .select_related("product", "uom")
        .order_by("sequence", "pk")
    )
    returned = returned_quantities(order.pk)
    for line in lines:
        line.returned = returned.get(line.pk, 0)
    error = None
    if request.method == "POST":
        wanted = []
        for line in lines:
            raw = request.POST.get(f"qty_{line.pk}", "").strip()
            if raw:
                wanted.append(
                    {
                        "order_line": line.pk,
                        "quantity": raw,
                        "to_scrap": request.POST.get(f"scrap_{line.pk}") == "1",
                    }
                )
        try:
            row = services.sales_return_create(
                order=order,
                lines=wanted,
                reason=request.POST.get("reason", "")[:500],
                user=request.user,
            )
        except DomainError as failure:
            error = failure.message
        else:
            messages.success(request, _("Return created."))
            return redirect("sales:return_detail", row.pk)
    context = {"order": order, "lines": lines, "error": error}
    return _page(request, "sales/return_form.html", context, status=422 if error else 200)


def _return_action(request, pk, run, done_message):
    return _run(request, _return_or_404(request, pk), run, done_message, "sales:return_detail")


@require_POST
@company_view("sales.change_salesreturn")
def return_receive(request, pk):
    needed = (
        "inventory.change_transfer",
        "accounting.add_invoice",
        "accounting.manage_customer_invoices",
    )
    if not all(request_has_perm(request, perm) for perm in needed):
        raise PermissionDenied
    return _return_action(
        request,
        pk,
        lambda r: services.sales_return_receive(sales_return=r, user=request.user),
        _("Goods received and credit note posted."),
    )


@require_POST
@company_view("sales.change_salesreturn")
def return_refund(request, pk):
    if not request_has_perm(request, "accounting.add_payment"):
        raise PermissionDenied
    return _return_action(
        request,
        pk,
        lambda r: services.sales_return_refund(sales_return=r, user=request.user),
        _("Refund paid."),
    )


@require_POST
@company_view("sales.change_salesreturn")
def return_cancel(request, pk):
    return _return_action(
        request,
        pk,
        lambda r: services.sales_return_cancel(sales_return=r, user=request.user),
        _("Return cancelled."),
    )
