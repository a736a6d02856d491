"""Accounting pages: taxes, invoices (four kinds), the accounting settings."""

from django.contrib import messages
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tandem.core import panels
from tandem.core.errors import DomainError
from tandem.core.exports import export_response
from tandem.core.middleware import request_has_perm

from ..forms import add_domain_error
from ..forms_invoices import (
    AccountingSettingsForm,
    InvoiceFilterForm,
    InvoiceForm,
    InvoiceLineFormSet,
    TaxForm,
)
from ..models import Invoice, InvoiceKind, InvoiceLine, InvoiceState, InvoiceTax, Tax
from ..queries.taxes import invoices_filtered
from ..services import company_today
from ..services import invoices as invoice_services
from ..services import taxes as tax_services
from ..services.taxes import taxes_compute
from .ledger import PAGE_SIZE, _page, accounting_view

KINDS = {
    "customer-invoices": InvoiceKind.CUSTOMER_INVOICE,
    "customer-credit-notes": InvoiceKind.CUSTOMER_CREDIT_NOTE,
    "vendor-bills": InvoiceKind.VENDOR_BILL,
    "vendor-credit-notes": InvoiceKind.VENDOR_CREDIT_NOTE,
}
SLUGS = {kind: slug for slug, kind in KINDS.items()}
KIND_TITLES = {
    InvoiceKind.CUSTOMER_INVOICE: gettext_lazy("Customer invoices"),
    InvoiceKind.CUSTOMER_CREDIT_NOTE: gettext_lazy("Customer credit notes"),
    InvoiceKind.VENDOR_BILL: gettext_lazy("Vendor bills"),
    InvoiceKind.VENDOR_CREDIT_NOTE: gettext_lazy("Vendor credit notes"),
}


def _perms(request) -> dict:
    names = {}
    for model in ("invoice", "tax"):
        for action in ("add", "change", "delete", "view"):
            names[f"{action}_{model}"] = request_has_perm(request, f"accounting.{action}_{model}")
    names["view_entry"] = request_has_perm(request, "accounting.view_entry")
    names["add_payment"] = request_has_perm(request, "accounting.add_payment")
    return names


def _render(request, template, context, status=200):
    context.setdefault("perms_invoices", _perms(request))
    context.setdefault("kind_links", [(slug, KIND_TITLES[kind]) for slug, kind in KINDS.items()])
    return _page(request, template, context, status=status)


def _kind(slug: str) -> str:
    if slug not in KINDS:
        raise Http404("No such document kind")
    return KINDS[slug]


# -- taxes ---------------------------------------------------------------------------------


@accounting_view("accounting.view_tax")
def tax_list(request):
    taxes = (
        Tax.objects.filter(company=request.company)
        .select_related("group", "account")
        .order_by("scope", "sequence", "name")
    )
    return _render(request, "accounting/tax_list.html", {"taxes": taxes})


def _tax_form_page(request, tax):
    company = request.company
    status = 200
    if request.method == "POST":
        form = TaxForm(request.POST, company=company)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if tax is None:
                    tax = tax_services.tax_create(company=company, **data)
                else:
                    if data.get("account") is None:
                        data.pop("account")
                    tax = tax_services.tax_update(tax=tax, **data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Tax %(name)s saved.") % {"name": tax.name})
                return redirect("accounting:tax_list")
        status = 422
    else:
        initial = {}
        if tax is not None:
            initial = {
                "name": tax.name,
                "label": tax.label,
                "scope": tax.scope,
                "amount_type": tax.amount_type,
                "rate": tax.rate.normalize(),
                "price_include": tax.price_include,
                "group": tax.group_id,
                "account": tax.account_id,
                "sequence": tax.sequence,
                "active": tax.active,
            }
        form = TaxForm(initial=initial, company=company)
    return _render(request, "accounting/tax_form.html", {"form": form, "tax": tax}, status=status)


@accounting_view("accounting.add_tax")
def tax_create(request):
    return _tax_form_page(request, None)


@accounting_view("accounting.change_tax")
def tax_edit(request, pk):
    return _tax_form_page(request, get_object_or_404(Tax, company=request.company, pk=pk))


# -- invoice lists -------------------------------------------------------------------------


def _export(kind, invoices, fmt):
    headers = [
        _("Number"),
        _("Date"),
        _("Due date"),
        _("Party"),
        _("Reference"),
        _("State"),
        _("Payment state"),
        _("Currency"),
        _("Untaxed amount"),
        _("Tax"),
        _("Total"),
        _("Amount due"),
    ]
    rows = (
        (
            inv.number,
            inv.date,
            inv.due_date,
            inv.party.name,
            inv.reference,
            inv.get_state_display(),
            inv.get_payment_state_display(),
            inv.currency_id,
            inv.untaxed_amount,
            inv.tax_amount,
            inv.total_amount,
            inv.residual_amount,
        )
        for inv in invoices.iterator(chunk_size=2000)
    )
    return export_response(fmt=fmt, filename=SLUGS[kind], headers=headers, rows=rows)


@accounting_view("accounting.view_invoice")
def invoice_list(request, kind_slug):
    from django.core.paginator import Paginator

    kind = _kind(kind_slug)
    form = InvoiceFilterForm(request.GET or None, company=request.company)
    invoices = invoices_filtered(request.company, kind=kind, **form.filters())
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        return _export(kind, invoices, fmt)
    page = Paginator(invoices, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "form": form,
        "query": query.urlencode(),
        "kind": kind,
        "kind_slug": kind_slug,
        "title": KIND_TITLES[kind],
    }
    if request.htmx and not request.htmx.boosted:
        return _render(request, "accounting/invoice_table.html", context)
    return _render(request, "accounting/invoice_list.html", context)


# -- invoice form --------------------------------------------------------------------------


def _preview(invoice_currency, lines, company, *, scope: str):
    """Live totals of the lines being edited (nothing is saved)."""
    rows = []
    for line in lines:
        product = line.get("product")
        price = line.get("unit_price")
        if price is None and product is not None:
            price = product.list_price if scope == "sale" else product.cost_price
        rows.append(
            {
                "quantity": line.get("quantity") or 0,
                "unit_price": price or 0,
                "discount": line.get("discount") or 0,
                "taxes": line.get("taxes") or [],
            }
        )
    rounding = tax_services.accounting_settings(company).tax_rounding
    return taxes_compute(rows, currency=invoice_currency, rounding=rounding)


def _invoice_form_page(request, kind: str, invoice: Invoice | None):
    company = request.company
    if invoice is not None and invoice.state != InvoiceState.DRAFT:
        messages.error(request, _("Only draft invoices can change."))
        return redirect("accounting:invoice_detail", pk=invoice.pk)
    scope = invoice_services.scope_of(kind)
    outbound = scope == "sale"
    status = 200
    preview = None
    if request.method == "POST":
        data = request.POST.copy()
        adding = "add_line" in data
        recompute = "recompute" in data
        if adding:
            total = data.get("lines-TOTAL_FORMS", "0")
            data["lines-TOTAL_FORMS"] = str(min(int(total) if total.isdigit() else 0, 499) + 1)
        form = InvoiceForm(data, company=company, outbound=outbound)
        formset = InvoiceLineFormSet(data, prefix="lines", company=company, scope=scope)
        valid = form.is_valid() and formset.is_valid()
        if valid and (adding or recompute):
            currency = form.cleaned_data.get("currency")
            code = currency.code if currency else form.cleaned_data["party"].currency_id
            preview = _preview(code, formset.lines(), company, scope=scope)
        elif valid:
            result = _invoice_save(request, kind, invoice, form, formset)
            if result is not None:
                return result
        if not (adding or recompute):
            status = 422
    else:
        if invoice is None:
            initial = {"date": company_today(company)}
            lines = [{}]
        else:
            initial = {
                "party": invoice.party_id,
                "date": invoice.date,
                "due_date": invoice.due_date,
                "payment_term": invoice.payment_term_id,
                "currency": invoice.currency_id,
                "language": invoice.language,
                "reference": invoice.reference,
                "narration": invoice.narration,
            }
            lines = [
                {
                    "product": line.product_id,
                    "description": line.description,
                    "account": line.account_id,
                    "quantity": line.quantity.normalize(),
                    "unit_price": line.unit_price.normalize(),
                    "discount": line.discount or None,
                    "taxes": [t.pk for t in line.taxes.all()],
                }
                for line in invoice.lines.prefetch_related("taxes").order_by("sequence", "id")
            ]
        form = InvoiceForm(initial=initial, company=company, outbound=outbound)
        formset = InvoiceLineFormSet(initial=lines, prefix="lines", company=company, scope=scope)
    context = {
        "form": form,
        "formset": formset,
        "invoice": invoice,
        "kind": kind,
        "kind_slug": SLUGS[kind],
        "title": KIND_TITLES[kind],
        "preview": preview,
    }
    if request.htmx and request.method == "POST" and status == 200:
        return _render(request, "accounting/invoice_form.html", context)
    return _render(request, "accounting/invoice_form.html", context, status=status)


def _invoice_save(request, kind, invoice, form, formset):
    data = dict(form.cleaned_data)
    post_now = "save_post" in request.POST
    fields = {
        "party": data["party"],
        "date": data["date"],
        "due_date": data.get("due_date"),
        "payment_term": data.get("payment_term"),
        "currency": data["currency"].code if data.get("currency") else None,
        "language": data.get("language") or "",
        "reference": data.get("reference") or "",
        "narration": data.get("narration") or "",
        "lines": formset.lines(),
    }
    try:
        with transaction.atomic():
            if invoice is None:
                invoice = invoice_services.invoice_create(
                    company=request.company, kind=kind, user=request.user, **fields
                )
            else:
                if fields["currency"] is None:
                    fields["currency"] = fields["party"].currency_id
                invoice = invoice_services.invoice_update(invoice=invoice, **fields)
            if post_now:
                invoice = invoice_services.invoice_post(invoice=invoice, user=request.user)
    except DomainError as error:
        add_domain_error(form, error, formset=formset)
        return None
    if post_now:
        messages.success(request, _("%(number)s posted.") % {"number": invoice.number})
    else:
        messages.success(request, _("Draft saved."))
    return redirect("accounting:invoice_detail", pk=invoice.pk)


@accounting_view("accounting.add_invoice")
def invoice_create(request, kind_slug):
    return _invoice_form_page(request, _kind(kind_slug), None)


@accounting_view("accounting.change_invoice")
def invoice_edit(request, pk):
    invoice = get_object_or_404(Invoice, company=request.company, pk=pk)
    return _invoice_form_page(request, invoice.kind, invoice)


# -- invoice detail and actions ------------------------------------------------------------


def _invoice_of(request, pk) -> Invoice:
    qs = (
        Invoice.objects.filter(company=request.company)
        .select_related("party", "journal", "entry", "cancel_entry", "credited_invoice", "company")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=InvoiceLine.objects.select_related("product", "account", "uom")
                .prefetch_related("taxes")
                .order_by("sequence", "id"),
            ),
            Prefetch("tax_lines", queryset=InvoiceTax.objects.select_related("tax")),
            Prefetch("credit_notes", queryset=Invoice.objects.order_by("id")),
        )
    )
    invoice = qs.filter(pk=pk).first()
    if invoice is None:
        raise Http404("No such invoice")
    return invoice


@accounting_view("accounting.view_invoice")
def invoice_detail(request, pk):
    invoice = _invoice_of(request, pk)
    return _render(
        request,
        "accounting/invoice_detail.html",
        {
            "invoice": invoice,
            "kind_slug": SLUGS[invoice.kind],
            "title": KIND_TITLES[invoice.kind],
            # sections of higher apps (e.g. purchasing's three-way match) without importing them
            "panels": panels.render("invoice.detail", request, invoice),
        },
    )


def _action(request, pk, work, done_message):
    invoice = get_object_or_404(Invoice, company=request.company, pk=pk)
    try:
        result = work(invoice)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("accounting:invoice_detail", pk=pk)
    messages.success(request, done_message(result))
    return redirect("accounting:invoice_detail", pk=result.pk)


@require_POST
@accounting_view("accounting.change_invoice")
def invoice_post(request, pk):
    return _action(
        request,
        pk,
        lambda inv: invoice_services.invoice_post(invoice=inv, user=request.user),
        lambda inv: _("%(number)s posted.") % {"number": inv.number},
    )


@require_POST
@accounting_view("accounting.change_invoice")
def invoice_cancel(request, pk):
    return _action(
        request,
        pk,
        lambda inv: invoice_services.invoice_cancel(invoice=inv, user=request.user),
        lambda inv: _("%(number)s cancelled.") % {"number": inv.number},
    )


@require_POST
@accounting_view("accounting.add_invoice")
def invoice_credit(request, pk):
    return _action(
        request,
        pk,
        lambda inv: invoice_services.invoice_credit(invoice=inv, user=request.user),
        lambda inv: _("Draft credit note created."),
    )


@require_POST
@accounting_view("accounting.delete_invoice")
def invoice_delete(request, pk):
    invoice = get_object_or_404(Invoice, company=request.company, pk=pk)
    try:
        invoice_services.invoice_delete(invoice=invoice)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("accounting:invoice_detail", pk=pk)
    messages.success(request, _("Draft deleted."))
    return redirect("accounting:invoice_list", kind_slug=SLUGS[invoice.kind])


@accounting_view("accounting.view_invoice")
def invoice_pdf(request, pk):
    from ..pdf import invoice_pdf as render

    content, filename = render(_invoice_of(request, pk))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


# -- settings ------------------------------------------------------------------------------


@accounting_view("accounting.change_accountingsettings")
def settings_page(request):
    company = request.company
    current = tax_services.accounting_settings(company)
    status = 200
    if request.method == "POST":
        form = AccountingSettingsForm(request.POST)
        if form.is_valid():
            try:
                tax_services.accounting_settings_update(
                    company=company, tax_rounding=form.cleaned_data["tax_rounding"]
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Accounting settings saved."))
                return redirect("accounting:settings")
        status = 422
    else:
        form = AccountingSettingsForm(initial={"tax_rounding": current.tax_rounding})
    return _render(request, "accounting/settings_accounting.html", {"form": form}, status=status)


urlpatterns = [
    path("taxes/", tax_list, name="tax_list"),
    path("taxes/new/", tax_create, name="tax_create"),
    path("taxes/<int:pk>/edit/", tax_edit, name="tax_edit"),
    path("documents/<slug:kind_slug>/", invoice_list, name="invoice_list"),
    path("documents/<slug:kind_slug>/new/", invoice_create, name="invoice_create"),
    path("invoices/<int:pk>/", invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/edit/", invoice_edit, name="invoice_edit"),
    path("invoices/<int:pk>/post/", invoice_post, name="invoice_post"),
    path("invoices/<int:pk>/cancel/", invoice_cancel, name="invoice_cancel"),
    path("invoices/<int:pk>/credit/", invoice_credit, name="invoice_credit"),
    path("invoices/<int:pk>/delete/", invoice_delete, name="invoice_delete"),
    path("invoices/<int:pk>/pdf/", invoice_pdf, name="invoice_pdf"),
    path("settings/", settings_page, name="settings"),
]
