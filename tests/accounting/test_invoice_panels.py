"""Higher apps add sections to the invoice page through core.panels (accounting imports
none of them): a dummy panel registered here shows, and is removed afterwards."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from tandem.core import panels

PAGE = "invoice.detail"


@pytest.fixture
def dummy_panel():
    seen = []

    def render(request, invoice):
        seen.append(invoice.pk)
        if invoice.kind != "customer_invoice":
            return None  # hidden for other documents
        return f'<section id="dummy-panel">Match for {escape(invoice.number)}</section>'

    panels.register(PAGE, "test-dummy", render, order=1)
    yield seen
    panels._panels[PAGE] = [e for e in panels._panels.get(PAGE, []) if e[1] != "test-dummy"]


def test_a_registered_panel_shows_on_the_invoice_page(web, draft, dummy_panel):
    invoice = draft(post=True)
    page = web.get(reverse("accounting:invoice_detail", args=[invoice.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<section id="dummy-panel">Match for {invoice.number}</section>' in html
    assert dummy_panel == [invoice.pk]


def test_a_panel_that_returns_nothing_is_left_out(web, draft, supplier, dummy_panel):
    bill = draft(kind="vendor_bill", party=supplier, post=True)
    page = web.get(reverse("accounting:invoice_detail", args=[bill.pk]))
    assert page.status_code == 200
    assert 'id="dummy-panel"' not in page.content.decode()
    assert dummy_panel == [bill.pk]


def test_the_panel_is_gone_after_the_test(web, draft):
    invoice = draft(post=True)
    page = web.get(reverse("accounting:invoice_detail", args=[invoice.pk]))
    assert 'id="dummy-panel"' not in page.content.decode()
    assert all(name != "test-dummy" for _o, name, _r in panels._panels.get(PAGE, []))
