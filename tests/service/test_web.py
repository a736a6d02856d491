"""The service pages, as an agent clicks them (server side; the browser test clicks too)."""

import pytest
from django.test import Client

from tandem.service import services
from tandem.service.models import KbArticle, Ticket, TicketMessage

from .conftest import at


@pytest.fixture
def browser(agent):
    client = Client()
    client.force_login(agent)
    return client


@pytest.fixture
def ticket(company, team, policy, customer):
    return services.ticket_create(
        company=company,
        subject="Freezer warm",
        channel="phone",
        party=customer,
        team=team,
        body="since Monday",
        now=at(2026, 12, 7, 9, 0),
    )


def test_pages_render(browser, ticket):
    for url in (
        "/service/",
        "/service/tickets/?state=active&priority=normal&sla=on_track&q=Freezer",
        f"/service/tickets/{ticket.pk}/",
        "/service/tickets/new/",
        "/service/teams/",
        "/service/kb/",
        "/service/kb/new/",
        "/service/quality/",
    ):
        answer = browser.get(url)
        assert answer.status_code == 200, url
    listing = browser.get("/service/tickets/?state=active").content.decode()
    assert ticket.number in listing
    assert ticket.number not in browser.get("/service/tickets/?state=closed").content.decode()


def test_reply_and_resolve_with_htmx(browser, ticket):
    answer = browser.post(
        f"/service/tickets/{ticket.pk}/reply/",
        {"body": "A technician is on the way"},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    html = answer.content.decode()
    assert 'id="ticket-main"' in html and "A technician is on the way" in html
    assert TicketMessage.objects.filter(ticket=ticket, kind="reply").count() == 1
    browser.post(f"/service/tickets/{ticket.pk}/resolve/", headers={"HX-Request": "true"})
    assert Ticket.objects.get(pk=ticket.pk).state == "resolved"


def test_an_empty_reply_is_refused_and_writes_nothing(browser, ticket):
    answer = browser.post(f"/service/tickets/{ticket.pk}/reply/", {"body": "  "})
    assert answer.status_code == 302
    assert not TicketMessage.objects.filter(ticket=ticket, kind="reply").exists()


def test_another_companys_ticket_is_404(browser, ticket):
    from tandem.core.services import company_create

    other = company_create(code="OTH", name="Other", currency="CNY", country="CN")
    theirs = services.ticket_create(company=other, subject="secret", channel="api")
    assert browser.get(f"/service/tickets/{theirs.pk}/").status_code == 404
    assert browser.post(f"/service/tickets/{theirs.pk}/resolve/").status_code == 404
    assert Ticket.objects.get(pk=theirs.pk).state == "new"


def test_phone_ticket_and_kb_forms(browser, customer, team, policy):
    answer = browser.post(
        "/service/tickets/new/",
        {
            "subject": "Called about the invoice",
            "party": customer.pk,
            "team": team.pk,
            "channel": "phone",
            "priority": "high",
            "body": "Wants a copy",
        },
    )
    ticket = Ticket.objects.get(subject="Called about the invoice")
    assert answer.status_code == 302 and answer["Location"].endswith(f"/{ticket.pk}/")
    assert (ticket.priority, ticket.channel, ticket.party) == ("high", "phone", customer)
    browser.post("/service/kb/new/", {"title": "Invoices", "body": "How to", "language": "en"})
    assert KbArticle.objects.get().title == "Invoices"


def test_a_user_without_service_rights_cannot_open_the_pages(company, ticket):
    from tandem.core.services import membership_grant
    from tests.factories import UserFactory

    clerk = UserFactory(username="clerk2")
    membership_grant(user=clerk, company=company, roles=["warehouse"])
    client = Client()
    client.force_login(clerk)
    assert client.post(f"/service/tickets/{ticket.pk}/resolve/").status_code in (403, 404)
    assert Ticket.objects.get(pk=ticket.pk).state == "new"


def test_the_customer_page_lists_the_customer_s_tickets(browser, web, company, ticket, customer):
    from tandem.parties.services import party_create

    other = party_create(company=company, name="No tickets Ltd", is_customer=True)
    html = web.get(f"/parties/{customer.pk}/").content.decode()
    assert 'data-testid="party-tickets"' in html
    assert ticket.number in html and "Freezer warm" in html
    assert f"/service/tickets/?party={customer.pk}" in html
    assert 'data-testid="party-tickets"' not in web.get(f"/parties/{other.pk}/").content.decode()
    # the link's filter lists this customer's tickets only
    services.ticket_create(
        company=company, subject="Other customer", channel="phone", party=other, body="x"
    )
    listed = browser.get(f"/service/tickets/?party={customer.pk}").content.decode()
    assert "Freezer warm" in listed and "Other customer" not in listed
