"""The UI kit's endpoints: the picker's search (products, parties) and a product's line
defaults for the line editor (unit, price, taxes), in JSON for web/static/web/*.js.

web may read every app; the apps' forms use tandem.core.lines, which names these URLs.
"""

from decimal import Decimal, InvalidOperation

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.utils.dateparse import parse_date

from tandem.accounting.services import company_today
from tandem.accounting.services.tax_defaults import default_taxes
from tandem.catalog.queries import products_filtered
from tandem.catalog.services import price_for, uom_factor
from tandem.core.errors import DomainError
from tandem.core.lines import _plain
from tandem.core.money import quantize_price
from tandem.parties.models import Party
from tandem.parties.queries import party_search
from tandem.purchasing.services.prices import supplier_price_for

LIMIT = 20
SCOPES = ("sale", "purchase")


def _company(request):
    if request.company is None:
        raise PermissionDenied
    return request.company


@login_required
def pick_products(request):
    """Active products whose SKU, name or barcode holds `q`; sellable ones for `scope=sale`,
    purchasable ones for `scope=purchase`."""
    company = _company(request)
    scope = request.GET.get("scope", "")
    qs = products_filtered(company, search=request.GET.get("q", "")[:100], active=True)
    if scope == "sale":
        qs = qs.filter(can_be_sold=True)
    elif scope == "purchase":
        qs = qs.filter(can_be_purchased=True)
    items = [
        {"id": p.pk, "label": str(p), "sku": p.sku, "barcode": p.barcode or ""}
        for p in qs.only("pk", "sku", "name", "barcode")[:LIMIT]
    ]
    return JsonResponse({"items": items})


@login_required
def pick_party(request):
    """Active parties matching `q` by name, email, contact or phone; `role=customer` or
    `role=supplier` narrows them."""
    company = _company(request)
    qs = Party.objects.filter(company=company, active=True)
    role = request.GET.get("role", "")
    if role == "customer":
        qs = qs.filter(is_customer=True)
    elif role == "supplier":
        qs = qs.filter(is_supplier=True)
    qs = party_search(qs, request.GET.get("q", "")[:100]).order_by("name", "pk")
    items = [{"id": p.pk, "label": str(p)} for p in qs.only("pk", "name")[:LIMIT]]
    return JsonResponse({"items": items})


def _decimal(value, default: Decimal) -> Decimal:
    try:
        result = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return default
    return result if result.is_finite() and result > 0 else default


@login_required
def line_defaults(request):
    """What a line takes when its product is picked: description, unit, unit price (the
    price list through `price_for` on sales, the supplier's price on purchases) and the
    default taxes of the document's scope for the document's party. The document's price
    list, party, date, currency and the line's quantity come as query parameters."""
    company = _company(request)
    scope = request.GET.get("scope", "")
    if scope not in SCOPES:
        return JsonResponse({"error": "scope"}, status=422)
    product_id = request.GET.get("product", "")
    product = (
        products_filtered(company, active=True).filter(pk=product_id).first()
        if product_id.isdigit()
        else None
    )
    if product is None:
        return JsonResponse({"error": "product"}, status=404)
    party_id = request.GET.get("party", "")
    party = (
        Party.objects.filter(company=company, pk=party_id).first() if party_id.isdigit() else None
    )
    quantity = _decimal(request.GET.get("quantity", "1"), Decimal(1))
    on_date = parse_date(request.GET.get("date", "") or "") or company_today(company)
    currency = (request.GET.get("currency", "") or "").upper()[:3] or None
    price_list = request.GET.get("price_list", "")
    price_list = int(price_list) if price_list.isdigit() else None
    if scope == "sale":
        uom = product.uom
        try:
            quote = price_for(
                product=product,
                party=party,
                quantity=quantity,
                on_date=on_date,
                currency=currency,
                price_list=price_list,
            )
            price = quote.unit_price
        except DomainError:
            price = product.list_price
    else:
        uom = product.purchase_uom
        found = supplier_price_for(
            company=company, product=product, quantity=quantity, on_date=on_date, supplier=party
        )
        want = currency or (party.currency_id if party else None) or company.currency_id
        if found is not None and found.currency_id == want:
            # supplier prices are per the product's unit, as purchasing's service reads them
            price = quantize_price(found.price * uom_factor(from_uom=uom, to_uom=product.uom))
        else:
            price = product.cost_price if want == company.currency_id else Decimal(0)
    taxes = default_taxes(company=company, products=[product], scope=scope, party=party)
    return JsonResponse(
        {
            "product": product.pk,
            "label": str(product),
            "description": product.name,
            "uom": uom.pk if uom else None,
            "uom_name": uom.name if uom else "",
            "unit_price": _plain(price),
            "taxes": [t.pk for t in taxes.get(product.pk, [])],
        }
    )
