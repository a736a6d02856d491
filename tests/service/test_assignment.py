"""Assignment: round robin, fewest open tickets, by skill, absence (HR leave or the team's
absence calendar), sticky to the previous agent."""

from datetime import date

import pytest

from tandem.catalog.models import Product, ProductCategory
from tandem.catalog.services import product_create
from tandem.core.errors import ValidationFailed
from tandem.core.services import membership_grant
from tandem.service import services
from tandem.service.models import AgentAbsence, Ticket
from tests.factories import UserFactory

from .conftest import at

MONDAY = at(2026, 12, 7, 10, 0)


@pytest.fixture
def agents(company, team, agent):
    others = []
    for name in ("bob", "cat"):
        user = UserFactory(username=name)
        membership_grant(user=user, company=company, roles=["service"])
        others.append(user)
    team.members.add(*others)
    return [agent, *others]


def new(company, team, customer=None, when=MONDAY, **extra):
    return services.ticket_create(
        company=company, subject="Help", channel="api", party=customer, team=team, now=when, **extra
    )


def _method(team, method, sticky=False):
    return services.team_update(team=team, assignment=method, sticky=sticky)


def test_manual_assigns_nothing(company, team, agents):
    assert new(company, team).assignee is None


def test_round_robin_takes_turns(company, team, agents):
    team = _method(team, "round_robin")
    got = [new(company, team).assignee for _ in range(4)]
    assert got == [agents[0], agents[1], agents[2], agents[0]]


def test_load_balanced_picks_the_fewest_open_tickets(company, team, agents, policy):
    team = _method(team, "load_balanced")
    for _ in range(2):
        services.ticket_create(
            company=company, subject="x", channel="api", team=team, assignee=agents[0], now=MONDAY
        )
    services.ticket_create(
        company=company, subject="x", channel="api", team=team, assignee=agents[1], now=MONDAY
    )
    done = services.ticket_create(
        company=company, subject="x", channel="api", team=team, assignee=agents[2], now=MONDAY
    )
    done2 = services.ticket_create(
        company=company, subject="x", channel="api", team=team, assignee=agents[2], now=MONDAY
    )
    services.ticket_resolve(ticket=done, now=MONDAY)
    services.ticket_resolve(ticket=done2, now=MONDAY)
    # agents[2] has no open ticket (its two are resolved)
    assert new(company, team).assignee == agents[2]
    assert new(company, team).assignee == agents[1]  # 1 vs 1 vs 2: the next in turn


def test_by_skill_product_line_and_language(company, team, agents):
    team = _method(team, "skills")
    fridges = ProductCategory.objects.create(company=company, name="Refrigeration")
    chest = ProductCategory.objects.create(company=company, name="Chest", parent=fridges)
    product = product_create(company=company, sku="CF-1", name="Chest freezer")
    Product.objects.filter(pk=product.pk).update(category=chest)
    product.refresh_from_db()
    services.team_agent_set(team=team, user=agents[0], categories=[], languages=["en"])
    services.team_agent_set(team=team, user=agents[1], categories=[fridges], languages=["zh-hans"])
    services.team_agent_set(team=team, user=agents[2], categories=[fridges], languages=["en"])
    # a chest-freezer ticket in Chinese goes to the refrigeration agent who speaks it
    assert new(company, team, product=product, language="zh-hans").assignee == agents[1]
    # in English, to the other refrigeration agent
    assert new(company, team, product=product, language="en").assignee == agents[2]
    # a ticket with no product line goes to the agent without product lines
    assert new(company, team, language="en").assignee == agents[0]


def test_absent_agents_are_skipped(company, team, agents):
    team = _method(team, "round_robin")
    AgentAbsence.objects.create(
        company=company, user=agents[0], start=at(2026, 12, 7, 0, 0), end=at(2026, 12, 8, 0, 0)
    )
    assert new(company, team).assignee == agents[1]
    # the next day she is back
    assert new(company, team, when=at(2026, 12, 8, 9, 0)).assignee == agents[2]
    assert new(company, team, when=at(2026, 12, 8, 9, 5)).assignee == agents[0]


def test_hr_leave_decides_for_a_linked_employee(company, team, agents):
    from tandem.hr.models import Employee, LeaveRequest, LeaveType

    team = _method(team, "round_robin")
    employee = Employee.objects.create(
        company=company, number="E1", name="Ann", user=agents[0], hire_date=date(2020, 1, 1)
    )
    kind = LeaveType.objects.create(company=company, name="Annual", code="AL")
    LeaveRequest.objects.create(
        company=company,
        employee=employee,
        leave_type=kind,
        start=date(2026, 12, 7),
        end=date(2026, 12, 7),
        end_half="am",
        days=0.5,
        state="approved",
    )
    # the team calendar has nothing for her: HR decides (on leave Monday morning)
    AgentAbsence.objects.create(
        company=company, user=agents[0], start=at(2026, 12, 7, 13, 0), end=at(2026, 12, 7, 18, 0)
    )
    assert new(company, team, when=at(2026, 12, 7, 10, 0)).assignee == agents[1]
    # back at noon (the absence row is ignored for a linked employee)
    assert new(company, team, when=at(2026, 12, 7, 14, 0)).assignee == agents[2]
    assert new(company, team, when=at(2026, 12, 7, 14, 1)).assignee == agents[0]


def test_sticky_to_the_previous_agent(company, team, agents, customer):
    team = _method(team, "round_robin", sticky=True)
    first = new(company, team, customer)
    assert first.assignee == agents[0]
    new(company, team)  # someone else's ticket moves the turn on
    assert new(company, team, customer).assignee == agents[0]
    # unless the previous agent is away
    AgentAbsence.objects.create(
        company=company, user=agents[0], start=at(2026, 12, 9, 0, 0), end=at(2026, 12, 10, 0, 0)
    )
    assert new(company, team, customer, when=at(2026, 12, 9, 9, 0)).assignee != agents[0]


def test_a_bad_method_is_refused(company, team):
    with pytest.raises(ValidationFailed) as err:
        services.team_update(team=team, assignment="random")
    assert err.value.code == "validation.choice"
    team.refresh_from_db()
    assert team.assignment == "manual"
    assert Ticket.objects.count() == 0
