"""Open sales orders from a file: one row per line, made, priced, taxed and confirmed through
the sales services (stock reserved); the file lands whole or not at all; importing it again
makes nothing new."""

from tandem.core.imports import import_run
from tandem.inventory.models import MoveState
from tandem.sales.models import SalesOrder

from .conftest import YEAR, D

FILE = (
    "订单号,客户,下单日期,货号,数量,单价,折扣,交货日期\n"
    f"EX-1,Beijing Customer,{YEAR}-03-01,LAMP,2,,,{YEAR}-03-10\n"
    f"EX-1,Beijing Customer,{YEAR}-03-01,DESK,1,80,10,{YEAR}-03-10\n"
    f"EX-2,Beijing Customer,{YEAR}-03-02,LAMP,3,,,\n"
)


def _import(company, content, user=None, **kwargs):
    return import_run(
        company=company,
        object_name="open-orders",
        name="orders.csv",
        content=content.encode(),
        user=user,
        **kwargs,
    )


def test_open_orders_are_made_confirmed_and_reserved(books, customer, make_product, stock_in):
    lamp = make_product("100", sku="LAMP")
    desk = make_product("100", sku="DESK")
    stock_in(lamp, 10)
    stock_in(desk, 10)

    report = _import(books, FILE)

    assert (report.errors, report.refused) == ([], None)
    assert report.result == {"orders": 2, "confirmed": 2, "skipped": 0, "lines": 3}
    first = SalesOrder.objects.get(company=books, external_reference="EX-1")
    assert (first.channel, first.state, first.party_id) == ("import", "confirmed", customer.pk)
    assert first.commitment_date.isoformat() == f"{YEAR}-03-10"
    # priced from the list price where the file gives none, 80 less 10 % where it does;
    # 13 % VAT from the products' default tax
    assert first.untaxed_amount == D("272.00")
    assert first.total_amount == D("307.36")
    delivery = first.transfers.get()
    assert delivery.state == MoveState.ASSIGNED
    assert sorted(m.quantity for m in delivery.moves.all()) == [D("1"), D("2")]

    # the same file again: nothing new, and it says so
    again = _import(books, FILE)
    assert again.result == {"orders": 0, "confirmed": 0, "skipped": 2, "lines": 0}
    assert SalesOrder.objects.filter(company=books).count() == 2


def test_a_bad_row_refuses_the_whole_file_naming_it(books, customer, make_product):
    make_product("100", sku="LAMP")
    make_product("100", sku="DESK")
    bad = FILE.replace(f"EX-2,Beijing Customer,{YEAR}-03-02,LAMP", f"EX-2,Nobody,{YEAR}-03-02,LAMP")
    bad += f"EX-3,Beijing Customer,{YEAR}-03-02,GHOST,1,,,\n"
    bad += f"EX-1,Beijing Customer,{YEAR}-04-01,LAMP,1,,,{YEAR}-03-10\n"

    report = _import(books, bad)

    codes = {e["row"]: e["code"] for e in report.errors}
    assert codes == {
        4: "reference.invalid",  # no customer called Nobody
        5: "reference.invalid",  # no product GHOST
        6: "import.order_mismatch",  # another order date for EX-1
    }
    assert not SalesOrder.objects.filter(company=books).exists()


def test_a_refused_order_refuses_the_file_and_names_the_order(books, customer, make_product):
    make_product("100", sku="LAMP")
    make_product("100", sku="DESK")
    customer.credit_limit = D("100")
    customer.save()

    report = _import(books, FILE)

    assert report.refused is not None
    assert "EX-1" in report.refused["message"]
    assert not SalesOrder.objects.filter(company=books).exists()


def test_a_dry_run_checks_everything_and_writes_nothing(books, customer, make_product):
    make_product("100", sku="LAMP")
    make_product("100", sku="DESK")

    report = _import(books, FILE, dry_run=True)

    assert (report.errors, report.refused) == ([], None)
    assert report.result["orders"] == 2
    assert not SalesOrder.objects.filter(company=books).exists()
