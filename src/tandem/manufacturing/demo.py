"""The demo company manufactures lamps: work centres, 2-3 level BOMs, orders in every state,
lots with genealogy, quality checks (one failed, its lot held), a forecast and an MRP run.

Written through the services, so the ledger, stock and WIP agree (check-integrity passes).
Deterministic: fixed figures, no randomness; needs the company's chart, an open period for
today, a warehouse (inventory's demo makes it) and, for the supplier prices, a supplier.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from tandem.catalog.models import Product, Uom
from tandem.catalog.services import product_create
from tandem.catalog.services.pricing import company_today
from tandem.inventory import services as stock
from tandem.inventory.models import Warehouse
from tandem.parties.models import Party

from . import services
from .models import QualityCheck, WorkCenter

D = Decimal

# sku: (name, unit, valuation, tracking, cost, bought: (price, lead days) or None, stock)
ITEMS = {
    "MFG-TUBE": ("Steel tube 12mm", "m", "fifo", "none", "12.00", ("12.00", 5), "60"),
    "MFG-LED": ("LED module 8W", "unit", "fifo", "lot", "18.00", ("18.00", 10), "40"),
    "MFG-SCREW": ("Screw M4", "unit", "average", "none", "0.05", ("0.05", 3), "1000"),
    "MFG-CORD": ("Power cord 2m", "unit", "average", "none", "6.00", ("6.00", 7), "60"),
    "MFG-SHADE": ("Lamp shade", "unit", "average", "none", "15.00", ("15.00", 14), "40"),
    "MFG-HEAD": ("Lamp head", "unit", "fifo", "lot", "0", None, "0"),
    "MFG-ARM": ("Lamp arm", "unit", "average", "none", "0", None, "0"),
    "MFG-DESK": ("Desk lamp", "unit", "fifo", "lot", "0", None, "0"),
    "MFG-FLOOR": ("Floor lamp", "unit", "fifo", "none", "0", None, "0"),
}


def _shift_calendar(company):
    """Two shifts, Monday to Saturday, the company's public holidays off (the paint line's
    working calendar; assembly works on the company's Monday-to-Friday calendar)."""
    from tandem.core.calendars import business_calendar_create
    from tandem.core.models import BusinessCalendar

    name = "Paint line shifts"
    found = BusinessCalendar.objects.filter(company=company, name=name).first()
    if found is not None:
        return found
    shifts = [["06:00", "14:00"], ["14:00", "22:00"]]
    week = {str(day): shifts for day in range(6)}
    return business_calendar_create(company=company, name=name, week=week)


def _products(company) -> dict[str, Product]:
    units = {u.name: u for u in Uom.objects.filter(company=company)}
    made = {}
    for sku, (name, unit, valuation, tracking, cost, _bought, _qty) in ITEMS.items():
        made[sku] = product_create(
            company=company,
            sku=sku,
            name=name,
            uom=units.get(unit),
            valuation=valuation,
            tracking=tracking,
            cost_price=D(cost),
            list_price=D("0") if sku != "MFG-DESK" else D("189.00"),
        )
    return made


def _stock_and_prices(company, warehouse, items, supplier) -> None:
    from tandem.purchasing.services import supplier_price_create

    moves = []
    for sku, (_name, _unit, _val, tracking, cost, bought, qty) in ITEMS.items():
        if D(qty) > 0:
            lot = {"lot_name": "LED-2601"} if tracking == "lot" else {}
            moves.append({"product": items[sku], "quantity": D(qty), "unit_cost": D(cost), **lot})
        if bought and supplier is not None:
            supplier_price_create(
                company=company,
                supplier=supplier,
                product=items[sku],
                price=D(bought[0]),
                lead_time_days=bought[1],
            )
    receipt = stock.transfer_create(
        company=company,
        kind="receipt",
        warehouse=warehouse,
        party=supplier,
        origin="PO-MFG-DEMO",
        moves=moves,
        confirm=True,
    )
    stock.transfer_done(transfer=receipt)


def _boms(company, items, units, assembly, paint) -> dict:
    def line(sku, qty, unit=None):
        row = {"product": items[sku], "quantity": qty}
        if unit:
            row["uom"] = units[unit]
        return row

    head = services.bom_create(
        company=company,
        product=items["MFG-HEAD"],
        lines=[line("MFG-LED", "1"), line("MFG-SHADE", "1"), line("MFG-SCREW", "4")],
        operations=[{"work_center": assembly, "minutes": "20", "name": "Fit LED and shade"}],
    )
    arm = services.bom_create(
        company=company,
        product=items["MFG-ARM"],
        lines=[line("MFG-TUBE", "60", "cm"), line("MFG-SCREW", "2")],
        operations=[{"work_center": paint, "minutes": "15", "name": "Powder coat"}],
    )
    desk = services.bom_create(
        company=company,
        product=items["MFG-DESK"],
        lines=[line("MFG-HEAD", "1"), line("MFG-ARM", "1"), line("MFG-CORD", "1")],
        operations=[{"work_center": assembly, "minutes": "15", "name": "Final assembly"}],
    )
    floor = services.bom_create(
        company=company,
        product=items["MFG-FLOOR"],
        lines=[line("MFG-HEAD", "1"), line("MFG-ARM", "3"), line("MFG-CORD", "1")],
        operations=[{"work_center": assembly, "minutes": "25", "name": "Final assembly"}],
    )
    return {"head": head, "arm": arm, "desk": desk, "floor": floor}


def _make(company, bom, qty, *, lot="", minutes=None, start=None, produce=None):
    """An order confirmed and reserved; `produce` (default all) made under `lot`, with
    `minutes` logged on its BOM's first operation."""
    mo = services.mo_create(
        company=company, bom=bom, quantity=qty, planned_start=start, planned_end=start
    )
    services.mo_confirm(mo=mo)
    services.mo_assign(mo=mo)
    if minutes:
        services.mo_log_work(mo=mo, minutes=minutes, operation=bom.operations.first())
    if produce != "0":
        services.mo_produce(mo=mo, quantity=produce or qty, lot_name=lot)
    return mo


def _record(mo, **result) -> QualityCheck:
    return services.quality_check_record(check=mo.quality_checks.get(), **result)


def load_manufacturing_demo(*, company, parties=(), products=(), rng=None, size="small") -> dict:
    """Load the lamp factory into `company` (a second call changes nothing). `parties`,
    `products`, `rng` and `size` are the demo loader's common arguments; only the first
    supplier of the company is used, and the figures are fixed."""
    if WorkCenter.objects.filter(company=company, code="ASM").exists():
        return {"loaded": "before"}
    warehouse = Warehouse.objects.filter(company=company).order_by("pk").first()
    if warehouse is None:
        warehouse = stock.warehouse_create(company=company, code="WH", name="Main warehouse")
    supplier = Party.objects.filter(company=company, is_supplier=True).order_by("pk").first()
    today = company_today(company)
    units = {u.name: u for u in Uom.objects.filter(company=company)}
    items = _products(company)
    _stock_and_prices(company, warehouse, items, supplier)
    assembly = services.work_center_create(
        company=company,
        code="ASM",
        name="Assembly",
        cost_per_hour="45",
        overhead_per_hour="15",
        capacity_hours_per_day="8",
        setup_minutes="10",
    )
    paint = services.work_center_create(
        company=company,
        code="PNT",
        name="Paint line",
        cost_per_hour="30",
        overhead_per_hour="20",
        capacity_hours_per_day="16",
        efficiency="90",
        calendar=_shift_calendar(company),
    )
    boms = _boms(company, items, units, assembly, paint)
    head_bom_op = boms["head"].operations.first()
    services.quality_point_create(
        company=company,
        name="Light output",
        trigger="production",
        operation=head_bom_op,
        test="measure",
        norm="800",
        tolerance_min="780",
        tolerance_max="820",
        unit="lm",
        instructions="Measure the lamp head in the test sphere at full power.",
    )
    services.quality_point_create(
        company=company,
        name="Final inspection",
        trigger="production",
        product=items["MFG-DESK"],
        mandatory=False,
        every=2,
    )
    start = today - timedelta(days=3)
    # done: 10 heads (lot HD-0001, passed), 20 arms, 6 desk lamps from HD-0001 (DL-0001)
    heads = _make(company, boms["head"], "10", lot="HD-0001", minutes="200", start=start)
    _record(heads, measure="801")
    services.mo_done(mo=heads)
    arms = _make(company, boms["arm"], "20", minutes="300", start=start)
    services.mo_done(mo=arms)
    desks = _make(company, boms["desk"], "6", lot="DL-0001", minutes="90", start=today)
    _record(desks, result="pass", note="Switch, cord and finish checked")
    services.mo_done(mo=desks)
    # in progress: 3 of 5 heads made under HD-0002, whose light test failed (the lot held)
    failing = _make(company, boms["head"], "5", lot="HD-0002", produce="3", start=today)
    _record(failing, measure="742", note="Dim: LED driver suspected")
    # confirmed and reserved: 4 floor lamps; draft: 10 desk lamps; cancelled: 5 arms
    _make(company, boms["floor"], "4", produce="0", start=today + timedelta(days=2))
    services.mo_create(
        company=company,
        bom=boms["desk"],
        quantity="10",
        planned_start=today + timedelta(days=7),
        planned_end=today + timedelta(days=8),
    )
    services.mo_cancel(mo=services.mo_create(company=company, bom=boms["arm"], quantity="5"))
    # demand ahead: a forecast of desk and floor lamps, then one MRP run in weekly buckets
    month = today + timedelta(days=14)
    for sku, qty in (("MFG-DESK", "30"), ("MFG-FLOOR", "12")):
        services.forecast_create(
            company=company,
            product=items[sku],
            date_from=month,
            date_to=month + timedelta(days=13),
            quantity=qty,
        )
    result = services.mrp_run(company=company, today=today, bucket="week")
    return {"products": len(items), "boms": len(boms), "mrp": result}
