"""MRP on the company's data: demand (confirmed sales order lines not yet delivered, the
manual forecast net of the orders dated in its period, the components of open manufacturing
orders, safety stock from reorder rules), supply (stock on hand, open purchase and
manufacturing orders, including the drafts that firming made), the plan of
`tandem.manufacturing.mrp` in daily or weekly buckets with its reschedule and cancel messages,
and the firming of a planned order into a draft purchase or manufacturing order.

Each source is read with one query; the plan is computed in memory and written with bulk
inserts. A regenerative run replaces the planned orders and messages of the previous one
(firmed ones stay, as the documents they became are supply now). A net-change run rewrites
only the items whose demand or supply changed since the last run (by the rows' `updated_at`),
and their components at every depth; when there was no run on the same day with the same
buckets it runs regeneratively instead.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.apps import apps as django_apps
from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.catalog.models import ProductType, Uom
from tandem.catalog.services.pricing import company_today
from tandem.catalog.services.uoms import uom_factor
from tandem.core.errors import Conflict, ValidationFailed
from tandem.inventory.models import ProductStock, StockMove
from tandem.purchasing.models import OrderState as PoState
from tandem.purchasing.models import PurchaseOrder, PurchaseOrderLine, ReorderRule, SupplierPrice
from tandem.sales.models import OrderState as SoState
from tandem.sales.models import SalesOrder, SalesOrderLine

from .. import mrp
from ..errors import BomCycle
from ..models import (
    Bom,
    BomLine,
    BomLineKind,
    BomType,
    DemandForecast,
    ManufacturingOrder,
    MoComponent,
    MoState,
    MrpBucket,
    MrpMessage,
    MrpMode,
    MrpRun,
    Pegging,
    PeggingKind,
    PlannedKind,
    PlannedOrder,
    PlannedState,
)

ZERO = Decimal(0)
OPEN_MO = (MoState.DRAFT, MoState.CONFIRMED, MoState.IN_PROGRESS)
OPEN_PO = (PoState.DRAFT, PoState.SENT, PoState.CONFIRMED)


class _Factors:
    """Unit conversions between the company's units (by id), each looked up once per run."""

    def __init__(self, company):
        self.cache: dict[tuple[int, int], Decimal] = {}
        self.uoms = {u.pk: u for u in Uom.objects.filter(company=company)}

    def __call__(self, from_uom, to_uom) -> Decimal:
        from_id = getattr(from_uom, "pk", from_uom)
        to_id = getattr(to_uom, "pk", to_uom)
        if from_id == to_id:
            return Decimal(1)
        key = (from_id, to_id)
        if key not in self.cache:
            self.cache[key] = uom_factor(from_uom=self.uoms[from_id], to_uom=self.uoms[to_id])
        return self.cache[key]


@dataclass
class _Bom:
    pk: int
    product_id: int
    sku: str
    quantity: Decimal
    uom_id: int
    product_uom_id: int
    scrap_percent: Decimal
    lead_time_days: int
    type: str = BomType.NORMAL
    # (product id, quantity, uom id, product's uom id, kind)
    lines: list = field(default_factory=list)


class _Rule(NamedTuple):
    min_quantity: Decimal
    multiple: Decimal
    supplier_id: int | None


class _Offer(NamedTuple):
    supplier_id: int
    lead_time_days: int
    min_quantity: Decimal


def _boms(company, today: date) -> dict[int, _Bom]:
    """The BOM each product is made by: the active one valid today of the highest version.
    Read as plain rows (two queries, whatever the number of BOMs)."""
    chosen: dict[int, _Bom] = {}
    rows = (
        Bom.objects.filter(company=company, active=True)
        .order_by("product_id", "-version", "-id")
        .values_list(
            "pk",
            "product_id",
            "product__sku",
            "quantity",
            "uom_id",
            "product__uom_id",
            "scrap_percent",
            "lead_time_days",
            "valid_from",
            "valid_to",
            "type",
        )
    )
    for pk, product, sku, qty, uom, product_uom, scrap, lead, *rest in rows:
        valid_from, valid_to, kind = rest
        if product in chosen:
            continue
        if (valid_from and valid_from > today) or (valid_to and valid_to < today):
            continue
        chosen[product] = _Bom(pk, product, sku, qty, uom, product_uom, scrap, lead, kind)
    by_pk = {bom.pk: bom for bom in chosen.values()}
    lines = (
        BomLine.objects.filter(bom__company=company, bom__active=True)
        .order_by("bom_id", "sequence", "id")
        .values_list("bom_id", "product_id", "quantity", "uom_id", "product__uom_id", "kind")
    )
    for bom_id, *line in lines:
        bom = by_pk.get(bom_id)
        if bom is not None:
            bom.lines.append(tuple(line))
    return chosen


def _per_unit(bom: _Bom, boms: dict[int, _Bom], factor, seen: tuple = ()) -> dict[int, Decimal]:
    """Component product -> quantity (in its own unit) per one unit (product unit) of the
    BOM's product, scrap included; a kit (phantom line) is replaced by its own components."""
    if bom.product_id in seen:
        raise BomCycle(
            _("The BOM of %(product)s uses itself.") % {"product": bom.sku},
            field="bom",
        )
    output = bom.quantity * factor(bom.uom_id, bom.product_uom_id)
    scrap = 1 + bom.scrap_percent / 100
    found: dict[int, Decimal] = defaultdict(Decimal)
    for product, qty, uom, product_uom, kind in bom.lines:
        quantity = qty * factor(uom, product_uom) / output * scrap
        if product in boms and (
            kind == BomLineKind.PHANTOM or boms[product].type == BomType.PHANTOM
        ):
            for component, per in _per_unit(
                boms[product], boms, factor, (*seen, bom.product_id)
            ).items():
                found[component] += quantity * per
        else:
            found[product] += quantity
    return dict(found)


ANALYTICS_MODEL = ("analytics", "Forecast")


def analytics_forecast(company, first_week: date) -> list[tuple]:
    """(row id, product, week's Monday, quantity) of the analytics app's demand forecast in
    use (its active run), from `first_week` on; one query. Analytics sits above
    manufacturing, so its table is looked up by name, not imported; without the app, none.
    The forecast counts a product's units ordered per week."""
    try:
        model = django_apps.get_model(*ANALYTICS_MODEL)
    except LookupError:
        return []
    return list(
        model.objects.filter(
            company=company,
            run__name="demand_forecast",
            run__state="active",
            product__isnull=False,
            period__gte=first_week,
            forecast__gt=0,
        )
        .order_by("product_id", "period", "pk")
        .values_list("pk", "product_id", "period", "forecast")
    )


def _forecast_weeks(company, today: date, demands, manual, factor) -> list[mrp.Requirement]:
    """The analytics forecast as independent demand, consumed by the orders of its week:
    for each product and week from this one on, what the forecast expects beyond what the
    confirmed (and done) orders due that week already asked for, so the week's demand is
    max(forecast, orders). A week that a manual forecast of the product covers is left to
    it (the planner's figure wins)."""
    first = mrp.bucket_start(today, "week")
    rows = analytics_forecast(company, first)
    if not rows:
        return []
    products = {row[1] for row in rows}
    ordered: dict[tuple[int, date], Decimal] = defaultdict(Decimal)
    lines = (
        SalesOrderLine.objects.filter(
            order__company=company,
            order__state__in=(SoState.CONFIRMED, SoState.DONE),
            product_id__in=products,
        )
        .annotate(day=Coalesce("order__commitment_date", "order__order_date"))
        .filter(day__gte=first)
        .values_list("product_id", "quantity", "uom_id", "product__uom_id", "day")
    )
    for product_id, qty, uom_id, unit_id, day in lines:
        ordered[(product_id, mrp.bucket_start(day, "week"))] += qty * factor(uom_id, unit_id)
    label = _("Forecast, week of %(week)s")
    found = []
    for pk, product_id, week, quantity in rows:
        week = mrp.bucket_start(week, "week")
        end = week + timedelta(days=6)
        if any(f <= end and t >= week for f, t in manual.get(product_id, ())):
            continue
        extra = quantity - ordered.get((product_id, week), ZERO)
        if extra > 0:
            found.append(
                mrp.Requirement(
                    product_id,
                    max(week, today),
                    extra,
                    mrp.Source(PeggingKind.FORECAST, pk, label % {"week": week.isoformat()}),
                )
            )
    return found


def mrp_inputs(company, today: date, *, analytics: bool = False):
    """(items, demands, supplies, on_hand) for `mrp.plan`, one query per source; with
    `analytics`, the analytics demand forecast is demand too (`_forecast_weeks`)."""
    factor = _Factors(company)
    boms = _boms(company, today)
    items: dict[int, mrp.Item] = {}
    # a kit is never made nor stocked: what is demanded of it is demanded of its components
    kits = {
        product_id: _per_unit(bom, boms, factor)
        for product_id, bom in boms.items()
        if bom.type == BomType.PHANTOM
    }
    for product_id, bom in boms.items():
        if product_id in kits:
            continue
        items[product_id] = mrp.Item(
            product_id,
            make=True,
            lead_days=bom.lead_time_days,
            bom_id=bom.pk,
            components=_per_unit(bom, boms, factor),
        )
    # rules and supplier prices as plain rows too (at 30,000 items, 13,000 offers)
    rules = defaultdict(list)
    for product_id, *rule in (
        ReorderRule.objects.filter(company=company, active=True)
        .order_by("pk")
        .values_list("product_id", "min_quantity", "multiple", "supplier_id")
    ):
        rules[product_id].append(_Rule(*rule))
    prices = defaultdict(list)
    offers = (
        SupplierPrice.objects.filter(company=company)
        .order_by("product_id", "sequence", "price", "id")
        .values_list(
            "product_id", "valid_from", "valid_to", "supplier_id", "lead_time_days", "min_quantity"
        )
    )
    for product_id, valid_from, valid_to, *offer in offers:
        if (valid_from and valid_from > today) or (valid_to and valid_to < today):
            continue
        prices[product_id].append(_Offer(*offer))
    used = set(items) | set(rules) | {c for i in items.values() for c in i.components}

    demands: list[mrp.Requirement] = []
    # plain rows, not model instances: at 10,000 items building them was a fifth of the read
    lines = (
        SalesOrderLine.objects.filter(
            order__company=company,
            order__state=SoState.CONFIRMED,
            quantity__gt=F("qty_delivered"),
        )
        .exclude(product__type=ProductType.SERVICE)
        .order_by("pk")
        .values_list(
            "pk",
            "product_id",
            "quantity",
            "qty_delivered",
            "uom_id",
            "product__uom_id",
            "order__commitment_date",
            "order__order_date",
            "order__number",
            "order__quotation_number",
            "order_id",
        )
    )
    for pk, product_id, qty, delivered, uom_id, unit_id, committed, ordered_on, *names in lines:
        number, quotation, order_id = names
        demands.append(
            mrp.Requirement(
                product_id,
                committed or ordered_on,
                (qty - delivered) * factor(uom_id, unit_id),
                mrp.Source(PeggingKind.SALES_ORDER_LINE, pk, number or quotation or f"#{order_id}"),
            )
        )
        used.add(product_id)
    # the forecast is consumed by the confirmed orders dated in its period
    ordered = defaultdict(list)
    for demand in demands:
        ordered[demand.product_id].append(demand)
    manual = defaultdict(list)
    for forecast in DemandForecast.objects.filter(
        company=company, date_to__gte=today, quantity__gt=0
    ).order_by("pk"):
        manual[forecast.product_id].append((forecast.date_from, forecast.date_to))
        taken = sum(
            (
                d.quantity
                for d in ordered.get(forecast.product_id, ())
                if forecast.date_from <= d.day <= forecast.date_to
            ),
            ZERO,
        )
        if forecast.quantity > taken:
            demands.append(
                mrp.Requirement(
                    forecast.product_id,
                    max(forecast.date_from, today),
                    forecast.quantity - taken,
                    mrp.Source(PeggingKind.FORECAST, forecast.pk, _("Forecast")),
                )
            )
            used.add(forecast.product_id)
    if analytics:
        weekly = _forecast_weeks(company, today, demands, manual, factor)
        demands.extend(weekly)
        used.update(r.product_id for r in weekly)
    if kits:
        exploded = []
        for demand in demands:
            parts = kits.get(demand.product_id)
            if parts is None:
                exploded.append(demand)
                continue
            for component, per_unit in sorted(parts.items()):
                exploded.append(
                    mrp.Requirement(
                        component, demand.day, demand.quantity * per_unit, demand.source
                    )
                )
                used.add(component)
        demands = exploded
        used -= set(kits)
    components = (
        MoComponent.objects.filter(
            mo__company=company, mo__state__in=OPEN_MO, quantity__gt=F("quantity_consumed")
        )
        .select_related("mo")
        .order_by("pk")
    )
    for component in components:
        demands.append(
            mrp.Requirement(
                component.product_id,
                component.mo.planned_start,
                component.quantity - component.quantity_consumed,
                mrp.Source(PeggingKind.MO_COMPONENT, component.pk, component.mo.number),
            )
        )
        used.add(component.product_id)

    supplies: list[mrp.Requirement] = []
    po_lines = (
        PurchaseOrderLine.objects.filter(
            order__company=company,
            order__state__in=OPEN_PO,
            quantity__gt=F("received_quantity"),
        )
        .order_by("pk")
        .values_list(
            "pk",
            "product_id",
            "quantity",
            "received_quantity",
            "uom_id",
            "product__uom_id",
            "expected_date",
            "order__expected_date",
            "order__order_date",
            "order__number",
            "order_id",
        )
    )
    for pk, product_id, qty, received, uom_id, unit_id, *dates, number, order_id in po_lines:
        expected, order_expected, ordered_on = dates
        supplies.append(
            mrp.Requirement(
                product_id,
                expected or order_expected or ordered_on,
                (qty - received) * factor(uom_id, unit_id),
                # as PurchaseOrder.__str__ names it
                mrp.Source("purchase_order_line", pk, number or f"{_('RFQ')} #{order_id}"),
            )
        )
    orders = ManufacturingOrder.objects.filter(
        company=company, state__in=OPEN_MO, quantity__gt=F("quantity_produced")
    ).select_related("uom", "product__uom")
    for order in orders.order_by("pk"):
        supplies.append(
            mrp.Requirement(
                order.product_id,
                order.planned_end,
                (order.quantity - order.quantity_produced) * factor(order.uom, order.product.uom),
                mrp.Source("manufacturing_order", order.pk, order.number),
            )
        )
    on_hand = {
        product: quantity
        for product, quantity in ProductStock.objects.filter(company=company).values_list(
            "product_id", "quantity"
        )
        if product in used
    }
    for product_id in used:
        item = items.get(product_id)
        if item is None:
            item = items[product_id] = mrp.Item(product_id, make=False)
        own = rules.get(product_id, [])
        item.safety = sum((r.min_quantity for r in own), ZERO)
        item.multiple = max((r.multiple for r in own), default=ZERO)
        if not item.make:
            preferred = next((r.supplier_id for r in own if r.supplier_id), None)
            offers = prices.get(product_id, [])
            offer = next((p for p in offers if p.supplier_id == preferred), None) or (
                offers[0] if offers else None
            )
            item.supplier_id = preferred or (offer.supplier_id if offer else None)
            if offer is not None:
                item.lead_days = offer.lead_time_days
                item.min_quantity = offer.min_quantity
    return items, demands, supplies, on_hand


def company_working_days(company, today: date, demands, supplies) -> mrp.WorkingDays:
    """The run's working-day index on the company's calendar: its country's public holidays
    and adjusted working days, Monday to Friday (as a work centre without its own calendar,
    `capacity.center_calendar`); built once, for the span of the run's dates."""
    from tandem.core.calendars import is_working_day
    from tandem.core.models.calendars import BusinessCalendar, default_week

    calendar = BusinessCalendar(
        company=company,
        name="default",
        country=company.country or "",
        time_zone=company.time_zone or "Asia/Shanghai",
        week=default_week(),
    )
    days = [r.day for r in demands] + [r.day for r in supplies]
    last = max([today, *days]) + timedelta(days=7)
    return mrp.WorkingDays(
        lambda day: is_working_day(calendar, day), today - timedelta(days=90), last
    )


def _changed_products(company, since, *, analytics: bool = False) -> set[int]:
    """Products whose demand or supply rows changed at or after `since`."""
    changed: set[int] = set()

    def add(qs, field="product_id"):
        changed.update(qs.order_by().values_list(field, flat=True).distinct())

    orders = SalesOrder.objects.filter(company=company, updated_at__gte=since)
    add(SalesOrderLine.objects.filter(order__company=company, updated_at__gte=since))
    add(SalesOrderLine.objects.filter(order__in=orders))
    pos = PurchaseOrder.objects.filter(company=company, updated_at__gte=since)
    add(PurchaseOrderLine.objects.filter(order__company=company, updated_at__gte=since))
    add(PurchaseOrderLine.objects.filter(order__in=pos))
    mos = ManufacturingOrder.objects.filter(company=company, updated_at__gte=since)
    add(mos)
    add(MoComponent.objects.filter(mo__in=mos))
    add(MoComponent.objects.filter(mo__company=company, updated_at__gte=since))
    add(StockMove.objects.filter(company=company, updated_at__gte=since))
    add(ProductStock.objects.filter(company=company, updated_at__gte=since))
    add(ReorderRule.objects.filter(company=company, updated_at__gte=since))
    add(SupplierPrice.objects.filter(company=company, updated_at__gte=since))
    add(DemandForecast.objects.filter(company=company, updated_at__gte=since))
    add(Bom.objects.filter(company=company, updated_at__gte=since))
    add(BomLine.objects.filter(company=company, updated_at__gte=since), "bom__product_id")
    if analytics and django_apps.is_installed("tandem.analytics"):
        forecasts = django_apps.get_model(*ANALYTICS_MODEL).objects
        add(forecasts.filter(company=company, updated_at__gte=since, product__isnull=False))
    return changed


def _with_components(products: set[int], items: dict[int, mrp.Item]) -> set[int]:
    found, stack = set(), list(products)
    while stack:
        product = stack.pop()
        if product in found:
            continue
        found.add(product)
        item = items.get(product)
        if item is not None and item.make:
            stack.extend(item.components)
    return found


def _last_run(company):
    return MrpRun.objects.filter(company=company).order_by("-started_at", "-id").first()


def _adapt(value):
    ops = connection.ops
    if isinstance(value, datetime):
        return ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return ops.adapt_datefield_value(value)
    if isinstance(value, Decimal):
        return ops.adapt_decimalfield_value(value, 24, 6)
    return value


def _insert(model, columns: list[str], rows, now) -> None:
    """Many rows in one executemany (the ORM's bulk_create costs ~10x more per row here).

    The rows' values go to the driver as they are: ints, strings, dates and Decimals are
    adapted by it (Django registers SQLite's Decimal and date adapters; psycopg has its
    own), which at 100,000 rows saves half a million Python calls; a datetime must come
    adapted already (`_adapt`), as its time zone handling is the backend's."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in ["created_at", "updated_at", *columns])
    marks = ", ".join(["%s"] * (len(columns) + 2))
    stamp = _adapt(now)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({marks})",
            [(stamp, stamp, *row) for row in rows],
        )


def _drop(planned) -> None:
    """Delete these planned orders and their pegging with one statement each: the ORM's
    delete reads every order and pegging row as an instance first, to cascade (4 s for a
    rerun of 35,000 planned orders). Nothing else refers to a planned order."""
    Pegging.objects.filter(planned_order__in=planned.values("pk"))._raw_delete(connection.alias)
    planned._raw_delete(connection.alias)


@contextmanager
def _gc_paused():
    """The plan allocates a few hundred thousand small objects that live until the run
    ends; the cyclic collector would scan the whole heap again and again meanwhile (40 % of
    the plan's time at 10,000 items). Reference counting still frees what is dropped."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _insert_planned(company, written, now) -> dict[int, int]:
    """Insert the planned orders with ids taken up front; {plan key: row id}."""
    if not written:
        return {}
    table = PlannedOrder._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, len(written)],
            )
            pks = [row[0] for row in cursor.fetchall()]
        else:  # SQLite: this transaction holds the database's write lock already
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            top = cursor.fetchone()[0]
            pks = list(range(top + 1, top + 1 + len(written)))
    stamp = _adapt(now)
    _insert(
        PlannedOrder,
        [
            "id",
            "company_id",
            "kind",
            "state",
            "product_id",
            "quantity",
            "due_date",
            "release_date",
            "bom_id",
            "supplier_id",
            "planned_at",
        ],
        [
            (
                pk,
                company.pk,
                PlannedKind.MANUFACTURE if p.make else PlannedKind.PURCHASE,
                PlannedState.PLANNED,
                p.product_id,
                p.quantity,
                p.due,
                p.release,
                p.bom_id,
                p.supplier_id,
                stamp,
            )
            for pk, p in zip(pks, written, strict=True)
        ],
        now,
    )
    return {p.key: pk for pk, p in zip(pks, written, strict=True)}


@transaction.atomic
def mrp_run(
    *,
    company,
    today: date | None = None,
    bucket: str = MrpBucket.DAY,
    mode: str = MrpMode.REGENERATIVE,
    progress=None,
    analytics_forecast: bool = False,
) -> dict:
    """Plan again: the planned orders and messages of the last run are replaced by this
    run's (all of them, or in net-change mode those of the changed items and their
    components). `analytics_forecast`: the analytics demand forecast is demand too, for
    what it expects beyond the orders of each week."""
    with _gc_paused():
        return _mrp_run(
            company=company,
            today=today,
            bucket=bucket,
            mode=mode,
            progress=progress,
            analytics=bool(analytics_forecast),
        )


def _mrp_run(*, company, today, bucket, mode, progress, analytics) -> dict:
    if bucket not in MrpBucket.values:
        raise ValidationFailed(_("Buckets are daily or weekly."), code="mrp.bucket", field="bucket")
    if mode not in MrpMode.values:
        raise ValidationFailed(
            _("The mode is regenerative or net change."), code="mrp.mode", field="mode"
        )
    # one run per company at a time: the company row is the lock
    type(company).objects.select_for_update().filter(pk=company.pk).first()
    started = timezone.now()
    today = today or company_today(company)
    last = _last_run(company) if mode == MrpMode.NET_CHANGE else None
    if (
        last is None
        or last.today != today
        or last.bucket != bucket
        or bool(last.result.get("analytics_forecast")) != analytics
    ):
        mode = MrpMode.REGENERATIVE
    items, demands, supplies, on_hand = mrp_inputs(company, today, analytics=analytics)
    messages: list[mrp.Message] = []
    try:
        plan = mrp.plan(
            items=items,
            demands=demands,
            supplies=supplies,
            on_hand=on_hand,
            today=today,
            bucket=bucket,
            messages=messages,
            working_days=company_working_days(company, today, demands, supplies),
        )
    except mrp.BomCycle as exc:
        raise BomCycle(
            _("A BOM uses, at some depth, the product it makes."),
            field="bom",
            extra={"products": exc.path},
        ) from exc
    if progress is not None:
        progress(1, 2)
    old = PlannedOrder.objects.filter(company=company, state=PlannedState.PLANNED)
    old_messages = MrpMessage.objects.filter(company=company)
    ids: dict[int, int] = {}
    labels: dict[int, str] = {}
    planned_label = _("Planned order")
    if mode == MrpMode.NET_CHANGE:
        scope = _with_components(
            _changed_products(company, last.started_at, analytics=analytics), items
        )
        # the plan of an unchanged item is the same as the last run's: its rows stay, and
        # the changed components' pegging points at them
        kept = {
            (row[1], row[2], row[3], row[4]): row[0]
            for row in old.exclude(product_id__in=scope).values_list(
                "pk", "product_id", "due_date", "release_date", "quantity"
            )
        }
        for p in plan:
            if p.product_id not in scope:
                pk = kept.get((p.product_id, p.due, p.release, p.quantity))
                if pk is not None:
                    ids[p.key] = pk
                    labels[p.key] = f"{planned_label} {pk}"
        _drop(old.filter(product_id__in=scope))
        old_messages.filter(product_id__in=scope)._raw_delete(connection.alias)
        written = [p for p in plan if p.product_id in scope]
        advice = [m for m in messages if m.product_id in scope]
    else:
        scope = None
        _drop(old)
        old_messages._raw_delete(connection.alias)
        written, advice = plan, messages
    now = timezone.now()
    keys = _insert_planned(company, written, now)
    ids.update(keys)
    for key, pk in keys.items():
        labels[key] = f"{planned_label} {pk}"
    _insert(
        Pegging,
        ["company_id", "planned_order_id", "demand_kind", "demand_id", "label", "date", "quantity"],
        [
            (
                company.pk,
                keys[p.key],
                source.kind,
                ids.get(source.ref) if source.kind == "planned_order" else source.ref,
                labels.get(source.ref, "") if source.kind == "planned_order" else source.label,
                day,
                quantity,
            )
            for p in written
            for source, day, quantity in p.pegging
        ],
        now,
    )
    MrpMessage.objects.bulk_create(
        [
            MrpMessage(
                company=company,
                kind=m.kind,
                product_id=m.product_id,
                purchase_order_line_id=(
                    m.source.ref if m.source.kind == "purchase_order_line" else None
                ),
                manufacturing_order_id=(
                    m.source.ref if m.source.kind == "manufacturing_order" else None
                ),
                label=m.source.label,
                current_date=m.day,
                suggested_date=m.suggested,
                quantity=m.quantity,
            )
            for m in advice
        ]
    )
    result = {
        "planned": len(plan),
        "purchase": sum(1 for p in plan if not p.make),
        "manufacture": sum(1 for p in plan if p.make),
        "late": sum(1 for p in plan if p.release < today),
        "messages": len(messages),
        "mode": mode,
        "bucket": bucket,
        "items": len(items) if scope is None else len(scope),
        "analytics_forecast": analytics,
    }
    MrpRun.objects.create(
        company=company,
        mode=mode,
        bucket=bucket,
        today=today,
        started_at=started,
        finished_at=timezone.now(),
        items=result["items"],
        result=result,
    )
    if progress is not None:
        progress(2, 2)
    return result


@transaction.atomic
def planned_order_firm(*, planned: PlannedOrder, user=None) -> PlannedOrder:
    """The draft purchase order (from the preferred supplier, at its price) or manufacturing
    order the planned order stands for; a planned order is firmed once."""
    from tandem.purchasing.services import purchase_order_create

    from .orders import mo_create

    locked = PlannedOrder.objects.select_for_update().get(pk=planned.pk)
    if locked.state != PlannedState.PLANNED:
        raise Conflict(_("This planned order is firmed already."), code="mrp.already_firmed")
    if locked.kind == PlannedKind.PURCHASE:
        if locked.supplier is None:
            raise ValidationFailed(
                _("No supplier sells this product: add a supplier price or a reorder rule."),
                code="mrp.no_supplier",
                field="supplier",
            )
        order = purchase_order_create(
            company=locked.company,
            supplier=locked.supplier,
            lines=[{"product": locked.product, "quantity": locked.quantity}],
            expected_date=locked.due_date,
            origin=f"MRP {locked.pk}",
            user=user,
        )
        locked.purchase_order = order
    else:
        if locked.bom is None:
            raise ValidationFailed(
                _("The product has no active BOM any more."), code="mrp.no_bom", field="bom"
            )
        locked.manufacturing_order = mo_create(
            company=locked.company,
            bom=locked.bom,
            quantity=locked.quantity,
            uom=locked.product.uom,
            planned_start=locked.release_date,
            planned_end=locked.due_date,
            notes=f"MRP {locked.pk}",
        )
    locked.state = PlannedState.FIRMED
    locked.save(update_fields=["state", "purchase_order", "manufacturing_order", "updated_at"])
    return locked
