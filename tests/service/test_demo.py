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
from tandem.service.demo_tools import LATE_URGENT, TWO_MATTERS, load_service_tools_demo
from tandem.service.models import (
    CannedResponse,
    Macro,
    QualityIssue,
    ServiceTeam,
    Ticket,
    TicketEscalation,
    TicketMessage,
)

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
    # 150 + 2 complaints + from the tools demo: 1 split off, 1 to split, 1 late urgent call
    assert Ticket.objects.filter(company=company).count() == 155
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
    assert Ticket.objects.filter(company=company).count() == 155
    report = run_all()
    assert report.ok, report.render()


def test_the_tools_demo(company):
    """Canned responses, macros (one applied), escalation trails and a split."""
    accounting.fiscal_year_create(company=company, date_start=date(YEAR, 1, 1))
    accounting.chart_install(company=company, template="prc")
    inventory.warehouse_create(company=company, code="WH", name="Main")
    parties = [
        Party.objects.create(
            company=company, name=f"C{i}", is_customer=True, currency_id="CNY", email=f"c{i}@x.test"
        )
        for i in range(4)
    ]
    load_service_demo(
        company=company, parties=parties, products=[], rng=random.Random(3), size="small"
    )
    assert CannedResponse.objects.filter(company=company).count() == 3
    assert Macro.objects.filter(company=company).count() == 2
    # the macro's reply, its tag and its state on one ticket
    (asked,) = [t for t in Ticket.objects.filter(company=company) if "needs-info" in t.tags]
    assert asked.state == "waiting_customer"
    reply = TicketMessage.objects.filter(ticket=asked, kind="reply").order_by("at", "pk").last()
    assert "please send the lot" in reply.body and "{{" not in reply.body
    # every escalated ticket is a late high or urgent one with a ladder on its policy
    rows = TicketEscalation.objects.filter(company=company).select_related("ticket__policy")
    assert rows.exists()
    assert all(r.ticket.policy.escalation for r in rows)
    assert {r.action for r in rows} >= {"notify_lead"}
    late = Ticket.objects.get(company=company, subject=LATE_URGENT)
    assert set(late.escalations.values_list("action", flat=True)) == {
        "notify_lead",
        "reassign",
        "notify_owner",
    }
    # the split ticket: same customer and opened when the original was
    split = TicketMessage.objects.get(company=company, kind="note", body__startswith="Split from")
    original = Ticket.objects.get(
        company=company,
        messages__kind="note",
        messages__body=f"Split: messages moved to {split.ticket.number}",
    )
    assert (split.ticket.party_id, split.ticket.opened_at) == (
        original.party_id,
        original.opened_at,
    )
    # the thread left for an agent to split holds two customer messages
    two = Ticket.objects.get(company=company, subject=TWO_MATTERS)
    assert two.messages.filter(kind="inbound").count() == 2
    # a second call changes nothing
    before = (
        Ticket.objects.count(),
        TicketEscalation.objects.count(),
        TicketMessage.objects.count(),
    )
    assert load_service_tools_demo(company=company) == {}
    after = (
        Ticket.objects.count(),
        TicketEscalation.objects.count(),
        TicketMessage.objects.count(),
    )
    assert before == after
