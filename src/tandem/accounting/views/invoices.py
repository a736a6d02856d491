"""Accounting pages: taxes, invoices (four kinds), the accounting settings."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tandem.core import panels
from tandem.core.errors import DomainError
from tandem.core.exports import export_response
from tandem.core.lines import LineEditor, figures_context
from tandem.core.middleware import request_has_perm
from tandem.core.views import company_view

from ..forms import add_domain_error
from ..forms_invoices import (
    AccountingSettingsForm,
    InvoiceFilterForm,
    InvoiceForm,
    TaxForm,
    invoice_line_editor,
)
from ..models import (
    KIND_PERMISSIONS,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceState,
    InvoiceTax,
    Tax,
)
from ..queries.taxes import invoices_filtered
from ..services import company_today
from ..services import invoices as invoice_services
from ..services import taxes as tax_services
from ..services.invoice_preview import invoice_preview
from .ledger import PAGE_SIZE, _page

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


def _perms(request, kind: str | None = None) -> dict:
    """What the page may offer; with `kind`, invoice writes also need that kind's permission."""
    names = {}
    kind_ok = kind is None or request_has_perm(request, KIND_PERMISSIONS[kind])
    for model in ("invoice", "tax"):
        for action in ("add", "change", "delete", "view"):
            names[f"{action}_{model}"] = request_has_perm(request, f"accounting.{action}_{model}")
    for action in ("add", "change", "delete"):
        names[f"{action}_invoice"] = names[f"{action}_invoice"] and kind_ok
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


def _require_kind(request, kind: str) -> None:
    """Customer and vendor documents are separate duties (see KIND_PERMISSIONS)."""
    if not request_has_perm(request, KIND_PERMISSIONS[kind]):
        raise PermissionDenied


# -- taxes ---------------------------------------------------------------------------------


@company_view("accounting.view_tax")
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


@company_view("accounting.add_tax")
def tax_create(request):
    return _tax_form_page(request, None)


@company_view("accounting.change_tax")
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


@company_view("accounting.view_invoice")
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
        "perms_invoices": _perms(request, kind),
    }
    if request.htmx and not request.htmx.boosted:
        return _render(request, "accounting/invoice_table.html", context)
    return _render(request, "accounting/invoice_list.html", context)


# -- invoice form --------------------------------------------------------------------------


def _editor_context(editor: LineEditor, kind: str) -> dict:
    return editor.context(
        preview_url=reverse("accounting:invoice_preview", args=[SLUGS[kind]]),
        party_field="party",
        date_field="date",
        currency_field="currency",
    )


def _refuse(form, editor, error: DomainError) -> None:
    if not editor.refuse(error):
        add_domain_error(form, error)


def _figures(request, kind: str, form, editor) -> dict:
    """The document's figures by the service code that saves it (nothing written)."""
    if not (form.is_valid() and editor.valid and editor.lines):
        return {}
    data = form.cleaned_data
    try:
        computed, result = invoice_preview(
            company=request.company,
            kind=kind,
            party=data["party"],
            currency=data["currency"].code if data.get("currency") else None,
            lines=editor.lines,
        )
    except DomainError as error:
        _refuse(form, editor, error)
        return {}
    editor.show(computed)
    currency = computed[0].invoice.currency_id if computed else ""
    return figures_context(result, currency)


def _invoice_form_page(request, kind: str, invoice: Invoice | None):
    _require_kind(request, kind)
    company = request.company
    if invoice is not None and invoice.state != InvoiceState.DRAFT:
        messages.error(request, _("Only draft invoices can change."))
        return redirect("accounting:invoice_detail", pk=invoice.pk)
    scope = invoice_services.scope_of(kind)
    outbound = scope == "sale"
    editor = invoice_line_editor(company, scope)
    status = 200
    figures = {}
    if request.method == "POST":
        form = InvoiceForm(request.POST, company=company, outbound=outbound)
        editor.parse(request.POST)
        if form.is_valid() and editor.valid:
            result = _invoice_save(request, kind, invoice, form, editor)
            if result is not None:
                return result
        status = 422
        figures = _figures(request, kind, form, editor) if editor.valid else {}
    else:
        if invoice is None:
            initial = {"date": company_today(company)}
            editor.blank()
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
            editor.load(
                invoice.lines.select_related("product")
                .prefetch_related("taxes")
                .order_by("sequence", "id")
            )
            figures = {
                "untaxed": invoice.untaxed_amount,
                "tax": invoice.tax_amount,
                "total": invoice.total_amount,
                "taxes": [
                    {"label": t.tax.label or t.tax.name, "base": t.base, "amount": t.amount}
                    for t in invoice.tax_lines.select_related("tax").order_by("id")
                ],
                "currency": invoice.currency_id,
            }
        form = InvoiceForm(initial=initial, company=company, outbound=outbound)
    context = {
        "form": form,
        "editor": _editor_context(editor, kind),
        "figures": figures,
        "invoice": invoice,
        "kind": kind,
        "kind_slug": SLUGS[kind],
        "title": KIND_TITLES[kind],
        "perms_invoices": _perms(request, kind),
    }
    return _render(request, "accounting/invoice_form.html", context, status=status)


def _invoice_save(request, kind, invoice, form, editor):
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
        "lines": editor.lines,
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
        _refuse(form, editor, error)
        return None
    if post_now:
        messages.success(request, _("%(number)s posted.") % {"number": invoice.number})
    else:
        messages.success(request, _("Draft saved."))
    return redirect("accounting:invoice_detail", pk=invoice.pk)


@require_POST
@company_view("accounting.view_invoice")
def invoice_preview_view(request, kind_slug):
    """HTMX: the live totals of the document being typed, each line's amount and any
    refused cell, by invoice_preview (the code that saves)."""
    kind = _kind(kind_slug)
    scope = invoice_services.scope_of(kind)
    form = InvoiceForm(request.POST, company=request.company, outbound=scope == "sale")
    editor = invoice_line_editor(request.company, scope).parse(request.POST)
    figures = _figures(request, kind, form, editor)
    return _render(
        request,
        "web/_line_totals.html",
        {"figures": figures, "editor": _editor_context(editor, kind), "oob": True},
    )


@company_view("accounting.add_invoice")
def invoice_create(request, kind_slug):
    return _invoice_form_page(request, _kind(kind_slug), None)


@company_view("accounting.change_invoice")
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


@company_view("accounting.view_invoice")
def invoice_detail(request, pk):
    invoice = _invoice_of(request, pk)
    return _render(
        request,
        "accounting/invoice_detail.html",
        {
            "invoice": invoice,
            "actions": invoice.available_actions,
            "kind_slug": SLUGS[invoice.kind],
            "title": KIND_TITLES[invoice.kind],
            "perms_invoices": _perms(request, invoice.kind),
            # sections of higher apps (e.g. purchasing's three-way match) without importing them
            "panels": panels.render("invoice.detail", request, invoice),
        },
    )


def _action(request, pk, work, done_message):
    invoice = get_object_or_404(Invoice, company=request.company, pk=pk)
    _require_kind(request, invoice.kind)
    try:
        result = work(invoice)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("accounting:invoice_detail", pk=pk)
    messages.success(request, done_message(result))
    return redirect("accounting:invoice_detail", pk=result.pk)


@require_POST
@company_view("accounting.change_invoice")
def invoice_post(request, pk):
    return _action(
        request,
        pk,
        lambda inv: invoice_services.invoice_post(invoice=inv, user=request.user),
        lambda inv: _("%(number)s posted.") % {"number": inv.number},
    )


@require_POST
@company_view("accounting.change_invoice")
def invoice_cancel(request, pk):
    return _action(
        request,
        pk,
        lambda inv: invoice_services.invoice_cancel(invoice=inv, user=request.user),
        lambda inv: _("%(number)s cancelled.") % {"number": inv.number},
    )


@require_POST
@company_view("accounting.add_invoice")
def invoice_credit(request, pk):
    return _action(
        request,
        pk,
        lambda inv: invoice_services.invoice_credit(invoice=inv, user=request.user),
        lambda inv: _("Draft credit note created."),
    )


@require_POST
@company_view("accounting.delete_invoice")
def invoice_delete(request, pk):
    invoice = get_object_or_404(Invoice, company=request.company, pk=pk)
    _require_kind(request, invoice.kind)
    try:
        invoice_services.invoice_delete(invoice=invoice)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("accounting:invoice_detail", pk=pk)
    messages.success(request, _("Draft deleted."))
    return redirect("accounting:invoice_list", kind_slug=SLUGS[invoice.kind])


@company_view("accounting.view_invoice")
def invoice_pdf(request, pk):
    from ..pdf import invoice_pdf as render

    content, filename = render(_invoice_of(request, pk))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


# -- settings ------------------------------------------------------------------------------


@company_view("accounting.change_accountingsettings")
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
    path("documents/<slug:kind_slug>/preview/", invoice_preview_view, name="invoice_preview"),
    path("invoices/<int:pk>/", invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/edit/", invoice_edit, name="invoice_edit"),
    path("invoices/<int:pk>/post/", invoice_post, name="invoice_post"),
    path("invoices/<int:pk>/cancel/", invoice_cancel, name="invoice_cancel"),
    path("invoices/<int:pk>/credit/", invoice_credit, name="invoice_credit"),
    path("invoices/<int:pk>/delete/", invoice_delete, name="invoice_delete"),
    path("invoices/<int:pk>/pdf/", invoice_pdf, name="invoice_pdf"),
    path("settings/", settings_page, name="settings"),
]
