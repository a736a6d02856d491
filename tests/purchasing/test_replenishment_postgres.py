"""Two replenishment runs of one company at once make one set of drafts (issue 14, hole 9):
PostgreSQL only, where the company row lock is real."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from tandem.purchasing import services
from tandem.purchasing.models import PurchaseOrder, PurchaseOrderLine

pytestmark = pytest.mark.postgres


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_make_exactly_one_draft_per_supplier(
    company, warehouse, widget, gadget, supplier, supplier2
):
    services.supplier_price_create(
        company=company, supplier=supplier, product=widget, price="8.00", lead_time_days=5
    )
    services.supplier_price_create(
        company=company, supplier=supplier2, product=gadget, price="4.00", lead_time_days=2
    )
    for product, low, high in ((widget, "10", "25"), (gadget, "2", "6")):
        services.reorder_rule_create(
            company=company,
            product=product,
            warehouse=warehouse,
            min_quantity=low,
            max_quantity=high,
            multiple="1",
        )
    barrier = threading.Barrier(4)
    errors = []

    def run():
        try:
            barrier.wait(timeout=30)
            services.replenishment_run(company=company)
        except Exception as exc:  # asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    drafts = PurchaseOrder.objects.filter(company=company, origin="Replenishment")
    assert sorted(drafts.values_list("supplier_id", "state")) == sorted(
        [(supplier.pk, "draft"), (supplier2.pk, "draft")]
    )
    assert sorted(
        PurchaseOrderLine.objects.filter(order__in=drafts).values_list("product_id", "quantity")
    ) == sorted([(widget.pk, Decimal("25")), (gadget.pk, Decimal("6"))])
