from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tandem.accounting import services as accounting
from tandem.catalog.services import product_create
from tandem.core.calendars import business_calendar_create
from tandem.core.services import membership_grant
from tandem.inventory import services as inventory
from tandem.inventory.models import Lot
from tandem.parties.models import Contact, Party
from tandem.service import services
from tests.factories import UserFactory

SH = ZoneInfo("Asia/Shanghai")
LUNCH = [["09:00", "12:00"], ["13:00", "18:00"]]


def at(*args):
    """A Shanghai wall-clock instant."""
    return datetime(*args, tzinfo=SH)


@pytest.fixture
def calendar(company):
    return business_calendar_create(
        company=company,
        name="Support hours",
        time_zone="Asia/Shanghai",
        country="",
        week={str(d): LUNCH for d in range(5)},
    )


@pytest.fixture
def agent(company):
    user = UserFactory(username="agent", first_name="Ann", last_name="Agent")
    membership_grant(user=user, company=company, roles=["service"])
    return user


@pytest.fixture
def team(company, calendar, agent):
    return services.team_create(
        company=company,
        name="Support",
        calendar=calendar,
        support_address="support@acme.test",
        lead=agent,
        members=[agent],
    )


@pytest.fixture
def policy(company, team):
    """Normal priority: first response in 2 business hours, resolution in 8, paused while
    waiting on the customer, warning at 80 %."""
    return services.sla_policy_create(
        company=company,
        name="Normal",
        priority="normal",
        first_response_hours=Decimal("2"),
        resolution_hours=Decimal("8"),
        pause_states=["waiting_customer"],
        warn_percent=80,
    )


@pytest.fixture
def customer(company):
    party = Party.objects.create(
        company=company,
        name="Bright Foods",
        is_customer=True,
        currency_id="CNY",
        email="office@bright.test",
    )
    Contact.objects.create(company=company, party=party, name="Li Wei", email="li@bright.test")
    return party


@pytest.fixture
def scheduled(monkeypatch):
    """The (ticket id, eta) of every SLA check handed to Celery."""
    calls = []
    from tandem.service.services import sla

    monkeypatch.setattr(sla, "_schedule", lambda ticket_id, eta: calls.append((ticket_id, eta)))
    return calls


D = Decimal
YEAR = date.today().year


@pytest.fixture
def lot_world(company):
    """Lot L-42 of a lot-tracked product received from a supplier and delivered to three
    customers (4, 3 and 2 units)."""
    accounting.fiscal_year_create(company=company, date_start=date(YEAR, 1, 1))
    accounting.chart_install(company=company, template="prc")
    wh = inventory.warehouse_create(company=company, code="WH", name="Main")
    product = product_create(
        company=company,
        sku="FRZ-1",
        name="Freezer",
        valuation="fifo",
        tracking="lot",
        cost_price=D("100"),
    )
    supplier = Party.objects.create(
        company=company, name="Cold Parts Ltd", is_supplier=True, currency_id="CNY"
    )
    receipt = inventory.transfer_create(
        company=company,
        kind="receipt",
        warehouse=wh,
        party=supplier,
        origin="PO/2026/00007",
        moves=[{"product": product, "quantity": D(10), "unit_cost": D(100), "lot_name": "L-42"}],
    )
    inventory.transfer_done(transfer=inventory.transfer_confirm(transfer=receipt))
    lot = Lot.objects.get(product=product, name="L-42")
    customers = []
    for name, qty in (("Alpha Mart", 4), ("Beta Foods", 3), ("Gamma Hotel", 2)):
        party = Party.objects.create(
            company=company, name=name, is_customer=True, currency_id="CNY"
        )
        delivery = inventory.transfer_create(
            company=company,
            kind="delivery",
            warehouse=wh,
            party=party,
            moves=[{"product": product, "quantity": D(qty), "lot": lot}],
        )
        delivery = inventory.transfer_assign(transfer=inventory.transfer_confirm(transfer=delivery))
        inventory.transfer_done(transfer=delivery)
        customers.append(party)
    return {
        "product": product,
        "lot": lot,
        "supplier": supplier,
        "receipt": receipt,
        "customers": customers,
    }


def _without_sweep() -> dict:
    from django.conf import settings

    from tandem.service.services.sla import SWEEP_TASK

    return {
        name: entry
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        if entry.get("task") != SWEEP_TASK
    }


# the beat schedule without the SLA sweep: every check goes to Celery when it is computed
# (tests of the exact scheduling instant use it; tests/service/test_sla_sweep.py the sweep)
WITHOUT_SWEEP = _without_sweep()
