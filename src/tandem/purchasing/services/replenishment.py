"""Replenishment: reorder rules turned into draft purchase orders, grouped by supplier."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_CEILING, Decimal

from django.db import transaction
from django.utils import timezone

from tandem.accounting.services import company_today
from tandem.core.models import Company
from tandem.core.money import quantize_quantity
from tandem.inventory.models import Warehouse

from ..models import OrderState, PurchaseOrder, PurchaseOrderLine, ReorderRule, SupplierPrice
from ._common import check_company, lock
from .orders import order_recompute, purchase_order_create
from .prices import supplier_price_for

ZERO = Decimal(0)
ORIGIN = "Replenishment"


@dataclass
class Suggestion:
    """What one rule asks for, and why."""

    rule: ReorderRule
    available: Decimal
    incoming: Decimal
    outgoing: Decimal
    forecast: Decimal
    quantity: Decimal = ZERO
    supplier_price: SupplierPrice | None = None
    reason: str = ""
    status: str = "ok"  # ok | order | no_supplier
    order: PurchaseOrder | None = None
    line: PurchaseOrderLine | None = None
    extra: dict = field(default_factory=dict)


def _fmt(value: Decimal) -> str:
    value = value.normalize()
    return f"{value:f}"


def order_quantity(*, forecast: Decimal, min_quantity, max_quantity, multiple) -> Decimal:
    """Up to max, rounded up to the multiple; nothing while the forecast is at or above min."""
    if forecast >= min_quantity:
        return ZERO
    need = max_quantity - forecast
    if multiple and multiple > 0:
        need = (need / multiple).to_integral_value(rounding=ROUND_CEILING) * multiple
    return need


def replenishment_suggestions(*, company, warehouse: Warehouse | None = None) -> list[Suggestion]:
    """Each active rule's figures and what to order (read only)."""
    from tandem.inventory.queries import warehouse_forecast

    from ..queries import rules

    today = company_today(company)
    rule_rows = list(rules(company, warehouse=warehouse, active=True))
    figures = warehouse_forecast(
        company,
        warehouse_ids={r.warehouse_id for r in rule_rows},
        product_ids={r.product_id for r in rule_rows},
    )
    result = []
    for rule in rule_rows:
        f = figures[(rule.warehouse_id, rule.product_id)]
        places = rule.product.uom.decimal_places
        suggestion = Suggestion(
            rule=rule,
            available=f["available"],
            incoming=f["incoming"],
            outgoing=f["outgoing"],
            forecast=f["forecast"],
        )
        qty = order_quantity(
            forecast=f["forecast"],
            min_quantity=rule.min_quantity,
            max_quantity=rule.max_quantity,
            multiple=rule.multiple,
        )
        qty = quantize_quantity(qty, places)
        if not qty:
            suggestion.reason = (
                f"forecast {_fmt(f['forecast'])} ≥ min {_fmt(rule.min_quantity)}: nothing to order"
            )
            result.append(suggestion)
            continue
        suggestion.quantity = qty
        suggestion.reason = (
            f"forecast {_fmt(f['forecast'])} < min {_fmt(rule.min_quantity)} → order {_fmt(qty)}"
            f" to reach max {_fmt(rule.max_quantity)}"
        )
        price = supplier_price_for(
            company=company,
            product=rule.product,
            quantity=qty,
            on_date=today,
            supplier=rule.supplier,
        )
        if price is None:
            suggestion.status = "no_supplier"
            suggestion.reason += "; no supplier price valid for this quantity"
        else:
            suggestion.status = "order"
            suggestion.supplier_price = price
        result.append(suggestion)
    return result


@transaction.atomic
def replenishment_run(
    *, company, warehouse: Warehouse | None = None, user=None
) -> tuple[list[PurchaseOrder], list[Suggestion]]:
    """Create or update draft POs (one per supplier and warehouse) for rules below min.

    A product already on that draft has its line's quantity set to what is needed now, so a
    second run updates instead of duplicating. Returns the drafts made or changed and every
    rule's suggestion with its reason.
    """
    check_company(company, warehouse, field="warehouse")
    # One run per company at a time: two runs at once (the scheduled job and a click) each
    # found no draft and each made one. The company row is the per-company lock other
    # services take too; it is taken first, before anything is read.
    Company.objects.select_for_update().filter(pk=company.pk).values_list("pk").first()
    today = company_today(company)
    suggestions = replenishment_suggestions(company=company, warehouse=warehouse)
    wanted = [s for s in suggestions if s.status == "order"]
    groups: dict[tuple[int, int, str], list[Suggestion]] = {}
    for s in wanted:
        key = (s.supplier_price.supplier_id, s.rule.warehouse_id, s.supplier_price.currency_id)
        groups.setdefault(key, []).append(s)
    touched: dict[int, PurchaseOrder] = {}
    for (supplier_id, warehouse_id, currency), items in sorted(groups.items()):
        drafts = list(
            PurchaseOrder.objects.filter(
                company=company,
                supplier_id=supplier_id,
                warehouse_id=warehouse_id,
                currency_id=currency,
                state=OrderState.DRAFT,
                origin=ORIGIN,
            ).order_by("pk")[:1]
        )
        lead = max(s.supplier_price.lead_time_days for s in items)
        expected = today + timedelta(days=lead)
        if drafts:
            order = lock(PurchaseOrder, [drafts[0].pk])[drafts[0].pk]
            _update_draft(order, items, today)
            order.order_date = today
            order.expected_date = max(order.expected_date or expected, expected)
            order.save(update_fields=["order_date", "expected_date", "updated_at"])
            order_recompute(order)
        else:
            first = items[0].supplier_price
            order = purchase_order_create(
                company=company,
                supplier=first.supplier,
                warehouse=items[0].rule.warehouse,
                currency=currency,
                order_date=today,
                expected_date=expected,
                origin=ORIGIN,
                lines=[_line_data(s, today) for s in items],
                user=user,
            )
        touched[order.pk] = order
        lines = {
            line.reorder_rule_id: line
            for line in PurchaseOrderLine.objects.filter(order=order, reorder_rule__isnull=False)
        }
        for s in items:
            s.order = order
            s.line = lines.get(s.rule.pk)
    return [touched[pk] for pk in sorted(touched)], suggestions


def _unit_price(s: Suggestion) -> Decimal:
    # supplier prices are per the product's unit; replenishment orders in that unit
    return s.supplier_price.price


def _line_data(s: Suggestion, today: datetime.date) -> dict:
    return {
        "product": s.rule.product,
        "quantity": s.quantity,
        "uom": s.rule.product.uom,
        "unit_price": _unit_price(s),
        "expected_date": today + timedelta(days=s.supplier_price.lead_time_days),
        "reorder_rule": s.rule,
        "reason": s.reason[:300],
        "description": s.supplier_price.product_name or "",
    }


def _update_draft(order: PurchaseOrder, items: list[Suggestion], today: datetime.date) -> None:
    """Set the quantity of the draft's lines for these products; add lines for new ones."""
    from .orders import _build_lines, _insert_lines

    existing = {
        line.product_id: line
        for line in PurchaseOrderLine.objects.filter(order=order).order_by("-sequence", "-id")
    }
    changed, new = [], []
    for s in items:
        line = existing.get(s.rule.product_id)
        if line is not None:
            line.quantity = s.quantity
            line.unit_price = _unit_price(s)
            line.uom = s.rule.product.uom
            line.reason = s.reason[:300]
            line.reorder_rule = s.rule
            line.expected_date = today + timedelta(days=s.supplier_price.lead_time_days)
            changed.append(line)
        else:
            new.append(_line_data(s, today))
    if changed:
        PurchaseOrderLine.objects.bulk_update(
            changed,
            ["quantity", "unit_price", "uom", "reason", "reorder_rule", "expected_date"],
        )
    if new:
        built = _build_lines(order, new)
        last = max((line.sequence for line in existing.values()), default=0)
        for index, (line, _taxes) in enumerate(built):
            line.sequence = last + (index + 1) * 10
        _insert_lines(order, built)
    PurchaseOrder.objects.filter(pk=order.pk).update(updated_at=timezone.now())


def replenishment_run_all() -> dict[str, int]:
    """Every company's run (the scheduled job): company code -> drafts made or changed."""
    result = {}
    for company in Company.objects.filter(
        pk__in=ReorderRule.objects.filter(active=True).values("company_id")
    ).order_by("pk"):
        orders, _ = replenishment_run(company=company)
        result[company.code] = len(orders)
    return result
