"""Receipts from a bank file: POST /payments/import and `payments_import` (issue 20)."""

import pytest

from tandem.accounting.models import Allocation, Entry, Invoice, Payment
from tandem.accounting.services.bank_import import payments_import
from tandem.sales import services
from tandem.sales.models import PaymentStatus, SalesOrder

from .conftest import D, balance

pytestmark = pytest.mark.django_db

URL = "/payments/import"


@pytest.fixture
def invoiced(order_of, make_product, stock_in):
    """invoiced(n) -> n posted customer invoices of shipped orders (226.00 each)."""
    product = make_product("100")
    stock_in(product, 100)

    def make(n):
        invoices = []
        for _ in range(n):
            order = services.sales_order_confirm(order=order_of((product, "2")))
            services.delivery_step(order=order, step="ship")
            invoices.append(services.sales_order_invoice(orders=[order], post=True))
        return invoices

    return make


def written(company):
    return (
        Payment.objects.filter(company=company).count(),
        Allocation.objects.count(),
        Entry.objects.filter(company=company).count(),
        sorted(Invoice.objects.filter(company=company).values_list("pk", "residual_amount")),
    )


def test_matched_receipts_post_and_pay_their_invoices(
    books, invoiced, django_capture_on_commit_callbacks
):
    invoices = invoiced(3)
    receivable = balance(books, "receivable")
    receipts = [{"reference": inv.number, "amount": inv.total_amount} for inv in invoices]
    # the orders' payment status follows through the invoice events, after commit
    with django_capture_on_commit_callbacks(execute=True):
        results = payments_import(company=books, receipts=receipts)
    assert [r.error for r in results] == [None, None, None]
    for result, invoice in zip(results, invoices, strict=True):
        assert result.payment.state == "posted"
        assert result.invoice.pk == invoice.pk
        invoice.refresh_from_db()
        assert invoice.residual_amount == 0
        order = SalesOrder.objects.get(invoices=invoice)
        assert order.payment_status == PaymentStatus.PAID
    assert balance(books, "receivable") == receivable - D("678.00")


def test_bad_receipts_come_back_with_their_codes_and_the_good_ones_post(api, books, invoiced):
    good, short, twice = invoiced(3)
    before_short = Invoice.objects.get(pk=short.pk).residual_amount
    answer = api.post(
        URL,
        {
            "receipts": [
                {"reference": good.number, "amount": str(good.total_amount)},
                {"reference": "INV/1999/0001", "amount": "10.00"},
                {"reference": short.number, "amount": "1.00"},
                {"reference": twice.number, "amount": str(twice.total_amount)},
                {"reference": twice.number, "amount": str(twice.total_amount)},
            ]
        },
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["posted"], body["failed"]) == (2, 3)
    codes = [r["error"]["code"] if r["error"] else None for r in body["results"]]
    assert codes == [
        None,
        "payment.unmatched",
        "payment.amount_mismatch",
        None,
        "payment.duplicate_reference",
    ]
    assert body["results"][2]["error"]["field"] == "receipts.2.amount"
    assert Invoice.objects.get(pk=short.pk).residual_amount == before_short
    assert Payment.objects.filter(company=books).count() == 2


@pytest.mark.parametrize(
    "receipts",
    [
        [],
        [{"reference": "X", "amount": "-5"}],
        [{"reference": "", "amount": "5"}],
        [{"reference": "X", "amount": "1.001"}],
        [{"reference": "X", "amount": "5"}] * 5001,
    ],
    ids=["empty", "negative", "no-reference", "three-decimals", "over-limit"],
)
def test_a_malformed_file_answers_422_and_writes_nothing(api, books, invoiced, receipts):
    (invoice,) = invoiced(1)
    good = {"reference": invoice.number, "amount": str(invoice.total_amount)}
    before = written(books)
    answer = api.post(URL, {"receipts": [good, *receipts] if receipts else []})
    assert answer.status_code == 422, answer.content
    assert written(books) == before
