"""Computed quantities and amounts of the purchasing API are fixed-point decimal strings
with the places of the fields they stand for: six for quantities, two for money (audit
finding 8: "0", "-4901" and "2E+2" came back before)."""

from decimal import Decimal

import pytest

from tandem.accounting.services.invoices import invoice_post, invoice_update
from tandem.inventory import services as inventory
from tandem.purchasing import services

D = Decimal
FIGURES = ("available", "incoming", "outgoing", "forecast", "min_quantity", "max_quantity")


@pytest.fixture
def rule(api, supplier, widget, warehouse):
    """Widget: 3 on hand (its unit has no decimals); reorder below 10 up to 25, in tens."""
    api.post("/supplier-prices", {"supplier": supplier.pk, "product": widget.pk, "price": "8"})
    made = api.post(
        "/reorder-rules",
        {
            "product": widget.pk,
            "warehouse": warehouse.pk,
            "min_quantity": "10",
            "max_quantity": "25",
            "multiple": "10",
        },
    )
    assert made.status_code == 201, made.content
    receipt = inventory.transfer_create(
        company=warehouse.company,
        kind="receipt",
        warehouse=warehouse,
        party=supplier,
        moves=[{"product": widget, "quantity": D("3"), "unit_cost": D("8")}],
    )
    inventory.transfer_done(transfer=inventory.transfer_confirm(transfer=receipt))
    return made.json()


def test_suggestions_answer_six_places(api, rule):
    answer = api.get("/replenishment/suggestions")

    assert answer.status_code == 200, answer.content
    (row,) = answer.json()
    assert [row[name] for name in FIGURES] == [
        "3.000000",
        "0.000000",
        "0.000000",
        "3.000000",
        "10.000000",
        "25.000000",
    ]
    assert (row["multiple"], row["quantity"], row["status"]) == ("10.000000", "30.000000", "order")


def test_the_run_reports_its_suggestions_the_same_way(api, rule):
    answer = api.post("/replenishment/run", {})

    assert answer.status_code == 200, answer.content
    (row,) = answer.json()["suggestions"]
    assert (row["available"], row["forecast"], row["quantity"]) == (
        "3.000000",
        "3.000000",
        "30.000000",
    )


def test_price_difference_has_two_places_with_and_without_a_difference(
    api, company, supplier, warehouse, widget, owner
):
    draft = api.post(
        "/purchase-orders",
        {
            "supplier": supplier.pk,
            "warehouse": warehouse.pk,
            "lines": [{"product": widget.pk, "quantity": "10", "unit_price": "10"}],
        },
    ).json()
    order = services.purchase_order_confirm(
        order=services.purchase_order_create(
            company=company,
            supplier=supplier,
            warehouse=warehouse,
            lines=[{"product": widget, "quantity": D("10"), "unit_price": D("10.00")}],
            user=owner,
        ),
        user=owner,
    )
    services.purchase_order_receive(order=order)
    bill, _warnings = services.purchase_order_bill(order=order, policy="received", user=owner)
    line = bill.lines.get()
    invoice_update(
        invoice=bill,
        lines=[
            {
                "product": line.product,
                "quantity": line.quantity,
                "uom": line.uom,
                "unit_price": D("11.00"),
                "account": line.account,
                "origin_line": line.origin_line,
            }
        ],
    )
    invoice_post(invoice=bill, user=owner)

    unchanged = api.get(f"/purchase-orders/{draft['id']}").json()
    billed_higher = api.get(f"/purchase-orders/{order.pk}").json()
    listed = api.get("/purchase-orders").json()["items"]

    assert unchanged["price_difference"] == "0.00"
    assert billed_higher["price_difference"] == "10.00"  # 10 units billed 1.00 above receipt
    assert sorted(row["price_difference"] for row in listed) == ["0.00", "10.00"]
