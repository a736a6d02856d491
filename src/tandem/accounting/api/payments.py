"""/payments and the allocation of credit notes (thin: see services/payments.py)."""

import datetime as dt
from datetime import date
from decimal import Decimal
from typing import Literal

from django.db.models import Prefetch, Q
from ninja import Query, Router, Schema, Status
from pydantic import Field

from tandem.api.context import company_of, get_ref, get_scoped, page_of, paginate, require_perm
from tandem.parties.models import Party

from ..models import DIRECTION_PERMISSIONS, KIND_PERMISSIONS, Allocation, Invoice, Journal, Payment
from ..schemas.ledger import MAX_ID, NO_NUL
from ..schemas.payments import (
    AllocationOut,
    CreditAllocateIn,
    PaymentAllocateIn,
    PaymentCancelIn,
    PaymentIn,
    PaymentOut,
    PaymentPatch,
)
from ..services import payments as services
from ..services.bank_import import MAX_RECEIPTS, payments_import

router = Router()

LIMIT = Query(50, ge=1, le=500)
OFFSET = Query(0, ge=0, le=10**12)
ID = Query(None, ge=1, le=MAX_ID)


def payments_of(company):
    """Payments with what their list and detail show, in a fixed number of queries."""
    return (
        Payment.objects.filter(company=company)
        .select_related("party")
        .prefetch_related(
            Prefetch(
                "allocations",
                queryset=Allocation.objects.select_related("invoice").order_by("date", "id"),
            )
        )
    )


def _read(request, payment_id) -> Payment:
    return get_scoped(payments_of(company_of(request)), request, payment_id, label="payment")


def _allocations(request, rows) -> list[tuple[Invoice, object]]:
    invoices = {
        inv.pk: inv
        for inv in Invoice.objects.filter(
            company=company_of(request), pk__in={row["invoice"] for row in rows}
        )
    }
    result = []
    for index, row in enumerate(rows):
        invoice = invoices.get(row["invoice"])
        if invoice is None:
            raise services.InvalidReference(
                f"invoice: no such record with id {row['invoice']}",
                field=f"allocations.{index}.invoice",
            )
        result.append((invoice, row["amount"]))
    return result


@router.get("/payments", response=page_of(PaymentOut), tags=["accounting"])
def payment_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    search: str = Query("", max_length=100, pattern=NO_NUL),
    party: int | None = ID,
    direction: str = Query("", pattern=r"^(|in|out)$"),
    state: str = Query("", pattern=r"^(|draft|posted|cancelled)$"),
    date_from: date | None = None,
    date_to: date | None = None,
):
    require_perm(request, "accounting.view_payment")
    qs = payments_of(company_of(request))
    if search:
        qs = qs.filter(
            Q(number__icontains=search)
            | Q(reference__icontains=search)
            | Q(party__name__icontains=search)
        )
    if party is not None:
        qs = qs.filter(party_id=party)
    if direction:
        qs = qs.filter(direction=direction)
    if state:
        qs = qs.filter(state=state)
    if date_from is not None:
        qs = qs.filter(date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(date__lte=date_to)
    return paginate(qs.order_by("-date", "-id"), limit=limit, offset=offset)


class ReceiptIn(Schema):
    reference: str = Field(min_length=1, max_length=100, pattern=NO_NUL)
    amount: Decimal = Field(gt=0, max_digits=18, decimal_places=2)
    date: dt.date | None = None
    memo: str = Field("", max_length=500, pattern=NO_NUL)


class PaymentImportIn(Schema):
    journal: int | None = Field(None, ge=1, le=MAX_ID)
    receipts: list[ReceiptIn] = Field(min_length=1, max_length=MAX_RECEIPTS)


class ReceiptErrorOut(Schema):
    code: str
    title: str
    detail: str
    field: str


class ReceiptResultOut(Schema):
    index: int
    status: Literal["posted", "error"]
    payment: int | None = None
    invoice: int | None = None
    error: ReceiptErrorOut | None = None


class PaymentImportOut(Schema):
    posted: int
    failed: int
    results: list[ReceiptResultOut]


@router.post("/payments/import", response=PaymentImportOut, tags=["accounting"])
def payment_import(request, payload: PaymentImportIn):
    """A bank file's receipts (up to 5,000) matched to open customer invoices and posted.

    Each receipt names its invoice by number (or the invoice's reference) and pays its
    residual exactly; one result per receipt, in the order sent. No open invoice of that
    reference (`payment.unmatched`), another amount (`payment.amount_mismatch`) or the same
    invoice twice (`payment.duplicate_reference`) comes back as that receipt's error with
    nothing of it written, while the others post. A malformed or oversized file answers 422
    and writes nothing."""
    require_perm(request, "accounting.add_payment")
    require_perm(request, "accounting.change_payment")
    require_perm(request, DIRECTION_PERMISSIONS["in"])  # customer receipts only
    company = company_of(request)
    journal = None
    if payload.journal is not None:
        journal = get_ref(Journal, request, payload.journal, field="journal")
    results = payments_import(
        company=company,
        receipts=[receipt.dict() for receipt in payload.receipts],
        journal=journal,
        user=request.user,
    )
    rows = []
    for result in results:
        error = result.error
        rows.append(
            {
                "index": result.index,
                "status": "error" if error is not None else "posted",
                "payment": result.payment.pk if result.payment is not None else None,
                "invoice": result.invoice.pk if result.invoice is not None else None,
                "error": None
                if error is None
                else {
                    "code": error.code,
                    "title": str(error.title),
                    "detail": error.message,
                    "field": f"receipts.{result.index}.{error.field}"
                    if getattr(error, "field", None)
                    else f"receipts.{result.index}",
                },
            }
        )
    failed = sum(r.error is not None for r in results)
    return {"posted": len(results) - failed, "failed": failed, "results": rows}


@router.get("/payments/{payment_id}", response=PaymentOut, tags=["accounting"])
def payment_read(request, payment_id: int):
    require_perm(request, "accounting.view_payment")
    return _read(request, payment_id)


@router.get("/payments/{payment_id}/pdf", tags=["accounting"])
def payment_pdf(request, payment_id: int):
    """The payment receipt (money in) or remittance advice (out) as PDF."""
    require_perm(request, "accounting.view_payment")
    from django.http import HttpResponse

    from ..pdf import payment_pdf as render

    content, filename = render(_read(request, payment_id))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _payment_for(request, payment_id: int, perm: str) -> Payment:
    """The company's payment, if the caller holds `perm` and the permission of its side
    (customer receipts or supplier payments; 403 otherwise)."""
    require_perm(request, perm)
    payment = get_scoped(Payment, request, payment_id)
    require_perm(request, DIRECTION_PERMISSIONS[payment.direction])
    return payment


@router.post("/payments", response={201: PaymentOut}, tags=["accounting"])
def payment_add(request, payload: PaymentIn):
    """A draft; `allocations` are applied by POST /payments/{id}/post. Money in needs the
    customer-invoice duty, money out the vendor-bill duty (403 otherwise)."""
    require_perm(request, "accounting.add_payment")
    data = payload.dict()
    require_perm(request, DIRECTION_PERMISSIONS[data["direction"]])
    payment = services.payment_create(
        company=company_of(request),
        direction=data["direction"],
        party=get_ref(Party, request, data["party"], field="party"),
        amount=data["amount"],
        date=data["date"],
        journal=get_ref(Journal, request, data["journal"], field="journal"),
        currency=data["currency"],
        reference=data["reference"],
        memo=data["memo"],
        allocations=_allocations(request, data["allocations"]),
        user=request.user,
    )
    return Status(201, _read(request, payment.pk))


@router.patch("/payments/{payment_id}", response=PaymentOut, tags=["accounting"])
def payment_update(request, payment_id: int, payload: PaymentPatch):
    """Drafts only (409 `payment.not_draft`); `allocations`, when given, replace all."""
    payment = _payment_for(request, payment_id, "accounting.change_payment")
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    if "party" in changes:
        changes["party"] = get_ref(Party, request, changes["party"], field="party")
    if "journal" in changes:
        changes["journal"] = get_ref(Journal, request, changes["journal"], field="journal")
    if "allocations" in changes:
        changes["allocations"] = _allocations(request, changes["allocations"])
    services.payment_update(payment=payment, **changes)
    return _read(request, payment.pk)


@router.delete("/payments/{payment_id}", response={204: None}, tags=["accounting"])
def payment_delete(request, payment_id: int):
    payment = _payment_for(request, payment_id, "accounting.delete_payment")
    services.payment_delete(payment=payment)
    return Status(204, None)


@router.post("/payments/{payment_id}/post", response=PaymentOut, tags=["accounting"])
def payment_post(request, payment_id: int):
    """Numbers the payment, posts its entry and applies its allocations (422/409 on refusal)."""
    payment = _payment_for(request, payment_id, "accounting.change_payment")
    services.payment_post(payment=payment, user=request.user)
    return _read(request, payment_id)


@router.post("/payments/{payment_id}/allocate", response=PaymentOut, tags=["accounting"])
def payment_allocate(request, payment_id: int, payload: PaymentAllocateIn):
    """Allocates a posted payment's unallocated amount to invoices."""
    payment = _payment_for(request, payment_id, "accounting.change_payment")
    data = payload.dict()
    services.payment_allocate(
        payment=payment,
        allocations=_allocations(request, data["allocations"]),
        date=data["date"],
        user=request.user,
    )
    return _read(request, payment_id)


@router.post("/payments/{payment_id}/cancel", response=PaymentOut, tags=["accounting"])
def payment_cancel(request, payment_id: int, payload: PaymentCancelIn | None = None):
    """Posts the reversal, undoes the allocations (the invoices are due again)."""
    payment = _payment_for(request, payment_id, "accounting.change_payment")
    services.payment_cancel(
        payment=payment,
        date=payload.date if payload else None,
        user=request.user,
    )
    return _read(request, payment_id)


@router.post(
    "/invoices/{credit_note_id}/allocate-credit",
    response={201: AllocationOut},
    tags=["accounting"],
)
def credit_note_allocate(request, credit_note_id: int, payload: CreditAllocateIn):
    """Settles `amount` of `invoice` with this credit note (same party and currency)."""
    require_perm(request, "accounting.change_invoice")
    note = get_scoped(Invoice, request, credit_note_id, label="invoice")
    require_perm(request, KIND_PERMISSIONS[note.kind])
    allocation = services.credit_note_allocate(
        credit_note=note,
        invoice=get_ref(Invoice, request, payload.invoice, field="invoice"),
        amount=payload.amount,
        date=payload.date,
        user=request.user,
    )
    return Status(201, Allocation.objects.select_related("invoice").get(pk=allocation.pk))
