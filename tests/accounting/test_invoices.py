"""Invoice services: drafts with defaults, posting to the ledger, cancel, credit notes."""

from datetime import date

import pytest

from tandem.accounting.errors import InvoiceHasAllocations
from tandem.accounting.models import Allocation, Entry, Invoice, InvoiceTax
from tandem.accounting.services import period_close, period_for
from tandem.accounting.services.invoices import (
    invoice_cancel,
    invoice_create,
    invoice_credit,
    invoice_delete,
    invoice_post,
    invoice_update,
)
from tandem.accounting.services.taxes import accounting_settings_update
from tandem.core import events
from tandem.core.errors import Conflict, ValidationFailed
from tandem.core.models import SequenceNumber
from tandem.core.services import exchange_rate_set
from tests.accounting.conftest import YEAR, D


def entry_rows(entry):
    return [
        (line.account.code, line.debit, line.credit, line.party_id)
        for line in entry.lines.select_related("account").order_by("id")
    ]


# -- drafts --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_draft_takes_its_defaults_from_the_product_and_the_party(
    company, customer, product, taxes, term, acct, journals
):
    # given a customer with a 30-day term and a product with a sales and a purchase tax
    customer.payment_term = term
    customer.save()
    # when a line names only the product and a quantity
    invoice = invoice_create(
        company=company,
        kind="customer_invoice",
        party=customer,
        date=date(YEAR, 3, 10),
        lines=[{"product": product, "quantity": D("3")}],
    )
    # then price, account, unit, taxes and description come from the product
    line = invoice.lines.get()
    assert (line.unit_price, line.account, line.uom, line.description) == (
        D("200"),
        acct["6001"],
        product.uom,
        "龙井茶 Longjing tea",
    )
    assert list(line.taxes.all()) == [taxes["销项税 13%"]]
    assert (line.untaxed_amount, line.tax_amount, line.total_amount) == (
        D("600.00"),
        D("78.00"),
        D("678.00"),
    )
    assert (invoice.untaxed_amount, invoice.tax_amount, invoice.total_amount) == (
        D("600.00"),
        D("78.00"),
        D("678.00"),
    )
    assert invoice.due_date == date(YEAR, 4, 9)
    assert invoice.payment_term == term
    assert invoice.journal == journals["SAL"]
    assert (invoice.state, invoice.number, invoice.currency_id) == ("draft", "", "CNY")
    assert [(t.tax.name, t.base, t.amount) for t in invoice.tax_lines.all()] == [
        ("销项税 13%", D("600.00"), D("78.00"))
    ]


@pytest.mark.django_db
def test_a_vendor_bill_defaults_to_cost_price_purchase_tax_and_expense(
    company, supplier, product, taxes, acct, journals
):
    bill = invoice_create(
        company=company,
        kind="vendor_bill",
        party=supplier,
        date=date(YEAR, 3, 10),
        lines=[{"product": product, "quantity": 2}],
    )
    line = bill.lines.get()
    assert (line.unit_price, line.account) == (D("120"), acct["6602"])
    assert list(line.taxes.all()) == [taxes["进项税 13%"]]
    assert (bill.total_amount, bill.journal) == (D("271.20"), journals["PUR"])


@pytest.mark.django_db
def test_a_sales_tax_on_a_vendor_bill_is_refused(company, supplier, taxes):
    with pytest.raises(ValidationFailed) as refused:
        invoice_create(
            company=company,
            kind="vendor_bill",
            party=supplier,
            date=date(YEAR, 3, 10),
            lines=[{"description": "x", "unit_price": 1, "taxes": [taxes["销项税 13%"]]}],
        )
    assert (refused.value.code, refused.value.field) == ("tax.scope_mismatch", "lines.0.taxes")
    assert not Invoice.objects.exists()


@pytest.mark.django_db
def test_update_replaces_lines_and_recomputes(draft, taxes):
    invoice = draft()
    updated = invoice_update(
        invoice=invoice,
        lines=[{"description": "Tea", "quantity": 1, "unit_price": D("50"), "taxes": []}],
        reference="PO-7",
    )
    assert (updated.total_amount, updated.tax_amount, updated.reference) == (
        D("50.00"),
        D("0.00"),
        "PO-7",
    )
    assert not InvoiceTax.objects.filter(invoice=invoice).exists()
    assert invoice.lines.count() == 1


@pytest.mark.django_db
def test_a_posted_invoice_is_neither_updated_nor_deleted(draft):
    invoice = draft(post=True)
    with pytest.raises(Conflict) as refused:
        invoice_update(invoice=invoice, reference="changed")
    assert refused.value.code == "invoice.not_draft"
    with pytest.raises(Conflict):
        invoice_delete(invoice=invoice)
    invoice.refresh_from_db()
    assert (invoice.reference, invoice.state) == ("", "posted")


@pytest.mark.django_db
def test_a_draft_is_deleted_with_its_lines(draft):
    invoice = draft()
    invoice_delete(invoice=invoice)
    assert not Invoice.objects.filter(pk=invoice.pk).exists()
    assert not InvoiceTax.objects.exists()


# -- posting -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_posting_a_customer_invoice_numbers_it_and_posts_the_entry(
    draft, customer, owner, django_capture_on_commit_callbacks
):
    received = []
    handler = lambda event, **payload: received.append((event, payload))  # noqa: E731
    events.subscribe("invoice.posted", handler)
    try:
        invoice = draft()
        with django_capture_on_commit_callbacks(execute=True):
            posted = invoice_post(invoice=invoice, user=owner)
    finally:
        events.unsubscribe("invoice.posted", handler)

    assert (posted.state, posted.number, posted.payment_state) == (
        "posted",
        f"INV/{YEAR}/00001",
        "not_paid",
    )
    assert (posted.residual_amount, posted.total_company, posted.residual_company) == (
        D("226.00"),
        D("226.00"),
        D("226.00"),
    )
    assert posted.posted_by == owner and posted.posted_at is not None
    assert posted.entry.state == "posted"
    assert posted.entry.reference == posted.number
    assert entry_rows(posted.entry) == [
        ("1122", D("226.00"), D("0.00"), customer.pk),
        ("6001", D("0.00"), D("200.00"), None),
        ("222102", D("0.00"), D("26.00"), None),
    ]
    assert [(e, p["number"], p["total"]) for e, p in received] == [
        ("invoice.posted", posted.number, "226.00")
    ]


@pytest.mark.django_db
def test_posting_a_vendor_bill_debits_expense_and_input_tax(draft, supplier):
    bill = draft(kind="vendor_bill", party=supplier, post=True)
    assert bill.number == f"BILL/{YEAR}/00001"
    assert entry_rows(bill.entry) == [
        ("2202", D("0.00"), D("226.00"), supplier.pk),
        ("6602", D("200.00"), D("0.00"), None),
        ("222101", D("26.00"), D("0.00"), None),
    ]


@pytest.mark.django_db
def test_each_kind_numbers_on_its_own_sequence(draft, supplier):
    first = draft(post=True)
    second = draft(post=True)
    bill = draft(kind="vendor_bill", party=supplier, post=True)
    refund = draft(kind="vendor_credit_note", party=supplier, post=True)
    assert [first.number, second.number, bill.number, refund.number] == [
        f"INV/{YEAR}/00001",
        f"INV/{YEAR}/00002",
        f"BILL/{YEAR}/00001",
        f"RBILL/{YEAR}/00001",
    ]
    # the vendor credit note mirrors the bill
    assert entry_rows(refund.entry)[0] == ("2202", D("226.00"), D("0.00"), supplier.pk)


@pytest.mark.django_db
def test_posting_into_a_closed_period_is_refused_and_takes_no_number(draft, owner):
    invoice = draft()
    period_close(period=period_for(invoice.company, invoice.date), user=owner)

    with pytest.raises(Conflict) as refused:
        invoice_post(invoice=invoice)

    assert refused.value.code == "period.closed"
    invoice.refresh_from_db()
    assert (invoice.state, invoice.number, invoice.entry) == ("draft", "", None)
    assert not SequenceNumber.objects.filter(sequence__code__startswith="invoice:").exists()
    assert not Entry.objects.exists()


@pytest.mark.django_db
def test_a_posted_invoice_cannot_be_posted_again(draft):
    invoice = draft(post=True)
    with pytest.raises(Conflict) as refused:
        invoice_post(invoice=invoice)
    assert refused.value.code == "invoice.invalid_transition"
    assert Entry.objects.count() == 1


@pytest.mark.django_db
def test_an_invoice_without_lines_is_not_posted(chart, company, customer):
    invoice = invoice_create(
        company=company, kind="customer_invoice", party=customer, date=date(YEAR, 3, 1)
    )
    with pytest.raises(ValidationFailed) as refused:
        invoice_post(invoice=invoice)
    assert refused.value.code == "invoice.empty"
    assert Invoice.objects.get(pk=invoice.pk).state == "draft"


@pytest.mark.django_db
def test_per_document_rounding_posts_the_document_figure(company, draft, taxes):
    accounting_settings_update(company=company, tax_rounding="document")
    vat6 = taxes["销项税 6%"]
    lines = [{"description": f"L{n}", "unit_price": D("10.05"), "taxes": [vat6]} for n in range(3)]
    invoice = draft(lines, post=True)
    assert (invoice.untaxed_amount, invoice.tax_amount, invoice.total_amount) == (
        D("30.15"),
        D("1.81"),
        D("31.96"),
    )
    assert [line.tax_amount for line in invoice.lines.all()] == [D("0.61"), D("0.60"), D("0.60")]
    assert entry_rows(invoice.entry)[-1] == ("222102", D("0.00"), D("1.81"), None)


@pytest.mark.django_db
def test_a_price_included_tax_posts_the_price_as_the_total(company, draft, acct):
    from tandem.accounting.services.taxes import tax_create

    included = tax_create(
        company=company, name="增值税 13% 含税", scope="sale", rate="13", price_include=True
    )
    invoice = draft(
        [{"description": "Retail", "quantity": 1, "unit_price": D("100"), "taxes": [included]}],
        post=True,
    )
    assert (invoice.untaxed_amount, invoice.tax_amount, invoice.total_amount) == (
        D("88.50"),
        D("11.50"),
        D("100.00"),
    )


@pytest.mark.django_db
def test_a_foreign_currency_invoice_posts_at_the_rate_with_the_rounding_cent(company, draft, taxes):
    # given USD at 7.1234 and three lines of 33.33 USD at 13%
    exchange_rate_set(company=company, currency="USD", on_date=date(YEAR, 3, 1), rate=D("7.1234"))
    vat = taxes["销项税 13%"]
    lines = [{"description": f"L{n}", "unit_price": D("33.33"), "taxes": [vat]} for n in range(3)]
    invoice = draft(lines, currency="USD")
    posted = invoice_post(invoice=invoice)
    # then 112.98 USD is 804.80 CNY; the lines convert to 804.79; one cent to rounding
    assert (posted.total_amount, posted.rate, posted.total_company) == (
        D("112.98"),
        D("7.12340000"),
        D("804.80"),
    )
    rows = [
        (line.account.code, line.debit, line.credit, line.currency_id, line.amount_currency)
        for line in posted.entry.lines.select_related("account").order_by("id")
    ]
    assert rows == [
        ("1122", D("804.80"), D("0.00"), "USD", D("112.98")),
        ("6001", D("0.00"), D("237.42"), "USD", D("-33.33")),
        ("6001", D("0.00"), D("237.42"), "USD", D("-33.33")),
        ("6001", D("0.00"), D("237.42"), "USD", D("-33.33")),
        ("222102", D("0.00"), D("92.53"), "USD", D("-12.99")),
        ("660305", D("0.00"), D("0.01"), "CNY", D("-0.01")),
    ]


@pytest.mark.django_db
def test_a_foreign_currency_without_a_rate_is_refused(draft):
    invoice = draft(currency="USD")
    with pytest.raises(ValidationFailed) as refused:
        invoice_post(invoice=invoice)
    assert refused.value.code == "rate.missing"
    invoice.refresh_from_db()
    assert (invoice.state, invoice.number) == ("draft", "")
    assert not Entry.objects.exists()


# -- cancel and credit ---------------------------------------------------------------------


@pytest.mark.django_db
def test_cancel_posts_the_reversal_and_clears_the_residual(draft, owner):
    invoice = draft(post=True)
    cancelled = invoice_cancel(invoice=invoice, user=owner)
    assert (cancelled.state, cancelled.residual_amount, cancelled.residual_company) == (
        "cancelled",
        D("0.00"),
        D("0.00"),
    )
    reversal = cancelled.cancel_entry
    assert reversal.reversal_of == invoice.entry and reversal.state == "posted"
    assert [(c, d, k) for c, d, k, _p in entry_rows(reversal)] == [
        ("1122", D("0.00"), D("226.00")),
        ("6001", D("200.00"), D("0.00")),
        ("222102", D("26.00"), D("0.00")),
    ]
    with pytest.raises(Conflict) as again:
        invoice_cancel(invoice=invoice)
    assert again.value.code == "invoice.invalid_transition"


@pytest.mark.django_db
def test_cancel_of_a_draft_is_refused(draft):
    invoice = draft()
    with pytest.raises(Conflict) as refused:
        invoice_cancel(invoice=invoice)
    assert refused.value.code == "invoice.invalid_transition"
    assert Invoice.objects.get(pk=invoice.pk).state == "draft"


@pytest.mark.django_db
def test_cancel_is_refused_once_a_credit_note_is_allocated(draft):
    invoice = draft(post=True)
    note = invoice_post(invoice=invoice_credit(invoice=invoice))
    Allocation.objects.create(
        company=invoice.company,
        invoice=invoice,
        credit_note=note,
        date=date(YEAR, 3, 20),
        amount=D("10.00"),
        amount_company=D("10.00"),
    )
    for document in (invoice, note):
        with pytest.raises(InvoiceHasAllocations) as refused:
            invoice_cancel(invoice=document)
        assert (refused.value.code, refused.value.status) == ("invoice.has_allocations", 409)
    assert set(Invoice.objects.values_list("state", flat=True)) == {"posted"}
    assert Entry.objects.filter(reversal_of__isnull=False).count() == 0


@pytest.mark.django_db
def test_credit_makes_a_draft_credit_note_with_the_same_lines(draft, customer):
    invoice = draft(post=True, narration="n")
    note = invoice_credit(invoice=invoice, date=date(YEAR, 4, 2))
    assert (note.kind, note.state, note.credited_invoice, note.date, note.reference) == (
        "customer_credit_note",
        "draft",
        invoice,
        date(YEAR, 4, 2),
        invoice.number,
    )
    assert (note.untaxed_amount, note.tax_amount, note.total_amount) == (
        D("200.00"),
        D("26.00"),
        D("226.00"),
    )
    posted = invoice_post(invoice=note)
    assert posted.number == f"RINV/{YEAR}/00001"
    assert entry_rows(posted.entry) == [
        ("1122", D("0.00"), D("226.00"), customer.pk),
        ("6001", D("200.00"), D("0.00"), None),
        ("222102", D("26.00"), D("0.00"), None),
    ]


@pytest.mark.django_db
def test_a_draft_is_not_credited(draft):
    invoice = draft()
    with pytest.raises(Conflict) as refused:
        invoice_credit(invoice=invoice)
    assert refused.value.code == "invoice.invalid_transition"
    assert Invoice.objects.count() == 1
