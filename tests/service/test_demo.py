"""The service demo: a team on a calendar, tickets with realistic SLA results, a quality
issue whose where-used lists the lot's three customers."""

import random
from datetime import date

from tandem.accounting import services as accounting
from tandem.core.integrity import run_all
from tandem.inventory import services as inventory
from tandem.parties.models import Party
from tandem.service import queries
from tandem.service.demo import load_service_demo
from tandem.service.models import QualityIssue, ServiceTeam, Ticket

YEAR = date.today().year


def test_the_demo_loads(company, django_assert_max_num_queries):
    accounting.fiscal_year_create(company=company, date_start=date(YEAR, 1, 1))
    accounting.chart_install(company=company, template="prc")
    inventory.warehouse_create(company=company, code="WH", name="Main")
    parties = [
        Party.objects.create(
            company=company,
            name=f"Customer {i}",
            is_customer=True,
            currency_id="CNY",
            email=f"c{i}@example.test",
        )
        for i in range(6)
    ] + [
        Party.objects.create(company=company, name="Supplier", is_supplier=True, currency_id="CNY")
    ]
    with django_assert_max_num_queries(1500):
        load_service_demo(
            company=company, parties=parties, products=[], rng=random.Random(1), size="small"
        )
    team = ServiceTeam.objects.get(company=company)
    assert team.calendar.country == "CN"
    assert Ticket.objects.filter(company=company).count() == 152  # 150 + 2 complaints
    states = set(Ticket.objects.values_list("state", flat=True))
    assert {"open", "resolved", "closed"} <= states
    report = queries.service_report(company=company)
    assert report["sla_met"] > 0 and report["sla_breached"] > 0
    assert 0.5 < report["sla_attainment"] < 1
    issue = QualityIssue.objects.get(company=company)
    used = queries.where_used(issue)
    assert len(used["customers"]) == 3
    assert sum(c["complained"] for c in used["customers"]) == 2
    assert used["receipts"][0]["supplier_name"] == "Supplier"
    # a second load changes nothing
    load_service_demo(
        company=company, parties=parties, products=[], rng=random.Random(1), size="small"
    )
    assert Ticket.objects.filter(company=company).count() == 152
    report = run_all()
    assert report.ok, report.render()
