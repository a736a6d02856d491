"""Inventory pages for the warehouse floor (thin: forms parse, services decide, queries read)."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.accounting.services import company_today
from tandem.catalog.models import Product
from tandem.core.errors import DomainError
from tandem.core.exports import export_response
from tandem.core.middleware import request_has_perm
from tandem.core.params import id_param
from tandem.core.views import company_view
from tandem.parties.models import Party

from . import queries, services
from .models import (
    CountState,
    InventoryCount,
    Location,
    LocationUsage,
    MoveState,
    ProductStock,
    StockMove,
    Transfer,
    TransferKind,
    Warehouse,
)

PAGE_SIZE = 50
MOVE_ROWS = 6


def _can_edit(request) -> bool:
    return request_has_perm(request, "inventory.change_transfer")


def _page(request, template, context, status=200):
    context.setdefault("can_edit", _can_edit(request))
    return render(request, template, context, status=status)


def _decimal(value) -> Decimal | None:
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


@company_view("inventory.view_transfer")
def home(request):
    company = request.company
    data = queries.overview(company, today=company_today(company))
    return _page(request, "inventory/home.html", {"overview": data})


# -- transfers -----------------------------------------------------------------------------


@company_view("inventory.view_transfer")
def transfer_list(request):
    kind = request.GET.get("kind", "")
    state = request.GET.get("state", "")
    qs = Transfer.objects.filter(company=request.company).select_related(
        "party", "location_src", "location_dest"
    )
    if kind in TransferKind.values:
        qs = qs.filter(kind=kind)
    if state in MoveState.values:
        qs = qs.filter(state=state)
    search = request.GET.get("q", "").strip()[:100]
    if search:
        qs = qs.filter(number__icontains=search) | qs.filter(origin__icontains=search)
    page = Paginator(qs.order_by("-scheduled_date", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return _page(
        request,
        "inventory/transfer_list.html",
        {
            "page": page,
            "kind": kind,
            "state": state,
            "q": search,
            "kinds": TransferKind.choices,
            "states": MoveState.choices,
        },
    )


def _transfer(request, pk) -> Transfer:
    return get_object_or_404(
        Transfer.objects.select_related("party", "location_src", "location_dest", "entry"),
        company=request.company,
        pk=pk,
    )


def _moves_of(transfer):
    return list(
        StockMove.objects.filter(transfer=transfer)
        .select_related("product", "lot", "uom")
        .order_by("pk")
    )


@company_view("inventory.view_transfer")
def transfer_detail(request, pk):
    transfer = _transfer(request, pk)
    return _page(
        request,
        "inventory/transfer_detail.html",
        {
            "transfer": transfer,
            "moves": _moves_of(transfer),
            "backorders": list(transfer.backorders.all()),
        },
    )


@company_view("inventory.change_transfer")
@require_POST
def transfer_action(request, pk, action):
    transfer = _transfer(request, pk)
    try:
        if action == "confirm":
            services.transfer_confirm(transfer=transfer)
        elif action == "assign":
            result = services.transfer_assign(transfer=transfer)
            if result.shortfalls:
                messages.warning(request, _("Only part of the stock could be reserved."))
        elif action == "done":
            result = services.transfer_done(transfer=transfer, user=request.user)
            if result.backorder:
                messages.info(
                    request,
                    _("The rest waits on backorder %(number)s.")
                    % {"number": result.backorder.number},
                )
        elif action == "cancel":
            services.transfer_cancel(transfer=transfer)
        else:
            raise PermissionDenied
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("inventory:transfer_detail", pk=pk)


@company_view("inventory.change_transfer")
@require_POST
def transfer_scan(request, pk):
    """HTMX: one scan of a SKU/barcode (and lot/serial) adds a unit to the matching move."""
    transfer = _transfer(request, pk)
    error = None
    scanned = None
    try:
        scanned = services.transfer_scan(
            transfer=transfer,
            code=request.POST.get("code", ""),
            lot_name=request.POST.get("lot", ""),
            quantity_step=_decimal(request.POST.get("quantity") or "1") or Decimal(1),
        )
    except DomainError as exc:
        error = exc.message
    context = {
        "transfer": transfer,
        "moves": _moves_of(transfer),
        "scan_error": error,
        "scanned": scanned,
        "can_edit": True,
    }
    template = (
        "inventory/_transfer_moves.html" if request.htmx else "inventory/transfer_detail.html"
    )
    return render(request, template, context, status=200)


@company_view("inventory.add_transfer")
def transfer_create(request):
    company = request.company
    errors, values = [], {}
    if request.method == "POST":
        values = request.POST
        kind = request.POST.get("kind", "")
        party = Party.objects.filter(
            company=company, pk=id_param(request.POST.get("party"))
        ).first()
        warehouse = Warehouse.objects.filter(
            company=company, pk=id_param(request.POST.get("warehouse"))
        ).first()
        dest = Location.objects.filter(
            company=company, pk=id_param(request.POST.get("location_dest"))
        ).first()
        moves = []
        for n in range(MOVE_ROWS):
            product_id = request.POST.get(f"product_{n}")
            qty = request.POST.get(f"quantity_{n}", "").strip()
            if not product_id and not qty:
                continue
            product = Product.objects.filter(company=company, pk=id_param(product_id)).first()
            move = {"product": product, "quantity": _decimal(qty) if qty else None}
            cost = request.POST.get(f"unit_cost_{n}", "").strip()
            if cost:
                move["unit_cost"] = _decimal(cost)
            lot = request.POST.get(f"lot_{n}", "").strip()
            if lot:
                move["lot_name"] = lot
            moves.append(move)
        try:
            transfer = services.transfer_create(
                company=company,
                kind=kind,
                party=party,
                warehouse=warehouse,
                location_dest=dest if kind == TransferKind.INTERNAL else None,
                origin=request.POST.get("origin", ""),
                moves=moves,
            )
            return redirect("inventory:transfer_detail", pk=transfer.pk)
        except DomainError as error:
            errors.append(error.message)
    return _page(
        request,
        "inventory/transfer_form.html",
        {
            "errors": errors,
            "values": values,
            "kinds": TransferKind.choices,
            "rows": range(MOVE_ROWS),
            "products": Product.objects.filter(company=company, active=True)
            .exclude(type="service")
            .order_by("sku")[:500],
            "parties": Party.objects.filter(company=company).order_by("name")[:500],
            # each with is_default, so the form starts on the default, not the first by code
            "warehouses": queries.warehouses(company).filter(active=True),
            "locations": Location.objects.filter(
                company=company, usage=LocationUsage.INTERNAL
            ).order_by("full_name"),
        },
        status=422 if errors else 200,
    )


# -- stock ---------------------------------------------------------------------------------


@company_view("inventory.view_stocklevel")
def stock_levels(request):
    company = request.company
    product = Product.objects.filter(
        company=company, pk=id_param(request.GET.get("product"))
    ).first()
    location = Location.objects.filter(
        company=company, pk=id_param(request.GET.get("location"))
    ).first()
    warehouse = Warehouse.objects.filter(
        company=company, pk=id_param(request.GET.get("warehouse"))
    ).first()
    search = request.GET.get("q", "").strip()[:100]
    rows = queries.levels(
        company,
        product=product,
        location=location,
        warehouse=warehouse,
        search=search,
        nonzero=True,
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(
        request,
        "inventory/stock_levels.html",
        {
            "page": page,
            "product": product,
            "location": location,
            "warehouse": warehouse,
            "q": search,
            "warehouses": Warehouse.objects.filter(company=company),
        },
    )


@company_view("inventory.view_stockmove")
def stock_moves(request):
    company = request.company
    product = Product.objects.filter(
        company=company, pk=id_param(request.GET.get("product"))
    ).first()
    location = Location.objects.filter(
        company=company, pk=id_param(request.GET.get("location"))
    ).first()
    state = request.GET.get("state", "")
    qs = queries.moves(
        company,
        product=product,
        location=location,
        state=state if state in MoveState.values else "",
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(
        request,
        "inventory/stock_moves.html",
        {"page": page, "product": product, "location": location, "state": state},
    )


@company_view("inventory.view_valuationlayer")
def valuation(request):
    search = request.GET.get("q", "").strip()[:100]
    report = queries.valuation(request.company, search=search)
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        return export_response(
            fmt=fmt,
            filename="stock-valuation",
            headers=[
                _("SKU"),
                _("Product"),
                _("Valuation"),
                _("Quantity"),
                _("Unit cost"),
                _("Value"),
            ],
            rows=(
                [r["sku"], r["name"], r["valuation"], r["quantity"], r["unit_cost"], r["value"]]
                for r in report["rows"]
            ),
        )
    return _page(request, "inventory/valuation.html", {"report": report, "q": search})


@company_view("inventory.view_valuationlayer")
def valuation_layers(request, product_id):
    product = get_object_or_404(Product, company=request.company, pk=product_id)
    layers = queries.valuation_layers(request.company, product=product)
    page = Paginator(layers, PAGE_SIZE).get_page(request.GET.get("page"))
    stock = ProductStock.objects.filter(company=request.company, product=product).first()
    return _page(
        request,
        "inventory/valuation_layers.html",
        {"product": product, "page": page, "stock": stock},
    )


# -- warehouses and locations --------------------------------------------------------------


@company_view("inventory.view_warehouse")
def warehouses(request):
    company = request.company
    error = None
    can_add = request_has_perm(request, "inventory.add_warehouse")
    can_change = request_has_perm(request, "inventory.change_warehouse")
    what = request.POST.get("what")
    if request.method == "POST" and (can_change if what == "default" else can_add):
        try:
            if what == "default":
                raw = request.POST.get("warehouse", "")
                pk = int(raw) if raw.isdigit() and len(raw) < 19 else 0
                chosen = get_object_or_404(Warehouse, company=company, pk=pk)
                services.warehouse_update(warehouse=chosen, is_default=True)
            elif what == "location":
                parent = Location.objects.filter(
                    company=company, pk=id_param(request.POST.get("parent"))
                ).first()
                services.location_create(
                    company=company,
                    name=request.POST.get("name", ""),
                    parent=parent,
                    barcode=request.POST.get("barcode", ""),
                )
            else:
                services.warehouse_create(
                    company=company,
                    code=request.POST.get("code", ""),
                    name=request.POST.get("name", ""),
                )
            return redirect("inventory:warehouses")
        except DomainError as exc:
            error = exc.message
    services.virtual_locations(company)
    return _page(
        request,
        "inventory/warehouses.html",
        {
            "warehouses": queries.warehouses(company).select_related("stock_location"),
            "locations": Location.objects.filter(company=company).order_by("full_name"),
            "error": error,
            "can_add": can_add,
            "can_change": can_change,
        },
        status=422 if error else 200,
    )


# -- counts --------------------------------------------------------------------------------


@company_view("inventory.view_inventorycount")
def count_list(request):
    company = request.company
    error = None
    if request.method == "POST" and request_has_perm(request, "inventory.add_inventorycount"):
        location = Location.objects.filter(
            company=company, pk=id_param(request.POST.get("location"))
        ).first()
        try:
            count = services.inventory_count_create(company=company, location=location)
            return redirect("inventory:count_detail", pk=count.pk)
        except DomainError as exc:
            error = exc.message
    return _page(
        request,
        "inventory/count_list.html",
        {
            "counts": InventoryCount.objects.filter(company=company)
            .select_related("location")
            .order_by("-date", "-id")[:100],
            "locations": Location.objects.filter(
                company=company, usage=LocationUsage.INTERNAL
            ).order_by("full_name"),
            "error": error,
        },
    )


@company_view("inventory.view_inventorycount")
def count_detail(request, pk):
    company = request.company
    count = get_object_or_404(
        InventoryCount.objects.select_related("location"), company=company, pk=pk
    )
    error = None
    if request.method == "POST" and request_has_perm(request, "inventory.change_inventorycount"):
        try:
            if request.POST.get("action") == "apply":
                services.inventory_count_apply(count=count, user=request.user)
                messages.success(request, _("The count is applied."))
                return redirect("inventory:count_detail", pk=pk)
            code = request.POST.get("code", "").strip()
            product = (
                Product.objects.filter(company=company, sku__iexact=code).first()
                or Product.objects.filter(company=company, barcode=code).first()
                if code
                else None
            )
            if product is None:
                raise DomainError(_("No product with this SKU or barcode."), code="scan.unknown")
            lot = None
            lot_name = request.POST.get("lot", "").strip()
            if lot_name:
                lot = product.lots.filter(name=lot_name).first()
                if lot is None:
                    raise DomainError(_("No such lot of this product."), code="scan.unknown")
            counted = _decimal(request.POST.get("counted") or "")
            if counted is None:
                raise DomainError(_("Enter the counted quantity."), code="validation.required")
            services.inventory_count_set_lines(
                count=count, lines=[{"product": product, "lot": lot, "counted": counted}]
            )
        except DomainError as exc:
            error = exc.message
    count.refresh_from_db()
    return _page(
        request,
        "inventory/count_detail.html",
        {
            "count": count,
            "lines": count.lines.select_related("product", "lot").order_by("pk"),
            "error": error,
            "draft": count.state == CountState.DRAFT,
        },
    )
