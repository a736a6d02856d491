"""Payment pages: list (with export), register (with allocation to open invoices), detail,
post, allocate, cancel, delete. Thin: the services decide, the queries read."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.core.errors import DomainError
from tandem.core.exports import export_response
from tandem.core.middleware import request_has_perm
from tandem.core.views import company_view
from tandem.parties.models import Party

from ..api.payments import payments_of
from ..forms import add_domain_error
from ..forms_payments import PaymentFilterForm, PaymentForm, allocation_amounts
from ..models import (
    DIRECTION_PERMISSIONS,
    Invoice,
    InvoiceState,
    Journal,
    JournalKind,
    Payment,
    PaymentDirection,
    PaymentState,
)
from ..queries.parties import open_invoices
from ..services import company_today
from ..services import payments as services

PAGE_SIZE = 50
EXPORT_FORMATS = ("csv", "xlsx")


def _perms(request) -> dict:
    return {
        action: request_has_perm(request, f"accounting.{action}_payment")
        for action in ("add", "change", "delete", "view")
    }


def _page(request, template, context, status=200):
    context.setdefault("perms_payment", _perms(request))
    return render(request, template, context, status=status)


def filtered(company, *, search, party, direction, state, date_from, date_to):
    qs = payments_of(company)
    if search:
        qs = qs.filter(
            Q(number__icontains=search)
            | Q(reference__icontains=search)
            | Q(party__name__icontains=search)
        )
    if party:
        qs = qs.filter(party_id=party)
    if direction:
        qs = qs.filter(direction=direction)
    if state:
        qs = qs.filter(state=state)
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    return qs.order_by("-date", "-id")


@company_view("accounting.view_payment")
def payment_list(request):
    company = request.company
    form = PaymentFilterForm(request.GET or None, company=company)
    payments = filtered(company, **form.filters())
    fmt = request.GET.get("format")
    if fmt in EXPORT_FORMATS:
        rows = payments.prefetch_related(None).values_list(
            "date", "number", "direction", "party__name", "amount", "currency_id",
            "unallocated_amount", "amount_company", "state", "reference",
        )  # fmt: skip
        return export_response(
            fmt=fmt,
            filename="payments",
            headers=[
                _("Date"),
                _("Number"),
                _("Direction"),
                _("Party"),
                _("Amount"),
                _("Currency"),
                _("Unallocated"),
                _("Amount in company currency"),
                _("State"),
                _("Reference"),
            ],  # fmt: skip
            rows=rows.iterator(),
        )
    page = Paginator(payments.select_related("journal"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"page": page, "form": form, "query": query.urlencode()}
    if request.htmx and not request.htmx.boosted:
        return _page(request, "accounting/payment_table.html", context)
    return _page(request, "accounting/payment_list.html", context)


def _settleable(company, party, direction) -> list[Invoice]:
    """The open documents a payment of `direction` to `party` can settle, oldest due first."""
    if party is None:
        return []
    kinds = [kind for (d, _side), kind in services.SETTLES.items() if d == direction]
    return list(open_invoices(company, party).filter(kind__in=kinds))


def _prefill(invoices: list[Invoice], amount: Decimal | None, currency: str | None) -> None:
    """Spread `amount` over the invoices, oldest due first (what is left stays unallocated)."""
    left = amount
    for invoice in invoices:
        invoice.prefill = None
        if left is None or left <= 0 or (currency and invoice.currency_id != currency):
            continue
        invoice.prefill = min(left, invoice.residual_amount)
        left -= invoice.prefill


def _id(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 19 else None


def _decimal(value) -> Decimal | None:
    try:
        result = Decimal(str(value))
    except ArithmeticError:
        return None
    return result if result.is_finite() else None


@company_view("accounting.add_payment")
def payment_create(request):
    company = request.company
    invoice = None
    if _id(request.GET.get("invoice")):
        invoice = Invoice.objects.filter(
            company=company, pk=_id(request.GET.get("invoice")), state=InvoiceState.POSTED
        ).first()
    if request.method == "POST":
        form = PaymentForm(request.POST, company=company)
        if form.is_valid():
            data = form.cleaned_data
            if not request_has_perm(request, DIRECTION_PERMISSIONS[data["direction"]]):
                raise PermissionDenied
            candidates = _settleable(company, data["party"], data["direction"])
            rows, errors = allocation_amounts(request.POST, candidates)
            if not errors:
                try:
                    with transaction.atomic():  # a refused post leaves no draft behind
                        payment = _register(request, data, rows)
                except DomainError as error:
                    add_domain_error(form, error)
                else:
                    if payment.state == PaymentState.POSTED:
                        messages.success(
                            request, _("Payment %(number)s posted.") % {"number": payment.number}
                        )
                    return redirect("accounting:payment_detail", pk=payment.pk)
            else:
                form.add_error(None, _("Some allocation amounts are not valid."))
        party = form.cleaned_data.get("party") if hasattr(form, "cleaned_data") else None
        invoices = _settleable(
            company, party, form.cleaned_data.get("direction", PaymentDirection.IN)
        )
        for candidate in invoices:
            candidate.prefill = request.POST.get(f"alloc-{candidate.pk}") or None
        status = 422
    else:
        party = invoice.party if invoice else None
        if party is None and _id(request.GET.get("party")):
            party = Party.objects.filter(company=company, pk=_id(request.GET.get("party"))).first()
        direction = (
            services.SETTLES_DIRECTION.get(invoice.kind, PaymentDirection.IN)
            if invoice
            else request.GET.get("direction", PaymentDirection.IN)
        )
        if direction not in PaymentDirection.values:
            direction = PaymentDirection.IN
        amount = invoice.residual_amount if invoice else None
        currency = invoice.currency_id if invoice else (party.currency_id if party else None)
        form = PaymentForm(
            company=company,
            initial={
                "party": party,
                "direction": direction,
                "amount": amount,
                "date": company_today(company),
                "currency": currency or company.currency_id,
                "journal": form_default_journal(company),
            },
        )
        invoices = _settleable(company, party, direction)
        if invoice is not None:  # the invoice the user came from comes first
            invoices.sort(key=lambda i: i.pk != invoice.pk)
        _prefill(invoices, amount, currency)
        status = 200
    return _page(
        request,
        "accounting/payment_form.html",
        {"form": form, "invoices": invoices, "from_invoice": invoice},
        status=status,
    )


def _register(request, data, rows) -> Payment:
    payment = services.payment_create(
        company=request.company,
        direction=data["direction"],
        party=data["party"],
        amount=data["amount"],
        date=data["date"],
        journal=data["journal"],
        currency=data["currency"],
        reference=data["reference"],
        memo=data["memo"],
        allocations=rows,
        user=request.user,
    )
    if "post" in request.POST:
        payment = services.payment_post(payment=payment, user=request.user)
    return payment


def form_default_journal(company):
    return (
        Journal.objects.filter(
            company=company, kind__in=(JournalKind.BANK, JournalKind.CASH), active=True
        )
        .order_by("kind", "code")
        .first()
    )


@company_view("accounting.add_payment")
def payment_invoices(request):
    """The open invoices of the chosen party (HTMX: the form reloads them on change)."""
    company = request.company
    party = Party.objects.filter(company=company, pk=_id(request.GET.get("party")) or 0).first()
    direction = request.GET.get("direction", PaymentDirection.IN)
    if direction not in PaymentDirection.values:
        direction = PaymentDirection.IN
    invoices = _settleable(company, party, direction)
    _prefill(invoices, _decimal(request.GET.get("amount") or ""), request.GET.get("currency"))
    return _page(request, "accounting/payment_invoices.html", {"invoices": invoices})


def _payment(request, pk) -> Payment:
    payment = payments_of(request.company).select_related("journal", "entry").filter(pk=pk)
    found = payment.first()
    if found is None:
        raise Http404("No such payment")
    return found


@company_view("accounting.view_payment")
def payment_detail(request, pk):
    payment = _payment(request, pk)
    allocatable = []
    if payment.state == PaymentState.POSTED and payment.unallocated_amount > 0:
        side = services.payment_side(payment)
        kind = services.SETTLES[(payment.direction, side)]
        allocatable = list(
            open_invoices(request.company, payment.party).filter(
                kind=kind, currency_id=payment.currency_id
            )
        )
        _prefill(allocatable, payment.unallocated_amount, payment.currency_id)
    return _page(
        request,
        "accounting/payment_detail.html",
        {
            "payment": payment,
            "allocations": list(payment.allocations.all()),
            "allocatable": allocatable,
            "today": company_today(request.company),
        },
    )


def _own_side(request, pk) -> Payment:
    """The payment, if the user holds the duty of its side (customer receipts or supplier
    payments, as for invoices)."""
    payment = get_object_or_404(Payment, company=request.company, pk=pk)
    if not request_has_perm(request, DIRECTION_PERMISSIONS[payment.direction]):
        raise PermissionDenied
    return payment


def _act(request, pk, action, done_message):
    payment = _own_side(request, pk)
    try:
        payment = action(payment)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done_message % {"number": payment.number})
    return redirect("accounting:payment_detail", pk=pk)


@require_POST
@company_view("accounting.change_payment")
def payment_post(request, pk):
    return _act(
        request,
        pk,
        lambda p: services.payment_post(payment=p, user=request.user),
        _("Payment %(number)s posted."),
    )


@require_POST
@company_view("accounting.change_payment")
def payment_cancel(request, pk):
    return _act(
        request,
        pk,
        lambda p: services.payment_cancel(payment=p, user=request.user),
        _("Payment %(number)s cancelled."),
    )


@require_POST
@company_view("accounting.change_payment")
def payment_allocate(request, pk):
    payment = _own_side(request, pk)
    candidates = list(open_invoices(request.company, payment.party))
    rows, errors = allocation_amounts(request.POST, candidates)
    if errors or not rows:
        messages.error(request, _("Enter the amounts to allocate."))
        return redirect("accounting:payment_detail", pk=pk)
    try:
        services.payment_allocate(payment=payment, allocations=rows, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Allocated."))
    return redirect("accounting:payment_detail", pk=pk)


@require_POST
@company_view("accounting.delete_payment")
def payment_delete(request, pk):
    payment = _own_side(request, pk)
    try:
        services.payment_delete(payment=payment)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("accounting:payment_detail", pk=pk)
    messages.success(request, _("Draft payment deleted."))
    return redirect("accounting:payment_list")


urlpatterns = [
    path("payments/", payment_list, name="payment_list"),
    path("payments/new/", payment_create, name="payment_create"),
    path("payments/new/invoices/", payment_invoices, name="payment_invoices"),
    path("payments/<int:pk>/", payment_detail, name="payment_detail"),
    path("payments/<int:pk>/post/", payment_post, name="payment_post"),
    path("payments/<int:pk>/allocate/", payment_allocate, name="payment_allocate"),
    path("payments/<int:pk>/cancel/", payment_cancel, name="payment_cancel"),
    path("payments/<int:pk>/delete/", payment_delete, name="payment_delete"),
]
