"""Valuation layers (FIFO, average, standard) and the journal entry of done moves."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from tandem.accounting.models import Journal, JournalKind
from tandem.accounting.services import account_for_role, company_today, entry_create_posted
from tandem.catalog.models import Valuation
from tandem.core.bulk import rows_update
from tandem.core.errors import ValidationFailed
from tandem.core.money import quantize_price

from ..errors import ValuationInStock
from ..models import LocationUsage, ProductStock, StockMove, ValuationLayer
from ._common import lock, product_stocks
from .warehouses import inventory_settings

CENT = Decimal("0.01")
ZERO = Decimal(0)


def money(value) -> Decimal:
    from decimal import ROUND_HALF_UP

    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def product_stocks_lock(company, product_ids) -> dict[int, ProductStock]:
    """The products' valuation rows, created when missing and locked in pk order.

    Callers that change what received units cost take these first, so they queue behind
    (and ahead of) the receipts and deliveries of the same products.
    """
    rows = product_stocks(company, product_ids)
    locked = lock(ProductStock, [row.pk for row in rows.values()])
    return {row.product_id: row for row in locked.values()}


def _open_layers(product_ids) -> dict[int, list[ValuationLayer]]:
    """The FIFO products' layers with units left, locked, oldest first per product."""
    if not product_ids:
        return {}
    open_ids = ValuationLayer.objects.filter(
        product_id__in=product_ids, remaining_quantity__gt=0
    ).values_list("pk", flat=True)
    by_product: dict[int, list[ValuationLayer]] = defaultdict(list)
    for layer in lock(ValuationLayer, open_ids).values():  # pk order: oldest first
        by_product[layer.product_id].append(layer)
    return by_product


def _consume_fifo(layers: list[ValuationLayer], qty: Decimal, changed: dict) -> tuple:
    """Take `qty` from the open `layers`, oldest first: (value taken, qty short)."""
    taken_value, left = ZERO, qty
    for layer in layers:
        if left <= 0:
            break
        if layer.remaining_quantity <= 0:
            continue
        take = min(left, layer.remaining_quantity)
        if take == layer.remaining_quantity:
            value = layer.remaining_value
        else:
            value = money(layer.remaining_value * take / layer.remaining_quantity)
        layer.remaining_quantity -= take
        layer.remaining_value -= value
        taken_value += value
        left -= take
        changed[layer.pk] = layer
    return taken_value, left


def _outgoing_value(product, stock: ProductStock, qty: Decimal, fifo: dict, changed) -> Decimal:
    method = product.valuation
    if method == Valuation.FIFO:
        value, short = _consume_fifo(fifo.get(product.pk, []), qty, changed)
        if short > 0:  # negative stock allowed: the shortfall leaves at the cost price
            value += money(short * product.cost_price)
        return value
    if stock.quantity > 0 and qty >= stock.quantity and stock.value >= 0:
        # the last units take what is left, so no cent stays behind on an empty product
        return stock.value + money((qty - stock.quantity) * _unit(product, stock))
    return money(qty * _unit(product, stock))


def _unit(product, stock: ProductStock) -> Decimal:
    if product.valuation == Valuation.AVERAGE and stock.quantity > 0:
        return stock.value / stock.quantity
    return product.cost_price


def value_moves(company, moves: list[StockMove]) -> dict[int, Decimal]:
    """Layers for moves entering or leaving valued stock; sets each move's value and cost.

    Runs under the level locks; locks the products' valuation rows in pk order next.
    Incoming moves are valued at their `unit_cost` (the purchase price given by the caller)
    or the product's cost price; standard-cost products always at the cost price.
    Returns the FIFO settlements of negative stock: product id -> value moved from
    inventory to cost of goods sold (negative: back), for `post_moves`.
    """
    crossing = [m for m in moves if m.location_src.is_valued != m.location_dest.is_valued]
    for move in moves:
        if move not in crossing:
            move.value = ZERO
    if not crossing:
        return {}
    locked = product_stocks_lock(company, {m.product_id for m in crossing})
    fifo = _open_layers(
        {
            m.product_id
            for m in crossing
            if m.location_src.is_valued and m.product.valuation == Valuation.FIFO
        }
    )
    consumed: dict[int, ValuationLayer] = {}
    adjustments: dict[int, Decimal] = defaultdict(Decimal)
    layers = []
    for move in crossing:
        product, stock, qty = move.product, locked[move.product_id], move.quantity_done
        if move.location_dest.is_valued:
            if product.valuation == Valuation.STANDARD or move.unit_cost is None:
                unit = product.cost_price
                if product.valuation == Valuation.AVERAGE and move.unit_cost is None:
                    unit = _unit(product, stock)
            else:
                unit = move.unit_cost
            unit = quantize_price(unit)
            value = money(qty * unit)
            fifo_product = product.valuation == Valuation.FIFO
            layer = ValuationLayer(
                company=company,
                product=product,
                move=move,
                quantity=qty,
                unit_cost=unit,
                value=value,
                remaining_quantity=qty if fifo_product else ZERO,
                remaining_value=value if fifo_product else ZERO,
            )
            layers.append(layer)
            if fifo_product and stock.quantity < 0:
                layers.append(_settle_negative(layer, stock, adjustments))
            stock.quantity += qty
            stock.value += value
        else:
            value = _outgoing_value(product, stock, qty, fifo, consumed)
            unit = quantize_price(value / qty) if qty else ZERO
            layers.append(
                ValuationLayer(
                    company=company,
                    product=product,
                    move=move,
                    quantity=-qty,
                    unit_cost=unit,
                    value=-value,
                )
            )
            stock.quantity -= qty
            stock.value -= value
        move.unit_cost = unit
        move.value = value
    rows_update(ValuationLayer, list(consumed.values()), ["remaining_quantity", "remaining_value"])
    ValuationLayer.objects.bulk_create(layers)
    rows_update(ProductStock, list(locked.values()), ["quantity", "value"])
    return {product_id: value for product_id, value in adjustments.items() if value}


def _settle_negative(layer: ValuationLayer, stock: ProductStock, adjustments) -> ValuationLayer:
    """A FIFO receipt into negative stock first covers the units that left without layers.

    Those units left at the cost price of the day; now that their real cost is known they
    take it from this receipt's layer, and the difference goes from inventory to cost of
    goods sold (`adjustments[product] > 0`: COGS up). Returns the layer of no quantity that
    carries the difference, so the layers still add up to the valuation; `stock` (locked,
    before this receipt) and `layer` are updated in place.
    """
    owed_qty = min(layer.quantity, -stock.quantity)
    # what the owed units were valued at when they left: their share of the negative value
    left_at = money(-stock.value * owed_qty / -stock.quantity)
    real = (
        layer.value
        if owed_qty == layer.quantity
        else money(layer.value * owed_qty / layer.quantity)
    )
    layer.remaining_quantity -= owed_qty
    layer.remaining_value -= real
    difference = real - left_at
    adjustments[layer.product_id] += difference
    stock.value -= difference
    return ValuationLayer(
        company=layer.company,
        product=layer.product,
        quantity=ZERO,
        unit_cost=layer.unit_cost,
        value=-difference,
        description=f"{owed_qty} sold before receipt at {layer.unit_cost}"[:200],
    )


def _counterpart(company, usage: str, *, incoming: bool, accounts: dict):
    """The account on the other side of inventory for stock coming from / going to `usage`."""

    def role(name):
        if name not in accounts:
            accounts[name] = account_for_role(company, name, field="account")
        return accounts[name]

    if usage == LocationUsage.SUPPLIER:
        return role("grni")
    if usage == LocationUsage.CUSTOMER:
        return role("cogs")
    if usage == LocationUsage.PRODUCTION:  # components consumed into / outputs made from WIP
        return role("wip")
    settings = inventory_settings(company)
    chosen = settings.gain_account if incoming else settings.loss_account
    return chosen or role("expense")


def _stock_journal(company) -> Journal:
    journal = (
        Journal.objects.filter(company=company, kind=JournalKind.STOCK, active=True)
        .order_by("code")
        .first()
    )
    if journal is None:
        raise ValidationFailed(
            "The chart of accounts has no active stock journal",
            code="journal.stock_missing",
            field="journal",
        )
    return journal


def post_moves(company, moves: list[StockMove], *, reference: str, user=None, settlements=None):
    """One posted entry in the stock journal for the valued moves, or None when nothing is.

    receipt Dr inventory / Cr GRNI; delivery Dr COGS / Cr inventory; counts and scrap
    Dr loss / Cr inventory or the reverse; a return reverses its way in. `settlements`
    (from `value_moves`) true up units sold from negative FIFO stock: Dr COGS / Cr inventory
    or the reverse.
    """
    totals: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    accounts: dict = {}
    objects = {}
    for value in (settlements or {}).values():
        inventory = accounts.setdefault(
            "inventory", account_for_role(company, "inventory", field="account")
        )
        cogs = accounts.setdefault("cogs", account_for_role(company, "cogs", field="account"))
        debit, credit = (cogs, inventory) if value > 0 else (inventory, cogs)
        objects[debit.pk], objects[credit.pk] = debit, credit
        totals[(debit.pk, credit.pk)] += abs(value)
    for move in moves:
        if not move.value or move.location_src.is_valued == move.location_dest.is_valued:
            continue
        if "inventory" not in accounts:
            accounts["inventory"] = account_for_role(company, "inventory", field="account")
        inventory = accounts["inventory"]
        incoming = move.location_dest.is_valued
        other_usage = move.location_src.usage if incoming else move.location_dest.usage
        other = _counterpart(company, other_usage, incoming=incoming, accounts=accounts)
        debit, credit = (inventory, other) if incoming else (other, inventory)
        objects[debit.pk], objects[credit.pk] = debit, credit
        totals[(debit.pk, credit.pk)] += move.value
    if not totals:
        return None
    journal = _stock_journal(company)
    lines = []
    for (debit_id, credit_id), value in sorted(totals.items()):
        if value == 0:
            continue
        lines.append({"account": objects[debit_id], "debit": value, "description": reference})
        lines.append({"account": objects[credit_id], "credit": value, "description": reference})
    if not lines:
        return None
    return entry_create_posted(
        company=company,
        journal=journal,
        date=company_today(company),
        lines=lines,
        reference=reference[:100],
        user=user,
    )


def on_costing_changed(*, event, product, old_cost_price, old_valuation, user=None) -> None:
    """`product.costing_changed` hook (inside the product update's transaction).

    A new valuation method is refused while units are on hand: the layers that FIFO needs
    (or the value AVCO averages) would not describe the stock. A new standard cost revalues
    the units on hand at once, as the standard method values every unit at the cost price.
    """
    stock = product_stocks_lock(product.company, {product.pk})[product.pk]
    if product.valuation != old_valuation and stock.quantity != 0:
        raise ValuationInStock(
            f"{product.sku} has {stock.quantity} on hand: its valuation method changes only "
            "with no stock (deliver or count it out first)",
            field="valuation",
        )
    if product.valuation == Valuation.STANDARD and product.cost_price != old_cost_price:
        standard_cost_revalue(product=product, stock=stock, user=user)


def standard_cost_revalue(*, product, stock: ProductStock, user=None):
    """Value the locked `stock` of a standard-cost product at its cost price: the difference
    posts Dr inventory / Cr stock gain (or Dr stock loss / Cr inventory) and lands in a layer
    of no quantity, so the layers still add up to the valuation. Returns the entry or None."""
    company = product.company
    target = money(stock.quantity * product.cost_price)
    difference = target - stock.value
    if not difference:
        return None
    reference = f"{product.sku} standard cost {quantize_price(product.cost_price)}"[:100]
    accounts: dict = {}
    inventory = account_for_role(company, "inventory", field="account")
    other = _counterpart(
        company, LocationUsage.INVENTORY, incoming=difference > 0, accounts=accounts
    )
    debit, credit = (inventory, other) if difference > 0 else (other, inventory)
    entry = entry_create_posted(
        company=company,
        journal=_stock_journal(company),
        date=company_today(company),
        lines=[
            {"account": debit, "debit": abs(difference), "description": reference},
            {"account": credit, "credit": abs(difference), "description": reference},
        ],
        reference=reference,
        narration=reference,
        user=user,
    )
    ValuationLayer.objects.create(
        company=company,
        product=product,
        quantity=ZERO,
        unit_cost=quantize_price(product.cost_price),
        value=difference,
        description=reference,
    )
    stock.value = target
    rows_update(ProductStock, [stock], ["value"])
    return entry


def received_cost_adjust(
    *,
    company,
    adjustments: list[dict],
    counterpart,
    reference: str,
    user=None,
):
    """Change what received units cost after the fact, in one posted stock entry.

    Each adjustment is {"product", "move_ids" (the done receipt moves whose units it
    concerns), "quantity" (those moves' units, net), "amount" (company currency; positive:
    the units cost more)}. The share of the units still held goes to inventory: the FIFO
    layers of those moves that have units left, or the average value of a product that
    still has units; a standard-cost product keeps its standard. The rest (the share
    already sold, or all of it on standard cost) goes to cost of goods sold. The
    counterpart account (e.g. GRNI) takes the whole amount. Each product gets its own
    lines, so one product up and another down still shows both. Locks the products'
    valuation rows, then the layers. Returns the entry, or None when nothing moves.
    """
    adjustments = [item for item in adjustments if item["amount"]]
    if not adjustments:
        return None
    stocks = product_stocks_lock(company, {item["product"].pk for item in adjustments})
    fifo_moves = {
        move_id
        for item in adjustments
        if item["product"].valuation == Valuation.FIFO
        for move_id in item["move_ids"]
    }
    open_layers: dict[int, list[ValuationLayer]] = defaultdict(list)
    if fifo_moves:
        open_ids = ValuationLayer.objects.filter(
            move_id__in=fifo_moves, remaining_quantity__gt=0
        ).values_list("pk", flat=True)
        for layer in lock(ValuationLayer, open_ids).values():
            open_layers[layer.product_id].append(layer)
    inventory = account_for_role(company, "inventory", field="account")
    cogs = account_for_role(company, "cogs", field="account")
    changed_layers: list[ValuationLayer] = []
    new_layers: list[ValuationLayer] = []
    changed_stocks: list[ProductStock] = []
    lines: list[dict] = []
    for item in adjustments:
        product, amount, received = item["product"], item["amount"], item["quantity"]
        stock = stocks[product.pk]
        held_qty = held_value = ZERO
        if received > 0 and product.valuation == Valuation.FIFO:
            layers = open_layers.get(product.pk, [])
            held_qty = min(sum((layer.remaining_quantity for layer in layers), ZERO), received)
            held_value = money(amount * held_qty / received)
            _spread(layers, held_value)
            changed_layers.extend(layers)
        elif received > 0 and product.valuation == Valuation.AVERAGE and stock.quantity > 0:
            held_qty = min(stock.quantity, received)
            held_value = money(amount * held_qty / received)
        if held_value:
            stock.value += held_value
            changed_stocks.append(stock)
            new_layers.append(
                ValuationLayer(
                    company=company,
                    product=product,
                    quantity=ZERO,
                    unit_cost=quantize_price(held_value / held_qty),
                    value=held_value,
                    description=reference[:200],
                )
            )
        description = f"{reference} {product.sku}"[:200]
        for account, value in (
            (inventory, held_value),
            (cogs, amount - held_value),
            (counterpart, -amount),
        ):
            if value:
                side = "debit" if value > 0 else "credit"
                lines.append({"account": account, side: abs(value), "description": description})
    rows_update(ValuationLayer, changed_layers, ["remaining_value"])
    ValuationLayer.objects.bulk_create(new_layers)
    rows_update(ProductStock, changed_stocks, ["value"])
    return entry_create_posted(
        company=company,
        journal=_stock_journal(company),
        date=company_today(company),
        lines=lines,
        reference=reference[:100],
        narration=reference,
        user=user,
    )


def _spread(layers: list[ValuationLayer], value: Decimal) -> None:
    """Add `value` to the layers' remaining value in proportion to their units left; the
    last layer takes the rounding, so the total is exact."""
    total_qty = sum((layer.remaining_quantity for layer in layers), ZERO)
    left = value
    for index, layer in enumerate(layers):
        if index == len(layers) - 1:
            share = left
        else:
            share = money(value * layer.remaining_quantity / total_qty)
        layer.remaining_value += share
        left -= share
