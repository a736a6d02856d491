"""Purchasing pages (thin: forms parse, services decide, queries read)."""

import secrets
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.accounting.services.taxes import accounting_settings, taxes_compute
from tandem.core.errors import DomainError
from tandem.core.exports import export_response
from tandem.core.jobs import job_for_request, job_start
from tandem.core.middleware import request_has_perm

from . import queries, services
from .forms import (
    OrderFilterForm,
    OrderForm,
    ReorderRuleForm,
    SupplierPriceForm,
    add_domain_error,
    line_choices,
    parse_lines,
    rows_of,
)
from .jobs import REPLENISHMENT
from .models import OrderState, PurchaseOrder, ReorderRule, SupplierPrice

PAGE_SIZE = 50
MODELS = ("purchaseorder", "supplierprice", "reorderrule")


def purchasing_view(perm: str):
    """Logged in, acting in a company, holding `perm` (e.g. ``purchasing.view_purchaseorder``)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.company is None or not request_has_perm(request, perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _perms(request) -> dict:
    return {
        f"{action}_{model}": request_has_perm(request, f"purchasing.{action}_{model}")
        for model in MODELS
        for action in ("add", "change", "delete", "view")
    }


def _page(request, template, context, status=200):
    context.setdefault("perms_purchasing", _perms(request))
    return render(request, template, context, status=status)


def _get(model, request, pk):
    obj = model.objects.filter(company=request.company, pk=pk).first()
    if obj is None:
        raise Http404
    return obj


# -- home ----------------------------------------------------------------------------------


@purchasing_view("purchasing.view_purchaseorder")
def home(request):
    company = request.company
    return _page(
        request,
        "purchasing/home.html",
        {
            "overview": queries.overview(company),
            "rfqs": queries.orders(company, state=OrderState.DRAFT)[:10],
            "waiting": queries.waiting_orders(company),
            "to_bill": queries.to_bill_orders(company),
        },
    )


# -- orders --------------------------------------------------------------------------------


EXPORT_HEADERS = (
    "number",
    "state",
    "supplier",
    "order_date",
    "expected_date",
    "warehouse",
    "currency",
    "untaxed_amount",
    "tax_amount",
    "total_amount",
)


@purchasing_view("purchasing.view_purchaseorder")
def order_list(request):
    company = request.company
    form = OrderFilterForm(request.GET or None, company=company)
    filters = {}
    if form.is_valid():
        filters = {
            "search": form.cleaned_data.get("q") or "",
            "state": form.cleaned_data.get("state") or "",
            "supplier": form.cleaned_data.get("supplier"),
        }
    qs = queries.orders(company, **filters)
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        rows = (
            (
                o.number or f"#{o.pk}",
                o.state,
                o.supplier.name,
                o.order_date.isoformat(),
                o.expected_date.isoformat() if o.expected_date else "",
                o.warehouse.code,
                o.currency_id,
                str(o.untaxed_amount),
                str(o.tax_amount),
                str(o.total_amount),
            )
            for o in qs.iterator(chunk_size=2000)
        )
        return export_response(
            fmt=fmt, filename="purchase-orders", headers=EXPORT_HEADERS, rows=rows
        )
    page = Paginator(queries.orders_prefetched(qs), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = queries.decorate(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    if request.htmx:
        return _page(request, "purchasing/_order_table.html", context)
    return _page(request, "purchasing/order_list.html", context)


def _form_context(request, form, rows, order=None, line_errors=()):
    return {
        "form": form,
        "rows": rows,
        "order": order,
        "line_errors": line_errors,
        "choices": line_choices(request.company),
        "totals": _totals(request, rows, form.data.get("currency") if form.is_bound else None),
    }


def _totals(request, rows, currency=None) -> dict:
    """Live totals of the lines on the form, by the same rules the services use."""
    company = request.company
    lines, _rows, _errors = _parse_rows(request, rows)
    try:
        result = taxes_compute(
            [
                {
                    "quantity": line.get("quantity") or 0,
                    "unit_price": line.get("unit_price")
                    or getattr(line["product"], "cost_price", 0),
                    "discount": line.get("discount") or 0,
                    "taxes": line.get("taxes") or [],
                }
                for line in lines
            ],
            currency=currency or company.currency_id,
            rounding=accounting_settings(company).tax_rounding,
        )
    except Exception:  # half-typed numbers: no totals until they parse
        return {}
    return {"untaxed": result.untaxed, "tax": result.tax, "total": result.total}


def _parse_rows(request, rows):
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    for row in rows:
        for name, value in row.items():
            if name == "key":
                continue
            if name == "taxes":
                data.setlist(f"lines-{row['key']}-taxes", value)
            else:
                data[f"lines-{row['key']}-{name}"] = value
    return parse_lines(data, request.company)


def _order_form_page(request, order):
    company = request.company
    if order is not None and not order.is_editable:
        messages.error(request, _("Only requests for quotation can be edited."))
        return redirect("purchasing:order_detail", order.pk)
    if request.method == "POST":
        form = OrderForm(request.POST, company=company)
        lines, rows, line_errors = parse_lines(request.POST, company)
        if form.is_valid() and not line_errors:
            data = {**form.cleaned_data, "lines": lines}
            try:
                if order is None:
                    order = services.purchase_order_create(
                        company=company, user=request.user, **data
                    )
                else:
                    services.purchase_order_update(order=order, **data)
            except DomainError as error:
                add_domain_error(form, error)
                if (error.field or "").startswith("lines"):
                    line_errors = [error.message]
            else:
                messages.success(
                    request, _("Request for quotation %(name)s saved.") % {"name": str(order)}
                )
                return redirect("purchasing:order_detail", order.pk)
        return _page(
            request,
            "purchasing/order_form.html",
            _form_context(request, form, rows, order, line_errors),
            status=422,
        )
    if order is None:
        from tandem.accounting.services import company_today

        form = OrderForm(company=company, initial={"order_date": company_today(company)})
        rows = [{"key": secrets.token_hex(4), "taxes": []}]
    else:
        form = OrderForm(
            company=company,
            initial={
                "supplier": order.supplier_id,
                "warehouse": order.warehouse_id,
                "order_date": order.order_date,
                "expected_date": order.expected_date,
                "reference": order.reference,
                "notes": order.notes,
            },
        )
        rows = rows_of(order)
    return _page(request, "purchasing/order_form.html", _form_context(request, form, rows, order))


@purchasing_view("purchasing.add_purchaseorder")
def order_create(request):
    return _order_form_page(request, None)


@purchasing_view("purchasing.change_purchaseorder")
def order_edit(request, pk):
    return _order_form_page(request, _get(PurchaseOrder, request, pk))


@purchasing_view("purchasing.view_purchaseorder")
def order_line_row(request):
    """HTMX: one empty line for the order form."""
    return render(
        request,
        "purchasing/_order_line.html",
        {
            "row": {"key": secrets.token_hex(4), "taxes": []},
            "choices": line_choices(request.company),
        },
    )


@require_POST
@purchasing_view("purchasing.view_purchaseorder")
def order_totals(request):
    """HTMX: the totals of the lines as typed so far."""
    _lines, rows, _errors = parse_lines(request.POST, request.company)
    return render(
        request,
        "purchasing/_order_totals.html",
        {"totals": _totals(request, rows, None)},
    )


@purchasing_view("purchasing.view_purchaseorder")
def order_detail(request, pk):
    try:
        order = queries.order_detail(request.company, pk)
    except PurchaseOrder.DoesNotExist:
        raise Http404 from None
    queries.decorate([order], warnings=True)
    return _page(
        request,
        "purchasing/order_detail.html",
        {
            "order": order,
            "lines": list(order.lines.all()),
            "transfers": services.transfers_of(order),
            "bills": services.bills_of(order).order_by("pk"),
            "price_differences": order.price_differences.select_related("product", "entry"),
        },
    )


ACTIONS = {
    "send": "purchasing.change_purchaseorder",
    "confirm": "purchasing.change_purchaseorder",
    "receive": "purchasing.change_purchaseorder",
    "bill": "purchasing.change_purchaseorder",
    "cancel": "purchasing.change_purchaseorder",
    "delete": "purchasing.delete_purchaseorder",
}


@require_POST
@login_required
def order_action(request, pk, action):
    if action not in ACTIONS:
        raise Http404
    perm = ACTIONS[action]
    if request.company is None or not request_has_perm(request, perm):
        raise PermissionDenied
    order = _get(PurchaseOrder, request, pk)
    try:
        if action == "send":
            services.purchase_order_send(order=order, email=bool(request.POST.get("email")))
            messages.success(request, _("Request for quotation sent."))
        elif action == "confirm":
            services.purchase_order_confirm(order=order, user=request.user)
            messages.success(request, _("Purchase order confirmed; the receipt is waiting."))
        elif action == "receive":
            services.purchase_order_receive(order=order, user=request.user)
            messages.success(request, _("Goods received."))
        elif action == "bill":
            if not request_has_perm(request, "accounting.add_invoice"):
                raise PermissionDenied
            policy = request.POST.get("policy", "received")
            bill, warnings = services.purchase_order_bill(
                order=order, policy=policy, user=request.user
            )
            messages.success(request, _("Draft vendor bill created."))
            for warning in warnings:
                messages.warning(request, warning["message"])
        elif action == "cancel":
            services.purchase_order_cancel(order=order, user=request.user)
            messages.success(request, _("Order cancelled."))
        elif action == "delete":
            services.purchase_order_delete(order=order)
            messages.success(request, _("Request for quotation deleted."))
            return redirect("purchasing:order_list")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("purchasing:order_detail", order.pk)


# -- supplier prices -----------------------------------------------------------------------


@purchasing_view("purchasing.view_supplierprice")
def supplier_price_list(request):
    qs = (
        SupplierPrice.objects.filter(company=request.company)
        .select_related("supplier", "product")
        .order_by("product__sku", "sequence", "price", "id")
    )
    search = request.GET.get("q", "")[:100]
    if search:
        qs = qs.filter(product__sku__icontains=search) | qs.filter(supplier__name__icontains=search)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(request, "purchasing/supplier_price_list.html", {"page": page, "q": search})


def _master_form(request, *, form_class, obj, fields, create, update, template, back, label):
    company = request.company
    if request.method == "POST":
        form = form_class(request.POST, company=company)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items()}
            try:
                if obj is None:
                    create(company=company, **data)
                else:
                    update(obj, **data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("%(what)s saved.") % {"what": label})
                return redirect(back)
        return _page(request, template, {"form": form, "obj": obj}, status=422)
    initial = (
        {f: getattr(obj, f"{f}_id", None) or getattr(obj, f, None) for f in fields} if obj else {}
    )
    return _page(
        request, template, {"form": form_class(company=company, initial=initial), "obj": obj}
    )


SUPPLIER_PRICE_FORM_FIELDS = (
    "supplier",
    "product",
    "price",
    "currency",
    "min_quantity",
    "lead_time_days",
    "product_code",
    "valid_from",
    "valid_to",
)


@purchasing_view("purchasing.add_supplierprice")
def supplier_price_create(request):
    return _master_form(
        request,
        form_class=SupplierPriceForm,
        obj=None,
        fields=SUPPLIER_PRICE_FORM_FIELDS,
        create=services.supplier_price_create,
        update=None,
        template="purchasing/supplier_price_form.html",
        back="purchasing:supplier_price_list",
        label=_("Supplier price"),
    )


@purchasing_view("purchasing.change_supplierprice")
def supplier_price_edit(request, pk):
    return _master_form(
        request,
        form_class=SupplierPriceForm,
        obj=_get(SupplierPrice, request, pk),
        fields=SUPPLIER_PRICE_FORM_FIELDS,
        create=None,
        update=lambda obj, **data: services.supplier_price_update(supplier_price=obj, **data),
        template="purchasing/supplier_price_form.html",
        back="purchasing:supplier_price_list",
        label=_("Supplier price"),
    )


@require_POST
@purchasing_view("purchasing.delete_supplierprice")
def supplier_price_delete(request, pk):
    services.supplier_price_delete(supplier_price=_get(SupplierPrice, request, pk))
    messages.success(request, _("Supplier price deleted."))
    return redirect("purchasing:supplier_price_list")


# -- reorder rules and replenishment -------------------------------------------------------

RULE_FORM_FIELDS = (
    "product",
    "warehouse",
    "min_quantity",
    "max_quantity",
    "multiple",
    "supplier",
    "active",
)


@purchasing_view("purchasing.view_reorderrule")
def reorder_rule_list(request):
    page = Paginator(queries.rules(request.company), PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(request, "purchasing/reorder_rule_list.html", {"page": page})


@purchasing_view("purchasing.add_reorderrule")
def reorder_rule_create(request):
    return _master_form(
        request,
        form_class=ReorderRuleForm,
        obj=None,
        fields=RULE_FORM_FIELDS,
        create=services.reorder_rule_create,
        update=None,
        template="purchasing/reorder_rule_form.html",
        back="purchasing:reorder_rule_list",
        label=_("Reorder rule"),
    )


@purchasing_view("purchasing.change_reorderrule")
def reorder_rule_edit(request, pk):
    return _master_form(
        request,
        form_class=ReorderRuleForm,
        obj=_get(ReorderRule, request, pk),
        fields=RULE_FORM_FIELDS,
        create=None,
        update=lambda obj, **data: services.reorder_rule_update(rule=obj, **data),
        template="purchasing/reorder_rule_form.html",
        back="purchasing:reorder_rule_list",
        label=_("Reorder rule"),
    )


@require_POST
@purchasing_view("purchasing.delete_reorderrule")
def reorder_rule_delete(request, pk):
    services.reorder_rule_delete(rule=_get(ReorderRule, request, pk))
    messages.success(request, _("Reorder rule deleted."))
    return redirect("purchasing:reorder_rule_list")


@purchasing_view("purchasing.view_reorderrule")
def replenishment(request):
    suggestions = services.replenishment_suggestions(company=request.company)
    job = job_for_request(request, request.GET.get("job"))
    return _page(request, "purchasing/replenishment.html", {"suggestions": suggestions, "job": job})


@require_POST
@purchasing_view("purchasing.add_purchaseorder")
def replenishment_run(request):
    """Starts the run as a job; the page shows its progress bar and, when done, the drafts."""
    job = job_start(REPLENISHMENT, company=request.company, user=request.user)
    return redirect(reverse("purchasing:replenishment") + f"?job={job.pk}")
