"""Races on one order: PostgreSQL only (select_for_update does nothing on SQLite)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from tandem.accounting.models import Invoice, InvoiceLine
from tandem.core.errors import DomainError
from tandem.inventory.models import MoveState, StockMove
from tandem.purchasing import services
from tandem.purchasing.models import PurchaseOrder, PurchaseOrderLine

pytestmark = pytest.mark.postgres


def _run_together(workers, work):
    barrier = threading.Barrier(workers)
    results, errors = [], []

    def run(index):
        try:
            barrier.wait(timeout=30)
            results.append(work(index))
        except Exception as exc:  # collected and asserted by the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.fixture
def confirmed(company, supplier, warehouse, widget):
    order = services.purchase_order_create(
        company=company,
        supplier=supplier,
        warehouse=warehouse,
        lines=[{"product": widget, "quantity": "10", "unit_price": "8.00"}],
    )
    return services.purchase_order_confirm(order=order)


@pytest.mark.django_db(transaction=True)
def test_six_concurrent_bills_of_one_order_make_exactly_one(confirmed):
    services.purchase_order_receive(order=confirmed)

    results, errors = _run_together(
        6, lambda n: services.purchase_order_bill(order=confirmed, policy="received")[0].pk
    )

    assert len(results) == 1
    assert len(errors) == 5
    assert all(isinstance(e, DomainError) for e in errors), errors
    assert {e.code for e in errors} == {"purchase.nothing_to_bill"}
    assert Invoice.objects.count() == 1
    assert InvoiceLine.objects.get().quantity == Decimal("10")


@pytest.mark.django_db(transaction=True)
def test_receive_racing_cancel_never_leaves_goods_on_a_cancelled_order(confirmed):
    def work(n):
        if n % 2:
            return services.purchase_order_cancel(order=confirmed).state
        return services.purchase_order_receive(order=confirmed).state

    results, errors = _run_together(4, work)

    assert all(isinstance(e, DomainError) for e in errors), errors
    order = PurchaseOrder.objects.get(pk=confirmed.pk)
    received = StockMove.objects.filter(state=MoveState.DONE).exists()
    if order.state == "cancelled":
        assert not received
        assert {e.code for e in errors} <= {"purchase.cancelled"}
    else:
        assert received and order.state == "confirmed"
        assert PurchaseOrderLine.objects.get(order=order).received_quantity == Decimal("10")
        assert {e.code for e in errors} <= {"purchase.received", "purchase.nothing_to_receive"}
