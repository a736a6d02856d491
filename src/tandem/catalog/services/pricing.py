"""price_for: the unit price every sales document starts from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date as date_type
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from tandem.core.money import quantize_price
from tandem.core.services import exchange_rate_for

from ..errors import InvalidReference
from ..models import (
    PriceList,
    PriceListItem,
    Product,
    Uom,
)
from ._common import _decimal
from .uoms import uom_factor


@dataclass(frozen=True)
class PriceQuote:
    """The unit price of a product for a party, quantity, date, unit and currency."""

    unit_price: Decimal
    currency: str
    price_list_id: int | None
    item_id: int | None
    source: str  # "price_list" or "list_price"
    uom_id: int | None = None


def _valid_on(on_date) -> Q:
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=on_date)) & (
        Q(valid_to__isnull=True) | Q(valid_to__gte=on_date)
    )


def company_today(company) -> date_type:
    try:
        zone = ZoneInfo(company.time_zone)
    except Exception:
        zone = ZoneInfo("UTC")
    return timezone.localdate(timezone=zone)


def price_for(
    *,
    product: Product,
    party=None,
    quantity=Decimal(1),
    on_date: date_type | None = None,
    uom: Uom | None = None,
    currency=None,
    price_list=None,
) -> PriceQuote:
    """The price every sales document starts from.

    Price list: the document's own (`price_list`, a PriceList or id, when it is active and
    valid on the date), else the one assigned to `party` (active, valid on the date), else
    the company's default list in the asked currency (`currency`, else the party's), else
    the default list in the company currency. Within a list, the item of the product valid
    on the date with the greatest `min_quantity` not above the quantity (in the product's
    unit); a list without such an item passes on to the next. Fallback: the product's list
    price in the company currency. The price is converted into the asked currency with the
    company's exchange rates and given per `uom` when another unit of the same category is
    asked. At most six queries, whatever the data.
    """
    return prices_for(
        company=product.company,
        lines=[(product, quantity, uom)],
        party=party,
        on_date=on_date,
        currency=currency,
        price_list=price_list,
    )[0]


def prices_for(
    *,
    company,
    lines,
    party=None,
    on_date: date_type | None = None,
    currency=None,
    price_list=None,
) -> list[PriceQuote]:
    """`price_for` of every (product, quantity, uom) of one document, in one pass.

    The rules are those of `price_for`; the candidate lists are read once and the items of
    all the document's products in one query, so a document of N lines costs what one line
    does (issue 20: a quotation priced line by line paid two queries per line).
    """
    if party is not None and party.company_id != company.pk:
        raise InvalidReference("party: no such record in this company", field="party")
    on_date = on_date or company_today(company)
    asked = getattr(currency, "code", currency) or (
        getattr(party, "currency_id", None) if party is not None else None
    )
    asked = asked.upper() if asked else None
    preferred = asked or company.currency_id

    wanted_lines = []
    for product, quantity, uom in lines:
        if product.company_id != company.pk:
            raise InvalidReference("product: no such record in this company", field="product")
        quantity = _decimal(quantity, field="quantity")
        product_uom = product.uom
        if uom is None:
            uom = product_uom
        elif uom.company_id != company.pk:
            raise InvalidReference("uom: no such record in this company", field="uom")
        per_uom = uom_factor(from_uom=uom, to_uom=product_uom)  # product units in one `uom`
        wanted_lines.append((product, quantity * per_uom, uom, per_uom))

    lists = PriceList.objects.filter(company_id=company.pk, active=True).filter(_valid_on(on_date))
    wanted = Q(is_default=True, currency_id__in={preferred, company.currency_id})
    own = getattr(price_list, "pk", price_list)
    if own is not None:
        wanted |= Q(pk=own)
    if party is not None:
        through = PriceList.parties.through
        lists = lists.annotate(
            assigned=Exists(through.objects.filter(pricelist_id=OuterRef("pk"), party_id=party.pk))
        )
        wanted |= Q(assigned=True)
    columns = ["id", "currency_id", "is_default"] + (["assigned"] if party is not None else [])
    candidates = list(lists.filter(wanted).values_list(*columns)) if wanted_lines else []

    def rank(row):
        list_id, list_currency, is_default = row[:3]
        assigned = row[3] if len(row) > 3 else False
        if list_id == own:
            return (-1, False, list_id)
        if assigned:
            return (0, list_currency != preferred, list_id)
        return (1 if list_currency == preferred else 2, False, list_id)

    ranked = sorted(candidates, key=rank)
    # product -> items in the order `price_for` prefers them within one list
    items_of: dict[int, list] = {}
    if ranked:
        most = max(q for _p, q, _u, _f in wanted_lines)
        items = (
            PriceListItem.objects.filter(
                product_id__in={p.pk for p, _q, _u, _f in wanted_lines},
                price_list_id__in=[row[0] for row in ranked],
                min_quantity__lte=most,
            )
            .filter(_valid_on(on_date))
            .order_by(
                "product_id",
                "price_list_id",
                "-min_quantity",
                F("valid_from").desc(nulls_last=True),
                "-id",
            )
            .values_list("id", "product_id", "price_list_id", "unit_price", "min_quantity")
        )
        for item_id, product_id, list_id, unit_price, min_quantity in items:
            items_of.setdefault(product_id, []).append((item_id, list_id, unit_price, min_quantity))

    rates: dict[str, Decimal] = {}

    def rate(code):
        if code not in rates:
            rates[code] = exchange_rate_for(company=company, currency=code, on_date=on_date)
        return rates[code]

    quotes = []
    for product, quantity_in_product_uom, uom, per_uom in wanted_lines:
        best = {}
        for item_id, list_id, unit_price, min_quantity in items_of.get(product.pk, ()):
            if min_quantity <= quantity_in_product_uom:
                best.setdefault(list_id, (item_id, unit_price))
        chosen = None
        for list_id, list_currency, *_rest in ranked:
            if list_id in best:
                chosen = (list_id, list_currency, *best[list_id])
                break
        if chosen is not None:
            list_id, source_currency, item_id, price = chosen
            source = "price_list"
        else:
            list_id, item_id, price = None, None, product.list_price
            source_currency, source = company.currency_id, "list_price"
        target_currency = asked or source_currency
        if target_currency != source_currency:
            price = price * rate(source_currency) / rate(target_currency)
        quotes.append(
            PriceQuote(
                unit_price=quantize_price(price * per_uom),
                currency=target_currency,
                price_list_id=list_id,
                item_id=item_id,
                source=source,
                uom_id=uom.pk,
            )
        )
    return quotes
