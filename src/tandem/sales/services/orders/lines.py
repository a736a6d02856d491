"""Order lines: checked, priced in one pass, taxed, totalled and written in bulk."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.db import IntegrityError, transaction

from tandem.accounting.models import Tax, TaxScope
from tandem.accounting.services.tax_defaults import default_taxes_for_lines
from tandem.accounting.services.taxes import accounting_settings, taxes_compute
from tandem.catalog.models import Product, Uom
from tandem.catalog.services.pricing import prices_for
from tandem.core.errors import InvalidReference, ValidationFailed

from ...errors import (
    PriceBelowFloor,
    ProductNotSellable,
)
from ...models import (
    ZERO,
    InvoicePolicy,
    SalesOrder,
    SalesOrderLine,
    SalesOrderLog,
    SalesProductSettings,
    SalesSettings,
)
from .._common import (
    PERM_PRICE_FLOOR,
    may,
    number,
    text,
)

MAX_LINES = 500


def net_price(unit_price: Decimal, discount: Decimal) -> Decimal:
    """The unit price after the line's discount (percent), unrounded: compared, not stored."""
    return unit_price * (100 - (discount or ZERO)) / 100


LINE_FIELDS = ("product", "description", "quantity", "uom", "unit_price", "discount", "taxes")


# -- settings ------------------------------------------------------------------------------


def sales_settings(company) -> SalesSettings:
    row = SalesSettings.objects.filter(company=company).first()
    if row is None:
        try:
            with transaction.atomic():
                row = SalesSettings.objects.create(company=company)
        except IntegrityError:
            row = SalesSettings.objects.get(company=company)
    return row


@transaction.atomic
def product_invoice_policy_set(*, product: Product, invoice_policy: str) -> SalesProductSettings:
    if invoice_policy not in InvoicePolicy.values:
        raise ValidationFailed(
            "invoice_policy: ordered or delivered", code="validation.choice", field="invoice_policy"
        )
    row, _ = SalesProductSettings.objects.update_or_create(
        product=product,
        defaults={"company_id": product.company_id, "invoice_policy": invoice_policy},
    )
    return row


def _policies(company, product_ids) -> dict[int, str]:
    default = sales_settings(company).invoice_policy
    found = dict(
        SalesProductSettings.objects.filter(product_id__in=product_ids).values_list(
            "product_id", "invoice_policy"
        )
    )
    return {pid: found.get(pid, default) for pid in product_ids}


# -- lines and totals ----------------------------------------------------------------------


def _build_lines(order: SalesOrder, lines: Iterable[Mapping], *, user) -> list:
    """Validate input lines into unsaved SalesOrderLines with their taxes."""
    company = order.company
    lines = list(lines)
    checked = _check_lines(company, lines)
    defaults = default_taxes_for_lines(
        company=company, lines=lines, scope=TaxScope.SALE, party=order.party_id
    )
    policies = _policies(company, {product.pk for product, _q, _u in checked})
    # all lines priced in one pass: two queries whatever the number of lines
    quotes = prices_for(
        company=company,
        lines=checked,
        party=order.party,
        on_date=order.order_date,
        currency=order.currency_id,
        price_list=order.price_list_id,
    )
    return _finish_lines(order, lines, checked, quotes, defaults, policies, user=user)


def _check_lines(company, lines: list) -> list:
    """(product, quantity, uom) of each input line, or the first line's error (no query)."""
    if len(lines) > MAX_LINES:
        raise ValidationFailed(f"At most {MAX_LINES} lines", field="lines")
    checked = []
    for index, line in enumerate(lines):
        where = f"lines.{index}"
        if not isinstance(line, Mapping):
            raise ValidationFailed(f"{where}: not a line", field=where)
        unknown = set(line) - set(LINE_FIELDS)
        if unknown:
            raise ValidationFailed(
                f"{where}: unknown fields {', '.join(sorted(unknown))}", field=where
            )
        product = line.get("product")
        if not isinstance(product, Product) or product.company_id != company.pk:
            raise InvalidReference(f"{where}.product: no such product", field=f"{where}.product")
        if not product.active or not product.can_be_sold:
            raise ProductNotSellable(
                f"{where}.product: {product.sku} cannot be sold", field=f"{where}.product"
            )
        quantity = number(
            Decimal(1) if line.get("quantity") is None else line.get("quantity"),
            field=f"{where}.quantity",
            places=4,
            minimum=ZERO,
            strict_min=True,
        )
        uom = line.get("uom") or product.uom
        if not isinstance(uom, Uom) or uom.company_id != company.pk:
            raise InvalidReference(f"{where}.uom: no such unit", field=f"{where}.uom")
        checked.append((product, quantity, uom))
    return checked


def _finish_lines(order, lines, checked, quotes, defaults, policies, *, user) -> list:
    """The unsaved lines from checked input and the reads made for them (no query)."""
    company = order.company
    built = []
    for index, (line, (product, quantity, uom), quote) in enumerate(
        zip(lines, checked, quotes, strict=True)
    ):
        where = f"lines.{index}"
        floor = quote.unit_price
        price = line.get("unit_price")
        price = (
            floor
            if price is None
            else number(price, field=f"{where}.unit_price", places=6, minimum=ZERO)
        )
        discount = number(
            line.get("discount"),
            field=f"{where}.discount",
            places=2,
            minimum=ZERO,
            maximum=Decimal(100),
        )
        # The floor is the price-list price, and it holds for the net price: a discount is
        # a lower price too, so it needs the same permission as typing a lower price.
        if net_price(price, discount) < floor and not may(user, company, PERM_PRICE_FLOOR):
            field = f"{where}.unit_price" if price < floor else f"{where}.discount"
            raise PriceBelowFloor(
                f"{field}: the net price {net_price(price, discount)} is below the price-list "
                f"price {floor}",
                field=field,
                extra={"floor": str(floor)},
            )
        if line.get("taxes") is not None:
            taxes = list(dict.fromkeys(line["taxes"]))
            for tax in taxes:
                if not isinstance(tax, Tax) or tax.company_id != company.pk:
                    raise InvalidReference(f"{where}.taxes: no such tax", field=f"{where}.taxes")
                if tax.scope != TaxScope.SALE or not tax.active:
                    raise ValidationFailed(
                        f"{where}.taxes: {tax.name} is not an active sales tax",
                        code="tax.scope_mismatch",
                        field=f"{where}.taxes",
                    )
        else:
            taxes = list(defaults.get(product.pk, []))
        description = text(line.get("description"), field=f"{where}.description", max_length=500)
        built.append(
            (
                SalesOrderLine(
                    company=company,
                    order=order,
                    sequence=(index + 1) * 10,
                    product=product,
                    description=description or product.name[:500],
                    quantity=quantity,
                    uom=uom,
                    unit_price=price,
                    price_floor=floor,
                    discount=discount,
                    invoice_policy=policies[product.pk],
                ),
                taxes,
                quote.price_list_id,
            )
        )
    return built


def _compute(company, currency: str, rows: list, *, rounding=None) -> object:
    """`rows`: (line, taxes) pairs; the line amounts are filled in, the computation returned."""
    rounding = rounding or accounting_settings(company).tax_rounding
    figures = taxes_compute(
        [
            {
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "discount": line.discount,
                "taxes": taxes,
            }
            for line, taxes in rows
        ],
        currency=currency,
        rounding=rounding,
    )
    for (line, _taxes), fig in zip(rows, figures.lines, strict=True):
        line.untaxed_amount, line.tax_amount, line.total_amount = fig.untaxed, fig.tax, fig.total
    return figures


def _write_lines(order: SalesOrder, built: list, *, user) -> None:
    SalesOrderLine.objects.filter(order=order).delete()
    _totals(order, built)
    _insert_lines(order, built, user=user)


def _totals(order: SalesOrder, built: list, *, rounding=None) -> None:
    """The lines' amounts and the order's totals (and its price list), nothing written."""
    rows = [(line, taxes) for line, taxes, _list in built]
    figures = _compute(order.company, order.currency_id, rows, rounding=rounding)
    if order.price_list_id is None:
        order.price_list_id = next((pl for _l, _t, pl in built if pl), None)
    order.untaxed_amount = figures.untaxed
    order.tax_amount = figures.tax
    order.total_amount = figures.total


def _insert_lines(order: SalesOrder, built: list, *, user) -> None:
    rows = [(line, taxes) for line, taxes, _list in built]
    for line, _taxes in rows:
        line.order = order  # the order has its primary key now
    lines = SalesOrderLine.objects.bulk_create([line for line, _ in rows])
    if lines and lines[0].pk is None:  # backends without RETURNING
        lines = list(SalesOrderLine.objects.filter(order=order).order_by("sequence", "pk"))
    through = SalesOrderLine.taxes.through
    through.objects.bulk_create(
        [
            through(salesorderline_id=line.pk, tax_id=tax.pk)
            for line, (_l, taxes) in zip(lines, rows, strict=True)
            for tax in taxes
        ]
    )
    below = [line for line in lines if net_price(line.unit_price, line.discount) < line.price_floor]
    if below and user is not None:
        SalesOrderLog.objects.bulk_create(
            [
                SalesOrderLog(
                    company_id=order.company_id,
                    order=order,
                    action="price_below_floor",
                    detail=f"{line.product.sku}: "
                    f"{net_price(line.unit_price, line.discount):.6f} < {line.price_floor}",
                    user=user,
                )
                for line in below
            ]
        )
