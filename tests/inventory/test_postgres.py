"""Row locks on stock levels under real concurrency: PostgreSQL only."""

import threading
from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from tandem.accounting import services as accounting
from tandem.catalog.services import product_create
from tandem.core.errors import DomainError
from tandem.core.integrity import run_all
from tandem.inventory import services
from tandem.inventory.models import StockLevel, StockMove

from .conftest import YEAR, D

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
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def _stocked(company, qty):
    accounting.fiscal_year_create(company=company, date_start=date(YEAR, 1, 1))
    accounting.chart_install(company=company, template="prc")
    wh = services.warehouse_create(company=company, code="WH", name="Main")
    product = product_create(company=company, sku="HOT", name="Hot item", valuation="fifo")
    receipt = services.transfer_create(
        company=company,
        kind="receipt",
        warehouse=wh,
        moves=[{"product": product, "quantity": D(qty), "unit_cost": "2.00"}],
        confirm=True,
    )
    services.transfer_done(transfer=receipt)
    return wh, product


@pytest.mark.django_db(transaction=True)
def test_sixteen_reservations_against_ten_units(company):
    wh, product = _stocked(company, 10)
    deliveries = [
        services.transfer_create(
            company=company,
            kind="delivery",
            warehouse=wh,
            moves=[{"product": product, "quantity": "1"}],
            confirm=True,
        )
        for _ in range(16)
    ]

    results, errors = _run_together(
        16, lambda n: services.transfer_assign(transfer=deliveries[n], strict=True).state
    )

    assert results == ["assigned"] * 10
    assert len(errors) == 6
    assert all(isinstance(e, DomainError) and e.code == "stock.insufficient" for e in errors)
    level = StockLevel.objects.get(product=product, location=wh.stock_location)
    assert (level.on_hand, level.reserved) == (D(10), D(10))
    assert StockMove.objects.filter(state="assigned", product=product).count() == 10
    report = run_all()
    assert report.ok, report.render()


@pytest.mark.django_db(transaction=True)
def test_sixteen_deliveries_done_at_once_never_oversell(company):
    wh, product = _stocked(company, 10)
    deliveries = [
        services.transfer_create(
            company=company,
            kind="delivery",
            warehouse=wh,
            moves=[{"product": product, "quantity": "1"}],
            confirm=True,
        )
        for _ in range(16)
    ]

    results, errors = _run_together(
        16, lambda n: services.transfer_done(transfer=deliveries[n]).state
    )

    assert results == ["done"] * 10
    assert sorted(e.code for e in errors) == ["stock.insufficient"] * 6
    level = StockLevel.objects.get(product=product, location=wh.stock_location)
    assert (level.on_hand, level.reserved) == (D(0), D(0))
    report = run_all()
    assert report.ok, report.render()


@pytest.mark.django_db
def test_the_trigger_refuses_raw_sql_on_done_moves(company):
    wh, product = _stocked(company, 3)
    move = StockMove.objects.get(product=product, state="done")
    for sql in (
        "UPDATE inventory_stockmove SET quantity_done = 9 WHERE id = %s",
        "DELETE FROM inventory_stockmove WHERE id = %s",
    ):
        with (
            pytest.raises(IntegrityError) as refused,
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [move.pk])
        assert "done moves never change" in str(refused.value)
    assert StockMove.objects.get(pk=move.pk).quantity_done == D(3)
