"""Issue 5's done-when: the demo's year of orders, in every state, with SLA breaches and open
exceptions, posted through the services so that the ledger, the stock and the dashboard
agree."""

import random
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Sum
from django.utils import timezone

from tandem.accounting.models import EntryLine, Invoice
from tandem.catalog.services import product_create
from tandem.catalog.services.pricing import company_today
from tandem.core.integrity import run_all
from tandem.inventory.demo import load_inventory_demo
from tandem.inventory.models import Transfer
from tandem.parties.models import Party
from tandem.sales.demo import (
    demo_clock,
    fiscal_years_ensure,
    history_start,
    load_sales_demo,
    local_moment,
)
from tandem.sales.models import OrderException, OrderStageEvent, SalesOrder, SalesReturn
from tandem.sales.queries import fulfilment_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(books, wh):
    """A company prepared like the demo: customers, goods, opening stock a year ago, then
    the sales demo's year of orders."""
    for n in range(10):
        Party.objects.create(
            company=books,
            name=f"Customer {n}",
            is_customer=True,
            currency_id="CNY",
            email=f"buyer{n}@customer.example",
        )
    Party.objects.create(company=books, name="Supplier", is_supplier=True, currency_id="CNY")
    for n in range(12):
        product_create(
            company=books,
            sku=f"D{n:02d}",
            name=f"Demo {n}",
            type="goods",
            list_price=f"{50 + n}",
            cost_price=f"{10 + n}",
            valuation="fifo",
        )
    first = history_start(books)
    fiscal_years_ensure(books, first - timedelta(days=31), company_today(books))
    with demo_clock(local_moment(books, first - timedelta(days=7), 9)):
        load_inventory_demo(books, rng=random.Random(7), size="small")
    return load_sales_demo(books, rng=random.Random(7), size="small")


# one history for both checks: building it runs a year of orders through the services
def test_a_year_of_orders_in_every_state_with_exceptions_and_books_that_agree(books, history):
    orders = SalesOrder.objects.filter(company=books)
    assert history["skipped"] == 0
    assert history["orders"] == orders.count() == 44

    # spread over the last twelve months, not only this year
    today = company_today(books)  # the company's day (Shanghai), not UTC's
    dates = list(orders.values_list("order_date", flat=True))
    assert len({(d.year, d.month) for d in dates}) >= 10
    assert min(dates) >= today - timedelta(days=366) and max(dates) <= today
    assert (today - min(dates)).days > 300

    def some(**filters):
        return orders.filter(**filters).exists()

    assert some(state="draft")  # quotation
    assert some(state="sent")
    assert some(state="confirmed", delivery_status="pending")  # confirmed, waiting
    assert some(state="cancelled")
    assert some(state="confirmed", delivery_status="delivered", invoice_status="to_invoice")
    assert some(invoice_status="invoiced", payment_status="not_paid")
    assert some(state="done", payment_status="paid")
    # partially shipped, the rest waiting on a backorder
    partial = orders.get(state="confirmed", delivery_status="partial")
    waiting = partial.transfers.filter(kind="delivery", state__in=["confirmed", "assigned"])
    assert waiting.filter(backorder_of__isnull=False).exists()
    # returned: received back, credited and refunded
    assert SalesReturn.objects.filter(company=books, state="refunded").exists()

    # the exception queue: each kind open at least once, and resolved with a note
    queue = OrderException.objects.filter(company=books)
    kinds = {"stock_shortage", "credit_hold", "payment_overdue", "sla_breach", "delivery_failed"}
    assert set(queue.filter(state="open").values_list("kind", flat=True)) == kinds
    resolved = queue.filter(state="resolved")
    assert set(resolved.values_list("kind", flat=True)) == kinds
    assert not resolved.filter(resolution_note="").exists()  # each one says why
    # exceptions were raised when they happened, over the year, not all today
    months = {(e.year, e.month) for e in queue.values_list("created_at", flat=True)}
    assert len(months) >= 4

    _the_dashboard_and_the_books_agree_with_the_history(books, history)


def _the_dashboard_and_the_books_agree_with_the_history(books, history):
    report = fulfilment_report(books)
    rows = {row["stage"]: row for row in report["rows"]}

    assert report["totals"]["orders"] >= 25
    rates = [row["on_time_rate"] for row in rows.values() if row["on_time_rate"] is not None]
    assert rates and min(rates) < 100 and max(rates) > 50
    assert rows["shipped"]["breaches"] > 0
    assert rows["shipped"]["cycle_p50_hours"] < rows["shipped"]["cycle_p90_hours"]
    p50, p90 = report["totals"]["cycle_p50_hours"], report["totals"]["cycle_p90_hours"]
    assert p50 is not None and p50 < p90
    assert all(n >= 1 for n in report["totals"]["open_exceptions"].values())
    # stage events are history: within the year, never in the future, in stage order
    events = OrderStageEvent.objects.filter(company=books)
    assert events.filter(at__gt=timezone.now()).count() == 0
    assert events.filter(at__lt=timezone.now() - timedelta(days=366)).count() == 0
    for order in SalesOrder.objects.filter(company=books, state="done")[:10]:
        at = dict(order.stage_events.values_list("stage", "at"))
        # (a part may ship before the backorder is allocated)
        assert at["received"] <= min(at["allocated"], at["shipped"])
        assert at["shipped"] <= at["delivered"]

    assert run_all().ok, run_all().render()
    posted = EntryLine.objects.filter(entry__company=books, entry__state="posted")
    totals = posted.aggregate(debit=Sum("debit"), credit=Sum("credit"))
    assert totals["debit"] == totals["credit"] > 0  # the trial balance is zero-sum
    # each document's entry carries the document's date, across the year
    for invoice in Invoice.objects.filter(company=books, state="posted").select_related("entry"):
        assert invoice.entry.date == invoice.date
    months = {(d.year, d.month) for d in posted.values_list("entry__date", flat=True)}
    assert len(months) >= 10
    zone = ZoneInfo(books.time_zone)
    for transfer in Transfer.objects.filter(company=books, state="done", kind="delivery")[:20]:
        assert transfer.entry is not None
        local = timezone.localtime(transfer.date_done, zone).date()
        assert abs((transfer.entry.date - local).days) <= 1  # the company's day, not UTC's
