"""/taxes and /invoices (thin: see services.taxes and services.invoices)."""

from datetime import date

from django.db.models import Prefetch
from django.http import HttpResponse
from ninja import Query, Router, Status

from tandem.api.context import (
    company_of,
    get_ref,
    get_scoped,
    page_of,
    paginate,
    require_perm,
)
from tandem.catalog.models import Product, Uom
from tandem.parties.models import Party, PaymentTerm

from ..errors import InvalidReference
from ..models import (
    KIND_PERMISSIONS,
    Account,
    Invoice,
    InvoiceLine,
    InvoiceTax,
    Journal,
    Tax,
    TaxGroup,
)
from ..queries.taxes import invoices_filtered
from ..schemas.invoices import (
    InvoiceCreditIn,
    InvoiceIn,
    InvoiceListOut,
    InvoiceOut,
    InvoicePatch,
    TaxIn,
    TaxOut,
    TaxPatch,
)
from ..schemas.ledger import MAX_ID, NO_NUL
from ..services import invoices as invoice_services
from ..services import taxes as tax_services

router = Router()

LIMIT = Query(50, ge=1, le=500)
OFFSET = Query(0, ge=0, le=10**12)
SEARCH = Query("", max_length=100, pattern=NO_NUL)
ID = Query(None, ge=1, le=MAX_ID)


# -- taxes ---------------------------------------------------------------------------------


def _taxes(request):
    return Tax.objects.filter(company=company_of(request)).select_related("group")


def _tax_refs(request, data: dict) -> dict:
    if data.get("group") is not None:
        data["group"] = get_ref(TaxGroup, request, data["group"], field="group")
    if data.get("account") is not None:
        data["account"] = get_ref(Account, request, data["account"], field="account")
    return data


@router.get("/taxes", response=page_of(TaxOut), tags=["accounting"])
def tax_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    search: str = SEARCH,
    scope: str = Query("", pattern=r"^(|sale|purchase)$"),
    active: bool | None = None,
):
    require_perm(request, "accounting.view_tax")
    qs = _taxes(request)
    if search:
        qs = qs.filter(name__icontains=search) | qs.filter(label__icontains=search)
    if scope:
        qs = qs.filter(scope=scope)
    if active is not None:
        qs = qs.filter(active=active)
    return paginate(qs.order_by("scope", "sequence", "name", "id"), limit=limit, offset=offset)


@router.get("/taxes/{tax_id}", response=TaxOut, tags=["accounting"])
def tax_read(request, tax_id: int):
    require_perm(request, "accounting.view_tax")
    return get_scoped(_taxes(request), request, tax_id, label="tax")


@router.post("/taxes", response={201: TaxOut}, tags=["accounting"])
def tax_add(request, payload: TaxIn):
    require_perm(request, "accounting.add_tax")
    data = _tax_refs(request, payload.dict())
    tax = tax_services.tax_create(company=company_of(request), **data)
    return Status(201, get_scoped(_taxes(request), request, tax.pk, label="tax"))


@router.patch("/taxes/{tax_id}", response=TaxOut, tags=["accounting"])
def tax_update(request, tax_id: int, payload: TaxPatch):
    require_perm(request, "accounting.change_tax")
    tax = get_scoped(Tax, request, tax_id, label="tax")
    changes = payload.dict(exclude_unset=True)
    # null clears the group; elsewhere it is ignored
    changes = {k: v for k, v in changes.items() if v is not None or k == "group"}
    tax_services.tax_update(tax=tax, **_tax_refs(request, changes))
    return get_scoped(_taxes(request), request, tax_id, label="tax")


@router.delete("/taxes/{tax_id}", response={204: None}, tags=["accounting"])
def tax_delete(request, tax_id: int):
    """Only a tax no invoice uses; archive the others (PATCH active=false)."""
    require_perm(request, "accounting.delete_tax")
    tax_services.tax_delete(tax=get_scoped(Tax, request, tax_id, label="tax"))
    return Status(204, None)


# -- invoices ------------------------------------------------------------------------------


def _invoices(request):
    return Invoice.objects.filter(company=company_of(request)).select_related("party")


def _invoice(request, invoice_id):
    qs = _invoices(request).prefetch_related(
        Prefetch(
            "lines",
            queryset=InvoiceLine.objects.order_by("sequence", "id").prefetch_related("taxes"),
        ),
        Prefetch("tax_lines", queryset=InvoiceTax.objects.select_related("tax")),
        Prefetch("credit_notes", queryset=Invoice.objects.only("id", "credited_invoice_id")),
    )
    return get_scoped(qs, request, invoice_id, label="invoice")


def _lines(request, lines) -> list[dict]:
    """Ids of the payload's lines as rows of the caller's company (one query per kind)."""
    company = company_of(request)
    wanted = {"product": set(), "account": set(), "uom": set(), "taxes": set()}
    for line in lines:
        for name in ("product", "account", "uom"):
            if line.get(name) is not None:
                wanted[name].add(line[name])
        wanted["taxes"].update(line.get("taxes") or ())
    found = {
        "product": Product.objects.filter(company=company).in_bulk(wanted["product"]),
        "account": Account.objects.filter(company=company).in_bulk(wanted["account"]),
        "uom": Uom.objects.filter(company=company).in_bulk(wanted["uom"]),
        "taxes": Tax.objects.filter(company=company).in_bulk(wanted["taxes"]),
    }
    rows = []
    for index, line in enumerate(lines):
        row = dict(line)
        for name in ("product", "account", "uom"):
            if row.get(name) is not None:
                row[name] = found[name].get(line[name])
                if row[name] is None:
                    raise InvalidReference(
                        f"{name}: no such record with id {line[name]}",
                        field=f"lines.{index}.{name}",
                    )
        if row.get("taxes") is not None:
            taxes = []
            for pk in dict.fromkeys(row["taxes"]):
                if pk not in found["taxes"]:
                    raise InvalidReference(
                        f"taxes: no such record with id {pk}", field=f"lines.{index}.taxes"
                    )
                taxes.append(found["taxes"][pk])
            row["taxes"] = taxes
        if row.get("unit_price") is None:
            row.pop("unit_price", None)
        rows.append(row)
    return rows


def _invoice_refs(request, data: dict) -> dict:
    if data.get("party") is not None:
        data["party"] = get_ref(Party, request, data["party"], field="party")
    if data.get("journal") is not None:
        data["journal"] = get_ref(Journal, request, data["journal"], field="journal")
    if data.get("payment_term") is not None:
        data["payment_term"] = get_ref(
            PaymentTerm, request, data["payment_term"], field="payment_term"
        )
    if data.get("lines") is not None:
        data["lines"] = _lines(request, data["lines"])
    return data


@router.get("/invoices", response=page_of(InvoiceListOut), tags=["accounting"])
def invoice_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    search: str = SEARCH,
    kind: str = Query(
        "", pattern=r"^(|customer_invoice|customer_credit_note|vendor_bill|vendor_credit_note)$"
    ),
    state: str = Query("", pattern=r"^(|draft|posted|cancelled)$"),
    payment_state: str = Query("", pattern=r"^(|not_paid|partial|paid)$"),
    party: int | None = ID,
    date_from: date | None = None,
    date_to: date | None = None,
):
    require_perm(request, "accounting.view_invoice")
    qs = invoices_filtered(
        company_of(request),
        kind=kind,
        state=state,
        payment_state=payment_state,
        party=party,
        date_from=date_from,
        date_to=date_to,
        search=search,
    )
    return paginate(qs, limit=limit, offset=offset)


def _invoice_to_write(request, invoice_id, perm: str) -> Invoice:
    """The invoice, once the caller holds `perm` and the permission of the invoice's kind
    (customer or vendor documents). Scoped first: another company's id is a 404 whatever
    its kind."""
    require_perm(request, perm)
    invoice = get_scoped(Invoice, request, invoice_id, label="invoice")
    require_perm(request, KIND_PERMISSIONS[invoice.kind])
    return invoice


@router.get("/invoices/{invoice_id}", response=InvoiceOut, tags=["accounting"])
def invoice_read(request, invoice_id: int):
    require_perm(request, "accounting.view_invoice")
    return _invoice(request, invoice_id)


@router.post("/invoices", response={201: InvoiceOut}, tags=["accounting"])
def invoice_add(request, payload: InvoiceIn):
    """A draft; post it with POST /invoices/{id}/post."""
    require_perm(request, "accounting.add_invoice")
    require_perm(request, KIND_PERMISSIONS[payload.kind])
    data = _invoice_refs(request, payload.dict())
    invoice = invoice_services.invoice_create(
        company=company_of(request), user=request.user, **data
    )
    return Status(201, _invoice(request, invoice.pk))


@router.patch("/invoices/{invoice_id}", response=InvoiceOut, tags=["accounting"])
def invoice_update(request, invoice_id: int, payload: InvoicePatch):
    """Drafts only (409 `invoice.not_draft`); `lines`, when given, replace all lines."""
    invoice = _invoice_to_write(request, invoice_id, "accounting.change_invoice")
    changes = payload.dict(exclude_unset=True)
    # null clears the payment term and the due date; elsewhere it is ignored
    changes = {
        k: v for k, v in changes.items() if v is not None or k in ("payment_term", "due_date")
    }
    invoice_services.invoice_update(invoice=invoice, **_invoice_refs(request, changes))
    return _invoice(request, invoice_id)


@router.delete("/invoices/{invoice_id}", response={204: None}, tags=["accounting"])
def invoice_delete(request, invoice_id: int):
    invoice_services.invoice_delete(
        invoice=_invoice_to_write(request, invoice_id, "accounting.delete_invoice")
    )
    return Status(204, None)


@router.post("/invoices/{invoice_id}/post", response=InvoiceOut, tags=["accounting"])
def invoice_post(request, invoice_id: int):
    invoice = _invoice_to_write(request, invoice_id, "accounting.change_invoice")
    invoice_services.invoice_post(invoice=invoice, user=request.user)
    return _invoice(request, invoice_id)


@router.post("/invoices/{invoice_id}/cancel", response=InvoiceOut, tags=["accounting"])
def invoice_cancel(request, invoice_id: int):
    invoice = _invoice_to_write(request, invoice_id, "accounting.change_invoice")
    invoice_services.invoice_cancel(invoice=invoice, user=request.user)
    return _invoice(request, invoice_id)


@router.post("/invoices/{invoice_id}/credit", response={201: InvoiceOut}, tags=["accounting"])
def invoice_credit(request, invoice_id: int, payload: InvoiceCreditIn | None = None):
    """A draft credit note with the same lines; answers the new document."""
    invoice = _invoice_to_write(request, invoice_id, "accounting.add_invoice")
    note = invoice_services.invoice_credit(
        invoice=invoice, date=payload.date if payload else None, user=request.user
    )
    return Status(201, _invoice(request, note.pk))


@router.get("/invoices/{invoice_id}/pdf", tags=["accounting"])
def invoice_pdf(request, invoice_id: int):
    """The invoice as PDF, in its language (else the company's)."""
    require_perm(request, "accounting.view_invoice")
    from ..pdf import invoice_pdf as render

    invoice = _invoice(request, invoice_id)
    content, filename = render(invoice)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
