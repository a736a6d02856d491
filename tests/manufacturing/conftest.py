"""A small lamp factory on the PRC chart: components in stock, a kit, a work centre, BOMs.

The inventory fixtures (books, warehouse, products, receipts) are reused as they are.
"""

from decimal import Decimal

import pytest

from tandem.catalog.models import Uom
from tandem.manufacturing import services
from tests.inventory import conftest as stock_fixtures

# the inventory suite's fixtures and helpers, served to this folder's tests too
books = stock_fixtures.books
wh = stock_fixtures.wh
make_product = stock_fixtures.make_product
supplier = stock_fixtures.supplier
receive = stock_fixtures.receive
assert_integrity = stock_fixtures.assert_integrity
balance = stock_fixtures.balance
level = stock_fixtures.level

D = Decimal


def uom(company, name):
    return Uom.objects.get(company=company, name=name)


@pytest.fixture
def factory(books, wh, make_product, receive):
    """LAMP (FIFO) = 150 cm of WIRE + a KIT (phantom: 1 SHADE + 4 BOLT) + 2 BOLT, 30
    minutes at ASM (30.00 + 12.00 overhead per hour), by-product 0.1 kg OFFCUT at 10 %.

    Stock: WIRE (FIFO, in m) 5 m at 4.00 then 10 m at 5.00; BOLT (average) 100 at 0.30;
    SHADE (average) 10 at 8.00 -- 180.00 in inventory.
    """
    company = books
    wire = make_product("fifo", sku="WIRE", uom=uom(company, "m"))
    bolt = make_product("average", sku="BOLT")
    shade = make_product("average", sku="SHADE")
    kit = make_product("average", sku="KIT")
    lamp = make_product("fifo", sku="LAMP")
    offcut = make_product("average", sku="OFFCUT", uom=uom(company, "kg"))
    receive(wire, "5", "4.00")
    receive(wire, "10", "5.00")
    receive(bolt, "100", "0.30")
    receive(shade, "10", "8.00")
    asm = services.work_center_create(
        company=company, code="ASM", name="Assembly", cost_per_hour="30", overhead_per_hour="12"
    )
    kit_bom = services.bom_create(
        company=company,
        product=kit,
        lines=[{"product": shade, "quantity": "1"}, {"product": bolt, "quantity": "4"}],
    )
    lamp_bom = services.bom_create(
        company=company,
        product=lamp,
        lines=[
            {"product": wire, "quantity": "150", "uom": uom(company, "cm")},
            {"product": kit, "quantity": "1", "kind": "phantom"},
            {"product": bolt, "quantity": "2"},
        ],
        byproducts=[{"product": offcut, "quantity": "0.1", "cost_share": "10"}],
        operations=[{"work_center": asm, "minutes": "30"}],
    )
    return {
        "company": company,
        "wh": wh,
        "wire": wire,
        "bolt": bolt,
        "shade": shade,
        "kit": kit,
        "lamp": lamp,
        "offcut": offcut,
        "asm": asm,
        "kit_bom": kit_bom,
        "bom": lamp_bom,
    }
