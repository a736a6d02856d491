"""Period invoicing: POST /sales-orders/invoice-period and `sales_orders_invoice_period`
(issue 20)."""

from datetime import date, timedelta

import pytest

from tandem.accounting.models import Invoice
from tandem.accounting.services._common import company_today
from tandem.core.models import Job
from tandem.sales import services
from tandem.sales.models import InvoiceStatus, SalesOrder

from .conftest import D, balance

pytestmark = pytest.mark.django_db

URL = "/sales-orders/invoice-period"
# only for the refused bodies below, whose dates are wrong whatever the day; the tests that
# invoice use the company's own today (orders are dated in its zone, a day ahead of UTC in
# Shanghai's evening)
TODAY = date.today()


@pytest.fixture
def goods(make_product, stock_in):
    product = make_product("100")
    stock_in(product, 100)
    return product


def shipped(order_of, goods, qty="2", **fields):
    order = services.sales_order_confirm(order=order_of((goods, qty), **fields))
    return services.delivery_step(order=order, step="ship")


def test_every_delivered_order_of_the_period_gets_its_posted_invoice(
    books, order_of, goods, customer
):
    today = company_today(books)
    # given two shipped orders in the period, one outside it, one draft
    inside = [shipped(order_of, goods), shipped(order_of, goods, "3")]
    outside = shipped(order_of, goods, order_date=today - timedelta(days=40))
    draft = order_of((goods, "1"))
    # when the period is invoiced
    answers = services.sales_orders_invoice_period(
        company=books, date_from=today - timedelta(days=10), date_to=today
    )
    # then each delivered order of the period has one posted invoice for what it delivered
    assert [(o.pk, e) for o, _i, e in answers] == [(o.pk, None) for o in inside]
    for order, invoice, _e in answers:
        assert invoice.state == "posted"
        assert list(invoice.sales_orders.values_list("pk", flat=True)) == [order.pk]
        order = SalesOrder.objects.get(pk=order.pk)
        assert order.invoice_status == InvoiceStatus.INVOICED and order.state == "done"
    assert [i.total_amount for _o, i, _e in answers] == [D("226.00"), D("339.00")]
    assert balance(books, "receivable") == D("565.00")
    assert not SalesOrder.objects.get(pk=outside.pk).invoices.exists()
    assert not SalesOrder.objects.get(pk=draft.pk).invoices.exists()
    # and a second run finds nothing left
    assert services.sales_orders_invoice_period(company=books, date_from=today, date_to=today) == []


def test_the_endpoint_answers_202_with_a_job_that_invoices_the_period(
    api, books, order_of, goods, django_capture_on_commit_callbacks
):
    today = company_today(books)
    orders = [shipped(order_of, goods) for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(URL, {"date_from": str(today), "date_to": str(today)})
    assert answer.status_code == 202, answer.content
    job = Job.objects.get(pk=answer.json()["id"])
    assert job.kind == "sales.invoice_period"
    assert job.state == "done", job.errors
    assert (job.total, job.done, job.result["invoiced"], job.result["failed"]) == (3, 3, 3, 0)
    assert Invoice.objects.filter(sales_orders__in=orders, state="posted").count() == 3


@pytest.mark.parametrize(
    "body",
    [
        {"date_from": str(TODAY), "date_to": str(TODAY - timedelta(days=1))},
        {"date_from": str(TODAY - timedelta(days=400)), "date_to": str(TODAY)},
        {"date_from": "yesterday", "date_to": str(TODAY)},
        {"date_to": str(TODAY)},
    ],
    ids=["reversed", "too-long", "not-a-date", "missing"],
)
def test_a_bad_period_answers_422_and_writes_nothing(api, books, order_of, goods, body):
    shipped(order_of, goods)
    jobs, invoices = Job.objects.count(), Invoice.objects.count()
    answer = api.post(URL, body)
    assert answer.status_code == 422, answer.content
    assert (Job.objects.count(), Invoice.objects.count()) == (jobs, invoices)
