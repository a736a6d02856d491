"""Material requirements planning, in memory and free of Django: what to make or buy, by when,
and for which demand.

The plan nets item by item in low-level-code order (an item's code is the deepest level at
which any BOM uses it), so every demand on an item, however many levels of BOM it comes
through, is known before the item is netted: a component shared by two levels is planned
once, never twice. Time is in days. For each item the demands are met, earliest first, from
what is on hand, then from scheduled receipts (open purchase and manufacturing orders) due
by the day of the demand (a demand already late counts as due today), then from planned
orders made for the rest; safety stock is a demand on the first day that is never consumed.
A planned order is due on the day of the demand that opened it and released its lead time
earlier; a manufactured item's components are demanded on that release day. Given a
`WorkingDays` calendar, a manufacturing lead time counts working days (a 5-day lead time due
on a Monday is released the Monday before; weekends and holidays are skipped) and a
purchase lead time, the supplier's promise in calendar days, is released on the last working
day on or before it; without one, both count calendar days. Lead times
therefore add up along each branch separately, and the earliest release of a tree is set by
its longest branch, not by the sum of all.

Every planned order keeps its pegging: the demands (and quantities) it serves, which add up
to at most its quantity (lot sizing can leave a rest that later demands use).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from itertools import groupby

ZERO = Decimal(0)


class BomCycle(Exception):
    """A BOM uses, at some depth, the item it makes; `path` lists the items of the loop."""

    def __init__(self, path: list[int]):
        super().__init__(f"BOM cycle through items {path}")
        self.path = path


@dataclass(frozen=True)
class Source:
    """What a demand or a supply is: kind (sales_order_line, mo_component, safety_stock,
    planned_order, on_hand, purchase_order_line, manufacturing_order) and its id."""

    kind: str
    ref: int | None = None
    label: str = ""


@dataclass
class Item:
    product_id: int
    make: bool  # made by a BOM, else bought
    lead_days: int = 0
    safety: Decimal = ZERO
    min_quantity: Decimal = ZERO
    multiple: Decimal = ZERO
    supplier_id: int | None = None
    bom_id: int | None = None
    # component product id -> quantity per one unit of this item (kits already flattened)
    components: dict[int, Decimal] = field(default_factory=dict)


@dataclass
class Requirement:
    product_id: int
    day: date
    quantity: Decimal
    source: Source


@dataclass
class Planned:
    key: int  # the run's own number, referred to by the pegging of its components
    product_id: int
    make: bool
    quantity: Decimal
    due: date
    release: date
    bom_id: int | None
    supplier_id: int | None
    pegging: list[tuple[Source, date, Decimal]] = field(default_factory=list)


def low_level_codes(items: dict[int, Item]) -> dict[int, int]:
    """Each item's deepest level in any BOM (0: used by no BOM); raises BomCycle."""
    codes: dict[int, int] = {}
    state: dict[int, int] = {}  # 1: on the current path, 2: done

    def visit(product: int, level: int, path: list[int]) -> None:
        if state.get(product) == 1:
            raise BomCycle(path[path.index(product) :] + [product])
        if codes.get(product, -1) >= level and state.get(product) == 2:
            return
        codes[product] = max(codes.get(product, 0), level)
        state[product] = 1
        item = items.get(product)
        for component in sorted(item.components) if item and item.make else ():
            visit(component, level + 1, [*path, product])
        state[product] = 2

    used = {c for item in items.values() if item.make for c in item.components}
    for product in sorted(items):
        if product not in used:
            visit(product, 0, [])
    for product in sorted(items):  # an item only reachable inside a loop
        if product not in codes:
            visit(product, 0, [])
    return codes


def lot_size(need: Decimal, item: Item) -> Decimal:
    quantity = max(need, item.min_quantity)
    if item.multiple > 0:
        quantity = (quantity / item.multiple).to_integral_value(ROUND_CEILING) * item.multiple
    return quantity


BUCKETS = ("day", "week")


class WorkingDays:
    """Lead-time offsets in working days over a calendar given as `is_working(date)`.

    The working dates are listed once, sorted, for the span the run needs (from `first` to
    `last`, widened a year at a time when an offset reaches past either end), so an offset
    is a binary search, whatever the number of items; `is_working` is asked once per date.
    A calendar without a single working day in ten years counts calendar days."""

    SPAN = 366
    LIMIT = 3660

    def __init__(self, is_working: Callable[[date], bool], first: date, last: date):
        self.is_working = is_working
        self.first = first
        self.last = first - timedelta(days=1)
        self.days: list[date] = []
        self._extend_to(max(last, first))
        self.cache: dict[tuple[date, int], date] = {}

    def _extend_to(self, last: date) -> None:
        day = self.last + timedelta(days=1)
        while day <= last:
            if self.is_working(day):
                self.days.append(day)
            day += timedelta(days=1)
        self.last = max(self.last, last)

    def _extend_back(self, span: int) -> None:
        first = self.first - timedelta(days=span)
        day, earlier = first, []
        while day < self.first:
            if self.is_working(day):
                earlier.append(day)
            day += timedelta(days=1)
        self.days[:0] = earlier
        self.first = first

    def before(self, day: date, count: int) -> date:
        """The `count`-th working day before `day` (`day` itself not counted); `day` when
        `count` is 0."""
        if count <= 0:
            return day
        key = (day, count)
        found = self.cache.get(key)
        if found is not None:
            return found
        if day > self.last:
            self._extend_to(day)
        while True:
            index = bisect_left(self.days, day)  # working days from `first` to the day before
            if index >= count:
                found = self.days[index - count]
                break
            if (day - self.first).days > self.LIMIT:
                found = day - timedelta(days=count)  # no calendar worth the name
                break
            self._extend_back(max(self.SPAN, count * 2))
        self.cache[key] = found
        return found

    def on_or_before(self, day: date) -> date:
        """`day` when it is a working day, else the last working day before it."""
        if day > self.last:
            self._extend_to(day)
        if day >= self.first:
            index = bisect_left(self.days, day)
            if index < len(self.days) and self.days[index] == day:
                return day
        return self.before(day, 1)


def bucket_start(day: date, bucket: str = "day") -> date:
    """The first day of the bucket holding `day`: itself, or the Monday of its week."""
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    return day


@dataclass
class Message:
    """What to do with an existing receipt (an open purchase order line or manufacturing
    order): `reschedule_in` (needed earlier, on `suggested`), `reschedule_out` (not needed
    before `suggested`) or `cancel` (not needed at all)."""

    kind: str
    product_id: int
    source: Source
    day: date  # when it is due now
    suggested: date | None
    quantity: Decimal


class _Lot:
    """Supply that demands take from, earliest first."""

    __slots__ = ("day", "left", "planned", "receipt", "due", "first_use", "quantity")

    def __init__(self, day, left, planned=None, receipt=None, due=None):
        self.day = day
        self.left = left
        self.quantity = left
        self.planned = planned
        self.receipt = receipt  # the scheduled receipt's source
        self.due = due  # its own date
        self.first_use = None


def plan(
    *,
    items: dict[int, Item],
    demands: list[Requirement],
    supplies: list[Requirement],
    on_hand: dict[int, Decimal],
    today: date,
    bucket: str = "day",
    messages: list[Message] | None = None,
    working_days: WorkingDays | None = None,
) -> list[Planned]:
    """The planned orders that cover every demand and each item's safety stock, in daily or
    weekly buckets (every date is its bucket's first day). A demand that on-hand stock and the
    receipts due by its bucket cannot meet takes next from a later receipt (a reschedule-in
    message) before a new order is planned; a receipt first needed later than it arrives gets
    a reschedule-out message, one never needed a cancel message (appended to `messages`)."""
    if bucket not in BUCKETS:
        raise ValueError(f"bucket must be one of {BUCKETS}")
    codes = low_level_codes(items)

    def released(item: Item, due: date) -> date:
        if working_days is None:
            return due - timedelta(days=item.lead_days)
        if item.make:  # the factory's lead time, in its working days
            return working_days.before(due, item.lead_days)
        # the supplier's lead time in calendar days; the order goes out on a working day
        return working_days.on_or_before(due - timedelta(days=item.lead_days))

    first = bucket_start(today, bucket)

    def when(day: date) -> date:
        # a date before today is late: it is met as soon as possible, in today's bucket
        return bucket_start(day, bucket) if day > today else first

    needs: dict[int, list[Requirement]] = defaultdict(list)
    for demand in demands:
        needs[demand.product_id].append(demand)
    receipts: dict[int, list[Requirement]] = defaultdict(list)
    for supply in supplies:
        receipts[supply.product_id].append(supply)
    planned: list[Planned] = []
    components = {c for item in items.values() if item.make for c in item.components}
    order = sorted(
        set(items) | set(needs) | components | set(receipts), key=lambda p: (codes.get(p, 0), p)
    )
    for product in order:
        item = items.get(product) or Item(product_id=product, make=False)
        wanted = [
            Requirement(r.product_id, when(r.day), r.quantity, r.source)
            for r in needs.get(product, ())
        ]
        if item.safety > 0:
            wanted.append(Requirement(product, first, item.safety, Source("safety_stock")))
        wanted.sort(
            key=lambda r: (r.day, r.source.kind != "safety_stock", r.source.kind, r.source.ref or 0)
        )
        # Supply is taken earliest first. `ready` holds what is there by the current bucket
        # (on hand, the receipts due by then, the rest of earlier planned orders) in date
        # order: demands take from its front, so an emptied lot is always at the front and
        # leaves at once. The receipts due later wait in `scheduled` (date order) and enter
        # `ready` when their bucket comes; a demand that `ready` cannot meet pulls from the
        # earliest of them that has something left (`pull`: those before it are empty).
        # Each lot is passed over once, however many demands the item has.
        ready: deque[_Lot] = deque()
        if on_hand.get(product, ZERO) > 0:
            ready.append(_Lot(first, on_hand[product]))
        scheduled = [
            _Lot(when(r.day), r.quantity, receipt=r.source, due=r.day)
            for r in sorted(receipts.get(product, ()), key=lambda r: (r.day, r.source.ref or 0))
        ]
        entered = pull = 0
        for day, group in groupby(wanted, key=lambda r: r.day):
            while entered < len(scheduled) and scheduled[entered].day <= day:
                if scheduled[entered].left > 0:
                    ready.append(scheduled[entered])
                entered += 1
            pull = max(pull, entered)
            unmet: list[tuple[Source, Decimal]] = []
            short = ZERO
            for demand in group:
                need = demand.quantity
                while need > 0 and ready:
                    lot = ready[0]
                    taken = min(lot.left, need)
                    lot.left -= taken
                    need -= taken
                    if lot.first_use is None:
                        lot.first_use = day
                    if lot.planned is not None:
                        lot.planned.pegging.append((demand.source, day, taken))
                    if lot.left <= 0:
                        ready.popleft()
                # then the receipts due later, pulled in (a reschedule-in message)
                while need > 0 and pull < len(scheduled):
                    lot = scheduled[pull]
                    if lot.left > 0:
                        taken = min(lot.left, need)
                        lot.left -= taken
                        need -= taken
                        if lot.first_use is None:
                            lot.first_use = day
                    if lot.left <= 0:
                        pull += 1
                if need > 0:
                    unmet.append((demand.source, need))
                    short += need
            if not unmet:
                continue
            # one planned order per item and bucket, for everything the bucket still needs
            quantity = lot_size(short, item)
            new = Planned(
                key=len(planned) + 1,
                product_id=product,
                make=item.make,
                quantity=quantity,
                due=day,
                release=released(item, day),
                bom_id=item.bom_id if item.make else None,
                supplier_id=None if item.make else item.supplier_id,
                pegging=[(source, day, need) for source, need in unmet],
            )
            planned.append(new)
            if quantity > short:  # what lot sizing adds is there for the next demands
                ready.append(_Lot(day, quantity - short, planned=new))
            if item.make:
                for component, per_unit in sorted(item.components.items()):
                    needs[component].append(
                        Requirement(
                            component,
                            new.release,
                            quantity * per_unit,
                            Source("planned_order", new.key),
                        )
                    )
        if messages is not None:
            for lot in scheduled:
                if lot.first_use is None:
                    kind, suggested = "cancel", None
                elif lot.first_use < lot.day:
                    kind, suggested = "reschedule_in", lot.first_use
                elif lot.first_use > lot.day:
                    kind, suggested = "reschedule_out", lot.first_use
                else:
                    continue
                messages.append(
                    Message(kind, product, lot.receipt, lot.due, suggested, lot.quantity)
                )
    return planned
