"""check-integrity proves every done order's WIP is zero, and says which order when not."""

import datetime

import pytest

from tandem.accounting.services import account_for_role, company_today, entry_create_posted
from tandem.core.integrity import run_all
from tandem.inventory.services.valuation import _stock_journal
from tandem.manufacturing import services
from tandem.manufacturing.models import MoEntry

pytestmark = pytest.mark.django_db

CHECK = "manufacturing: every done order leaves its WIP at exactly zero"


def breaches(name):
    return dict(run_all().results)[name]


def test_a_done_order_with_wip_left_is_reported(factory):
    f = factory
    company = f["company"]
    mo = services.mo_create(company=company, bom=f["bom"], quantity="1")
    services.mo_confirm(mo=mo)
    services.mo_produce(mo=mo, quantity="1")
    mo = services.mo_done(mo=mo)
    assert breaches(CHECK) == []
    # when an entry that leaves 5.00 in WIP is linked to the done order behind the services
    entry = entry_create_posted(
        company=company,
        journal=_stock_journal(company),
        date=company_today(company),
        lines=[
            {"account": account_for_role(company, "wip"), "debit": "5.00"},
            {"account": account_for_role(company, "production_absorbed"), "credit": "5.00"},
        ],
    )
    MoEntry.objects.create(company=company, mo=mo, entry=entry, kind="labour")
    assert breaches(CHECK) == [f"{mo.number}: done with 5.00 left in WIP"]


def test_the_bom_in_use_is_the_latest_version_valid_on_the_day(factory, make_product):
    f = factory
    company = f["company"]
    today = company_today(company)
    later = services.bom_create(
        company=company,
        product=f["lamp"],
        lines=[{"product": f["bolt"], "quantity": "3"}],
        valid_from=today + datetime.timedelta(days=10),
    )
    assert later.version == 2
    assert services.bom_for(f["lamp"], today) == f["bom"]
    assert services.bom_for(f["lamp"], today + datetime.timedelta(days=10)) == later
    services.bom_update(bom=later, active=False)
    assert services.bom_for(f["lamp"], today + datetime.timedelta(days=10)) == f["bom"]
