"""The export of open sales orders in the open-orders import's own columns: one row per line
still to deliver, the order named by its imported reference; the file imports back onto the
same company without making anything twice."""

import pytest

from tandem.core.exports import export_response
from tandem.core.imports import import_object, import_run
from tandem.sales.models import OrderState, SalesOrder
from tandem.sales.services import sales_order_cancel
from tests.sales.conftest import (  # noqa: F401  (the sales fixtures)
    YEAR,
    books,
    customer,
    make_product,
    stock_in,
    vat13,
    wh,
)

FILE = (
    "订单号,客户,下单日期,货号,数量,单价,折扣,交货日期\n"
    f"EX-1,Beijing Customer,{YEAR}-03-01,LAMP,2,,,{YEAR}-03-10\n"
    f"EX-1,Beijing Customer,{YEAR}-03-01,DESK,1,80,10,{YEAR}-03-10\n"
    f"EX-2,Beijing Customer,{YEAR}-03-02,LAMP,3,,,\n"
    f"EX-3,Beijing Customer,{YEAR}-03-03,DESK,4,,,\n"
)


def _import(company, content):
    return import_run(
        company=company, object_name="open-orders", name="orders.csv", content=content.encode()
    )


def _exported(company) -> str:
    headers, rows = import_object("open-orders").export(company)
    response = export_response(fmt="csv", filename="orders", headers=headers, rows=rows)
    return b"".join(response.streaming_content).decode("utf-8-sig")


@pytest.mark.django_db
def test_open_orders_export_in_the_import_columns_and_import_back(request):
    company = request.getfixturevalue("books")  # the sales fixtures, imported above
    request.getfixturevalue("customer")
    make, receive = (request.getfixturevalue(n) for n in ("make_product", "stock_in"))
    for sku in ("LAMP", "DESK"):
        receive(make("100", sku=sku), 20)
    report = _import(company, FILE)
    assert (report.errors, report.refused) == ([], None)
    sales_order_cancel(order=SalesOrder.objects.get(company=company, external_reference="EX-3"))

    exported = _exported(company)

    # EX-3 is cancelled: not open; the lines' quantities still to deliver, their prices
    assert exported.splitlines() == [
        "order,customer,order_date,product,quantity,unit_price,discount,commitment_date,"
        "currency,confirmed,note",
        f"EX-1,Beijing Customer,{YEAR}-03-01,LAMP,2.0000,100.000000,0.00,{YEAR}-03-10,CNY,yes,",
        f"EX-1,Beijing Customer,{YEAR}-03-01,DESK,1.0000,80.000000,10.00,{YEAR}-03-10,CNY,yes,",
        f"EX-2,Beijing Customer,{YEAR}-03-02,LAMP,3.0000,100.000000,0.00,,CNY,yes,",
    ]
    again = _import(company, exported)
    assert (again.errors, again.refused) == ([], None)
    assert again.result == {"orders": 0, "confirmed": 0, "skipped": 2, "lines": 0}
    assert SalesOrder.objects.filter(company=company, state=OrderState.CONFIRMED).count() == 2
