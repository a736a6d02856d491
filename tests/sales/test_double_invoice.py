"""An invoice made from an order keeps its links to the order lines through every edit, so
what was invoiced is never invoiced again; check-integrity counts through those links."""

from decimal import Decimal

import pytest

from tandem.accounting.models import Invoice, InvoiceLine
from tandem.accounting.services.invoices import invoice_post, invoice_update
from tandem.core.errors import DomainError
from tandem.core.integrity import run_all
from tandem.sales import services
from tandem.sales.models import SalesOrderLine

D = Decimal
pytestmark = pytest.mark.django_db


def _as_the_edit_form(invoice, **override):
    """The invoice edit form resubmits every line, without the links to the order."""
    return [
        {
            "product": line.product,
            "description": line.description,
            "quantity": override.get("quantity", line.quantity),
            "uom": line.uom,
            "unit_price": line.unit_price,
            "discount": line.discount,
            "account": line.account,
            "taxes": list(line.taxes.all()),
        }
        for line in invoice.lines.order_by("sequence", "pk")
    ]


@pytest.fixture
def delivered(make_product, order_of, stock_in, owner):
    product = make_product("100")
    stock_in(product, 10)
    order = services.sales_order_confirm(order=order_of((product, 4)), user=owner)
    return services.delivery_step(order=order, step="ship", user=owner)


def test_edited_and_posted_invoice_is_not_invoiced_again(delivered, owner, api):
    invoice = services.sales_order_invoice(orders=[delivered], user=owner)
    invoice_update(invoice=invoice, lines=_as_the_edit_form(invoice))
    assert list(InvoiceLine.objects.filter(invoice=invoice).values_list("origin_line", flat=True))
    invoice_post(invoice=invoice, user=owner)
    line = SalesOrderLine.objects.get(order=delivered)
    assert line.qty_invoiced == D(4)

    with pytest.raises(DomainError) as refused:
        services.sales_order_invoice(orders=[delivered], user=owner)
    assert refused.value.code == "sales.nothing_to_invoice"
    answer = api.post(f"/sales-orders/{delivered.pk}/invoice", {})
    assert (answer.status_code, answer.json()["code"]) == (409, "sales.nothing_to_invoice")
    assert Invoice.objects.filter(kind="customer_invoice").count() == 1
    line.refresh_from_db()
    assert line.qty_invoiced == D(4)
    assert run_all().ok, run_all().render()


def test_a_draft_counts_and_its_edit_cannot_invoice_more(delivered, owner):
    invoice = services.sales_order_invoice(orders=[delivered], user=owner)
    with pytest.raises(DomainError) as refused:  # the draft counts
        services.sales_order_invoice(orders=[delivered], user=owner)
    assert refused.value.code == "sales.nothing_to_invoice"
    before = list(invoice.lines.values_list("quantity", "origin_line"))
    with pytest.raises(DomainError) as refused:
        invoice_update(invoice=invoice, lines=_as_the_edit_form(invoice, quantity=D(6)))
    assert refused.value.code == "sales.overinvoiced"
    assert list(invoice.lines.values_list("quantity", "origin_line")) == before
    # less is fine: the rest can be invoiced again
    invoice_update(invoice=invoice, lines=_as_the_edit_form(invoice, quantity=D(3)))
    line = SalesOrderLine.objects.get(order=delivered)
    assert line.qty_invoiced == D(3)
    rest = services.sales_order_invoice(orders=[delivered], user=owner)
    assert rest.lines.get().quantity == D(1)
    assert run_all().ok, run_all().render()


def test_check_integrity_catches_an_over_invoiced_order(delivered, owner):
    invoice = services.sales_order_invoice(orders=[delivered], user=owner, post=True)
    # the bug wrote a second invoice with unlinked-but-counted rows; write it directly
    copy = Invoice.objects.create(
        company=invoice.company,
        kind=invoice.kind,
        party=invoice.party,
        journal=invoice.journal,
        date=invoice.date,
        currency=invoice.currency,
    )
    source = invoice.lines.get()
    InvoiceLine.objects.create(
        company=invoice.company,
        invoice=copy,
        product=source.product,
        description=source.description,
        account=source.account,
        quantity=source.quantity,
        unit_price=source.unit_price,
        origin_line=source.origin_line,
    )
    report = run_all()
    assert not report.ok
    text = report.render()
    assert delivered.number in text and "exceeds its policy" in text


def test_the_page_offers_create_invoice_only_while_something_is_left(delivered, owner, web):
    from django.urls import reverse

    url = reverse("sales:order_detail", args=[delivered.pk])
    invoice_action = reverse("sales:order_invoice", args=[delivered.pk])
    assert invoice_action in web.get(url).content.decode()
    services.sales_order_invoice(orders=[delivered], user=owner)
    assert invoice_action not in web.get(url).content.decode()
