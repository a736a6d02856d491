"""Invoice numbering under concurrent posting: PostgreSQL only."""

import threading
from datetime import date

import pytest
from django.db import connection

from tandem.accounting import services
from tandem.accounting.models import Invoice, Tax
from tandem.accounting.services.invoices import invoice_create, invoice_post
from tandem.core.integrity import run_all
from tandem.parties.models import Party
from tests.accounting.conftest import YEAR

pytestmark = pytest.mark.postgres


@pytest.mark.django_db(transaction=True)
def test_eight_threads_posting_eight_invoices_get_numbers_one_to_eight(company):
    services.fiscal_year_create(company=company, date_start=date(YEAR, 1, 1))
    services.chart_install(company=company, template="prc")
    customer = Party.objects.create(
        company=company, name="Customer", is_customer=True, currency_id="CNY"
    )
    vat = Tax.objects.get(company=company, name="销项税 13%")
    drafts = [
        invoice_create(
            company=company,
            kind="customer_invoice",
            party=customer,
            date=date(YEAR, 5, 1 + n),
            lines=[{"description": f"Item {n}", "unit_price": f"{n + 1}00", "taxes": [vat]}],
        )
        for n in range(8)
    ]
    barrier = threading.Barrier(8)
    results, errors = [], []

    def run(index):
        try:
            barrier.wait(timeout=30)
            results.append(invoice_post(invoice=drafts[index]).number)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(results) == [f"INV/{YEAR}/{n:05d}" for n in range(1, 9)]
    numbers = Invoice.objects.filter(company=company).values_list("number", flat=True)
    assert sorted(numbers) == sorted(results)
    assert set(Invoice.objects.values_list("state", flat=True)) == {"posted"}
    assert run_all().ok, run_all().render()
