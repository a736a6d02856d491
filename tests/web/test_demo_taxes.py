"""The demo's books carry real output and input VAT (products take their categories' VAT)."""

from datetime import timedelta
from decimal import Decimal

from tandem.accounting.models import Invoice, InvoiceTax
from tandem.accounting.queries.ledger import trial_balance
from tandem.accounting.queries.taxes import tax_report
from tandem.catalog.services.pricing import company_today
from tandem.core.integrity import run_all
from tandem.core.models import Company
from tandem.demo import load_demo
from tandem.sales.models import SalesOrder


def test_demo_books_show_output_and_input_vat(db):
    load_demo(size="small", seed=1)
    demo = Company.objects.get(code="DEMO")
    today = company_today(demo)
    report = tax_report(demo, date_from=today - timedelta(days=800), date_to=today)
    totals = report["totals"]
    assert totals["output_tax"] > 0 and totals["input_tax"] > 0
    assert totals["difference"] == 0
    rates = {row["rate"] for row in report["rows"] if row["amount"]}
    assert Decimal("13") in rates
    # sales orders carry VAT too, and the export customers' invoices 0 %
    assert SalesOrder.objects.filter(company=demo, tax_amount__gt=0).exists()
    zero = InvoiceTax.objects.filter(company=demo, tax__name="销项税 0%")
    assert not zero.exists() or zero.filter(amount=0).count() == zero.count()
    assert Invoice.objects.filter(company=demo, kind="vendor_bill", tax_amount__gt=0).exists()
    balance = trial_balance(demo)["totals"]
    assert balance["debit"] == balance["credit"]
    assert run_all().ok, run_all().render()
