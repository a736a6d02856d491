"""Concurrent allocations of one invoice under the row locks: PostgreSQL only."""

from datetime import date

import pytest

from tandem.accounting import services
from tandem.accounting.models import Allocation, Payment
from tandem.accounting.services import payments as pay
from tandem.core.errors import DomainError
from tandem.core.integrity import run_all
from tandem.parties.models import Party
from tests.accounting.test_postgres import _run_together

from .test_payments_support import YEAR, D, make_invoice, state_of

pytestmark = pytest.mark.postgres


def _books(company):
    services.fiscal_year_create(company=company, date_start=date(YEAR, 1, 1))
    services.chart_install(company=company, template="prc")
    customer = Party.objects.create(
        company=company, name="Race Customer", is_customer=True, currency_id="CNY"
    )
    invoice = make_invoice(company, customer, [(10, "100.00")])  # 1,130.00
    return customer, invoice


@pytest.mark.django_db(transaction=True)
def test_threads_allocating_one_invoice_never_exceed_it(company):
    customer, invoice = _books(company)
    payments = [
        pay.payment_post(
            payment=pay.payment_create(
                company=company, direction="in", party=customer, amount=D("300.00"),
                date=date(YEAR, 3, 10 + n),
            )
        )
        for n in range(6)
    ]  # fmt: skip

    results, errors = _run_together(
        6,
        lambda n: (
            pay.payment_allocate(
                payment=payments[n], allocations=[(invoice, D("300.00"))]
            ).unallocated_amount
        ),
    )

    assert results == [D("0.00")] * 3
    assert len(errors) == 3
    assert all(isinstance(e, DomainError) and e.code == "allocation.exceeds_residual"
               for e in errors), errors  # fmt: skip
    assert all(400 <= e.status < 500 for e in errors)
    assert state_of(invoice) == (D("230.00"), D("230.00"), "partial")
    assert Allocation.objects.filter(invoice=invoice).count() == 3
    assert sorted(Payment.objects.values_list("unallocated_amount", flat=True)) == (
        [D("0.00")] * 3 + [D("300.00")] * 3
    )
    assert run_all().ok, run_all().render()


@pytest.mark.django_db(transaction=True)
def test_threads_posting_payments_of_one_invoice_get_gapless_numbers(company):
    customer, invoice = _books(company)
    drafts = [
        pay.payment_create(
            company=company, direction="in", party=customer, amount=D("500.00"),
            date=date(YEAR, 4, 1), allocations=[(invoice, D("500.00"))],
        )
        for _ in range(4)
    ]  # fmt: skip

    results, errors = _run_together(4, lambda n: pay.payment_post(payment=drafts[n]).number)

    assert sorted(results) == [f"PAY/BNK/{YEAR}/00001", f"PAY/BNK/{YEAR}/00002"]
    assert [e.code for e in errors] == ["allocation.exceeds_residual"] * 2
    assert state_of(invoice) == (D("130.00"), D("130.00"), "partial")
    assert Payment.objects.filter(state="draft").count() == 2
    assert run_all().ok, run_all().render()
