import asyncio
import socket
from datetime import date
from decimal import Decimal

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings

from tandem.accounting import services as accounting
from tandem.accounting.models import Tax
from tandem.accounting.services.invoices import invoice_create, invoice_post
from tandem.catalog.services import product_create
from tandem.marketing import services
from tandem.parties.models import Party

D = Decimal


@pytest.fixture
def chart(company):
    year = date.today().year
    for start in (year - 1, year):  # so "a few days ago" is always in an open year
        accounting.fiscal_year_create(company=company, date_start=date(start, 1, 1))
    accounting.chart_install(company=company, template="prc")
    return company


@pytest.fixture
def party(company):
    def make(name, *, email=None, consent=None, **kw):
        kw.setdefault("is_customer", True)
        made = Party.objects.create(
            company=company,
            name=name,
            email=email if email is not None else f"{name.lower().replace(' ', '.')}@example.com",
            currency_id="CNY",
            **kw,
        )
        for purpose in consent or ():
            services.consent_grant(company=company, party=made, purpose=purpose, source="test")
        return made

    return make


@pytest.fixture
def tea(chart):
    return product_create(
        company=chart, sku="TEA-1", name="Longjing tea", list_price=D("200"), cost_price=D("120")
    )


@pytest.fixture
def invoice(company, chart, owner):
    """invoice(party, [(product, qty, unit_price)], post=True, **kw) -> a customer invoice."""

    def make(party, lines, *, post=True, kind="customer_invoice", **kw):
        kw.setdefault("date", date.today())
        made = invoice_create(
            company=company,
            kind=kind,
            party=party,
            lines=[
                {
                    "product": p,
                    "description": p.name if p else "x",
                    "quantity": D(q),
                    "unit_price": D(u),
                    "taxes": list(Tax.objects.none()),
                }
                for p, q, u in lines
            ],
            user=owner,
            **kw,
        )
        return invoice_post(invoice=made, user=owner) if post else made

    return make


class Sink:
    """An SMTP server on loopback that keeps every envelope it receives."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(
            {
                "mail_from": envelope.mail_from,
                "rcpt_tos": list(envelope.rcpt_tos),
                "content": bytes(envelope.original_content or envelope.content),
            }
        )
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_sink():
    handler = Sink()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            MARKETING_RATE=0,
            MARKETING_DOMAIN_RATE=0,
            BASE_URL="https://crm.example.com",
            MARKETING_BOUNCE_DOMAIN="mail.example.com",
        ):
            yield handler
    finally:
        controller.stop()
        asyncio.set_event_loop(None)
