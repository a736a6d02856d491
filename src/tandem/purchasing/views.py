"""Purchasing pages (thin: forms parse, services decide, queries read)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.core.errors import DomainError
from tandem.core.exports import export_response
from tandem.core.jobs import job_for_request, job_start
from tandem.core.lines import LineEditor, figures_context
from tandem.core.middleware import request_has_perm
from tandem.core.views import company_view

from . import queries, services
from .forecast_points import with_forecast_points
from .forms import (
    OrderFilterForm,
    OrderForm,
    ReorderRuleForm,
    SupplierPriceForm,
    add_domain_error,
    line_editor,
)
from .jobs import REPLENISHMENT
from .models import OrderState, PurchaseOrder, ReorderRule, SupplierPrice
from .services.preview import purchase_order_preview

PAGE_SIZE = 50
MODELS = ("purchaseorder", "supplierprice", "reorderrule")


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


@company_view("purchasing.view_purchaseorder")
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


@company_view("purchasing.view_purchaseorder")
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


def _editor_context(editor: LineEditor) -> dict:
    return editor.context(
        preview_url=reverse("purchasing:order_totals"),
        party_field="supplier",
        date_field="order_date",
    )


def _figures(request, form, editor) -> dict:
    """The RFQ's figures by the service code that saves it (nothing written)."""
    if not (form.is_valid() and editor.valid and editor.lines):
        return {}
    data = form.cleaned_data
    try:
        computed, result = purchase_order_preview(
            company=request.company,
            supplier=data["supplier"],
            order_date=data.get("order_date"),
            lines=editor.lines,
        )
    except DomainError as error:
        add_domain_error(form, error, editor=editor)
        return {}
    editor.show(computed)
    return figures_context(result, data["supplier"].currency_id or request.company.currency_id)


def _form_page(request, form, editor, order, status=200):
    context = {
        "form": form,
        "editor": _editor_context(editor),
        "figures": _figures(request, form, editor) if form.is_bound else {},
        "order": order,
    }
    return _page(request, "purchasing/order_form.html", context, status=status)


def _order_form_page(request, order):
    company = request.company
    if order is not None and not order.is_editable:
        messages.error(request, _("Only requests for quotation can be edited."))
        return redirect("purchasing:order_detail", order.pk)
    editor = line_editor(company)
    if request.method == "POST":
        form = OrderForm(request.POST, company=company)
        editor.parse(request.POST)
        if form.is_valid() and editor.valid:
            data = {**form.cleaned_data, "lines": editor.lines}
            try:
                if order is None:
                    order = services.purchase_order_create(
                        company=company, user=request.user, **data
                    )
                else:
                    services.purchase_order_update(order=order, **data)
            except DomainError as error:
                add_domain_error(form, error, editor=editor)
            else:
                messages.success(
                    request, _("Request for quotation %(name)s saved.") % {"name": str(order)}
                )
                return redirect("purchasing:order_detail", order.pk)
        return _form_page(request, form, editor, order, status=422)
    if order is None:
        from tandem.accounting.services import company_today

        form = OrderForm(company=company, initial={"order_date": company_today(company)})
        editor.blank()
        return _form_page(request, form, editor, None)
    initial = {
        "supplier": order.supplier_id,
        "warehouse": order.warehouse_id,
        "order_date": order.order_date,
        "expected_date": order.expected_date,
        "reference": order.reference,
        "notes": order.notes,
    }
    form = OrderForm(company=company, initial=initial)
    editor.load(order.lines.select_related("product").prefetch_related("taxes"))
    context = {
        "form": form,
        "editor": _editor_context(editor),
        "figures": _saved_figures(order),
        "order": order,
    }
    return _page(request, "purchasing/order_form.html", context)


def _saved_figures(order) -> dict:
    """The stored totals of the order being edited (the preview takes over on a change)."""
    return {
        "untaxed": order.untaxed_amount,
        "tax": order.tax_amount,
        "total": order.total_amount,
        "taxes": [],
        "currency": order.currency_id,
    }


@company_view("purchasing.add_purchaseorder")
def order_create(request):
    return _order_form_page(request, None)


@company_view("purchasing.change_purchaseorder")
def order_edit(request, pk):
    return _order_form_page(request, _get(PurchaseOrder, request, pk))


@require_POST
@company_view("purchasing.view_purchaseorder")
def order_totals(request):
    """HTMX: the live totals of the RFQ being typed, each line's amount and any refused
    cell, by purchase_order_preview (the code that saves)."""
    form = OrderForm(request.POST, company=request.company)
    editor = line_editor(request.company).parse(request.POST)
    figures = _figures(request, form, editor)
    return render(
        request,
        "web/_line_totals.html",
        {"figures": figures, "editor": _editor_context(editor), "oob": True},
    )


@company_view("purchasing.view_purchaseorder")
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
            if not request_has_perm(request, "accounting.add_invoice") or not request_has_perm(
                request, "accounting.manage_vendor_bills"
            ):
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


@company_view("purchasing.view_supplierprice")
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


@company_view("purchasing.add_supplierprice")
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


@company_view("purchasing.change_supplierprice")
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
@company_view("purchasing.delete_supplierprice")
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
    "follows_forecast",
)


@company_view("purchasing.view_reorderrule")
def reorder_rule_list(request):
    page = Paginator(queries.rules(request.company), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = with_forecast_points(request.company, list(page.object_list))
    forecasted = any(rule.forecast is not None for rule in page.object_list)
    return _page(
        request, "purchasing/reorder_rule_list.html", {"page": page, "forecasted": forecasted}
    )


@require_POST
@company_view("purchasing.change_reorderrule")
def reorder_rule_apply_forecast(request, pk):
    rule = _get(ReorderRule, request, pk)
    try:
        rule = services.reorder_rule_apply_forecast(rule=rule, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(product)s: the minimum is now the forecast's reorder point.")
            % {"product": rule.product},
        )
    return redirect("purchasing:reorder_rule_list")


@company_view("purchasing.add_reorderrule")
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


@company_view("purchasing.change_reorderrule")
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
@company_view("purchasing.delete_reorderrule")
def reorder_rule_delete(request, pk):
    services.reorder_rule_delete(rule=_get(ReorderRule, request, pk))
    messages.success(request, _("Reorder rule deleted."))
    return redirect("purchasing:reorder_rule_list")


@company_view("purchasing.view_reorderrule")
def replenishment(request):
    suggestions = services.replenishment_suggestions(company=request.company)
    job = job_for_request(request, request.GET.get("job"))
    return _page(request, "purchasing/replenishment.html", {"suggestions": suggestions, "job": job})


@require_POST
@company_view("purchasing.add_purchaseorder")
def replenishment_run(request):
    """Starts the run as a job; the page shows its progress bar and, when done, the drafts."""
    job = job_start(REPLENISHMENT, company=request.company, user=request.user)
    return redirect(reverse("purchasing:replenishment") + f"?job={job.pk}")
