"""The agent's tools as pages (issue 16, step 4): canned responses and macros managed and
used from the ticket page, splitting a ticket, and the escalation trail on the ticket page.
Server side; tests/browser/test_service_tools.py clicks the same pages."""

from decimal import Decimal

import pytest
from django.test import Client

from tandem.core.services import company_create
from tandem.service import services
from tandem.service.models import (
    CannedResponse,
    Macro,
    Ticket,
    TicketEscalation,
    TicketMessage,
    TicketTransition,
)

from .conftest import at


@pytest.fixture
def browser(agent):
    client = Client()
    client.force_login(agent)
    return client


@pytest.fixture
def ticket(company, team, policy, customer):
    ticket = services.ticket_create(
        company=company,
        subject="Freezer warm",
        channel="email",
        party=customer,
        customer_email="li@bright.test",
        team=team,
        body="since Monday",
        now=at(2026, 12, 7, 9, 0),
    )
    services.ticket_inbound(
        ticket=ticket,
        body="Also: please send a copy of the invoice",
        from_address="li@bright.test",
        now=at(2026, 12, 7, 9, 30),
    )
    return Ticket.objects.get(pk=ticket.pk)


def test_canned_responses_are_added_edited_and_listed(browser, company, team):
    answer = browser.post(
        "/service/canned/new/",
        {"name": "Thanks", "body": "Dear {{ contact.name }}, thanks.", "team": team.pk},
    )
    assert answer.status_code == 302 and answer["Location"].endswith("/service/canned/")
    canned = CannedResponse.objects.get(company=company)
    assert (canned.name, canned.team) == ("Thanks", team)
    browser.post(
        f"/service/canned/{canned.pk}/",
        {"name": "Thanks", "body": "Hello {{ contact.name }}, thank you.", "team": ""},
    )
    canned.refresh_from_db()
    assert (canned.body, canned.team) == ("Hello {{ contact.name }}, thank you.", None)
    listing = browser.get("/service/canned/").content.decode()
    assert "Thanks" in listing and "Hello {{ contact.name }}" in listing


def test_a_canned_response_with_an_unknown_field_is_refused_and_kept_in_the_form(browser, company):
    answer = browser.post("/service/canned/new/", {"name": "Bad", "body": "Hi {{ user.password }}"})
    html = answer.content.decode()
    assert answer.status_code == 200
    assert "unknown merge field user.password" in html
    assert "Hi {{ user.password }}" in html  # what was typed is not lost
    assert not CannedResponse.objects.filter(company=company).exists()


def test_a_duplicate_name_is_refused_on_edit(browser, company):
    first = services.canned_response_create(company=company, name="A", body="a")
    services.canned_response_create(company=company, name="B", body="b")
    answer = browser.post(f"/service/canned/{first.pk}/", {"name": "B", "body": "changed"})
    assert answer.status_code == 200 and "exists" in answer.content.decode()
    first.refresh_from_db()
    assert (first.name, first.body) == ("A", "a")


def test_inserting_a_canned_response_fills_the_merge_fields_after_the_typed_text(
    browser, ticket, agent
):
    canned = services.canned_response_create(
        company=ticket.company,
        name="Received",
        body="Dear {{ customer.name }}, {{ ticket.number }} is with {{ agent.name }}.",
    )
    html = browser.get(f"/service/tickets/{ticket.pk}/").content.decode()
    assert 'id="canned-pick"' in html and "Received" in html
    answer = browser.get(
        f"/service/tickets/{ticket.pk}/canned/", {"canned": canned.pk, "body": "Hi,"}
    )
    assert answer.status_code == 200
    filled = f"Dear Bright Foods, {ticket.number} is with Ann Agent."
    assert answer.content.decode().strip() == (
        f'<textarea name="body" id="reply-body" rows="6" required>Hi,\n\n{filled}</textarea>'
    )
    # inserting writes nothing: the agent still edits and sends the reply
    assert not TicketMessage.objects.filter(ticket=ticket, kind="reply").exists()


def test_another_companys_canned_response_or_ticket_is_not_inserted(browser, ticket):
    other = company_create(code="OTH", name="Other", currency="CNY", country="CN")
    theirs = services.canned_response_create(company=other, name="Secret", body="secret text")
    answer = browser.get(f"/service/tickets/{ticket.pk}/canned/", {"canned": theirs.pk})
    assert "secret text" not in answer.content.decode()
    their_ticket = services.ticket_create(company=other, subject="x", channel="api")
    assert browser.get(f"/service/tickets/{their_ticket.pk}/canned/").status_code == 404
    assert browser.get(f"/service/canned/{theirs.pk}/").status_code == 404


def test_a_macro_is_made_on_its_page_and_applied_from_the_ticket(
    browser, company, team, agent, ticket
):
    canned = services.canned_response_create(
        company=company, name="Need details", body="Hi {{ customer.name }}, which model?"
    )
    answer = browser.post(
        "/service/macros/new/",
        {
            "name": "Ask for the model",
            "priority": "high",
            "team": "",
            "assignee": agent.pk,
            "tags": "needs-info, freezer",
            "reply": canned.pk,
            "state": "waiting_customer",
        },
    )
    assert answer.status_code == 302
    macro = Macro.objects.get(company=company)
    assert macro.add_tags == ["needs-info", "freezer"] and macro.state == "waiting_customer"
    assert "Ask for the model" in browser.get("/service/macros/").content.decode()
    assert 'id="macro-pick"' in browser.get(f"/service/tickets/{ticket.pk}/").content.decode()
    # when the agent applies it from the ticket page (HTMX swaps the ticket in place)
    answer = browser.post(
        f"/service/tickets/{ticket.pk}/macro/", {"macro": macro.pk}, headers={"HX-Request": "true"}
    )
    html = answer.content.decode()
    assert answer.status_code == 200 and 'id="ticket-main"' in html
    assert "Hi Bright Foods, which model?" in html
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.assignee, ticket.state) == ("high", agent, "waiting_customer")
    assert ticket.tags == ["needs-info", "freezer"]
    reply = TicketMessage.objects.get(ticket=ticket, kind="reply")
    assert reply.body == "Hi Bright Foods, which model?"


def test_a_macro_edit_replaces_its_settings(browser, company, team):
    macro = services.macro_create(company=company, name="Escalate", priority="urgent", team=team)
    browser.post(
        f"/service/macros/{macro.pk}/",
        {"name": "Escalate", "priority": "high", "team": "", "tags": "vip", "state": ""},
    )
    macro.refresh_from_db()
    assert (macro.priority, macro.team, macro.add_tags) == ("high", None, ["vip"])


def test_no_macro_chosen_or_a_closed_ticket_changes_nothing(browser, company, agent, ticket):
    macro = services.macro_create(company=company, name="Urgent", priority="urgent")
    answer = browser.post(f"/service/tickets/{ticket.pk}/macro/", {"macro": ""})
    assert answer.status_code == 302
    services.ticket_resolve(ticket=ticket, user=agent, now=at(2026, 12, 7, 10, 0))
    answer = browser.post(f"/service/tickets/{ticket.pk}/macro/", {"macro": macro.pk}, follow=True)
    assert "Reopen the ticket before applying a macro" in answer.content.decode()
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.state) == ("normal", "resolved")


def test_splitting_moves_the_ticked_messages_to_a_new_ticket_with_the_same_clocks(browser, ticket):
    first, second = TicketMessage.objects.filter(ticket=ticket).order_by("at")
    answer = browser.post(
        f"/service/tickets/{ticket.pk}/split/",
        {"messages": [second.pk], "subject": "Invoice copy"},
    )
    new = Ticket.objects.exclude(pk=ticket.pk).get(company=ticket.company)
    assert answer.status_code == 302 and answer["Location"].endswith(f"/{new.pk}/")
    assert (new.subject, new.party_id, new.team_id) == (
        "Invoice copy",
        ticket.party_id,
        ticket.team_id,
    )
    assert new.opened_at == ticket.opened_at
    assert new.resolution_due == Ticket.objects.get(pk=ticket.pk).resolution_due
    assert TicketTransition.objects.filter(ticket=new).count() == (
        TicketTransition.objects.filter(ticket=ticket).count()
    )
    assert list(new.messages.exclude(kind="note").values_list("pk", flat=True)) == [second.pk]
    assert list(ticket.messages.exclude(kind="note").values_list("pk", flat=True)) == [first.pk]
    page = browser.get(answer["Location"]).content.decode()
    assert "Split from " + ticket.number in page


def test_splitting_every_message_or_none_is_refused_and_moves_nothing(browser, ticket):
    ids = list(TicketMessage.objects.filter(ticket=ticket).values_list("pk", flat=True))
    for chosen in (ids, [], ["abc"]):
        answer = browser.post(
            f"/service/tickets/{ticket.pk}/split/", {"messages": chosen}, follow=True
        )
        assert answer.status_code == 200
    assert Ticket.objects.filter(company=ticket.company).count() == 1
    assert TicketMessage.objects.filter(ticket=ticket).count() == len(ids)
    assert (
        "at least one message must stay"
        in browser.post(
            f"/service/tickets/{ticket.pk}/split/", {"messages": ids}, follow=True
        ).content.decode()
    )


def test_the_ticket_page_shows_the_escalation_trail(browser, company, team, customer, agent):
    services.sla_policy_create(
        company=company,
        name="High",
        priority="high",
        first_response_hours=Decimal("1"),
        resolution_hours=Decimal("4"),
        escalation=[{"action": "raise_priority", "after_minutes": 0}],
    )
    ticket = services.ticket_create(
        company=company,
        subject="Line down",
        channel="phone",
        priority="high",
        party=customer,
        team=team,
        body="x",
        now=at(2026, 12, 7, 9, 0),
    )
    assert "No escalations." in browser.get(f"/service/tickets/{ticket.pk}/").content.decode()
    # when the first response is due (10:00) the scheduled check fires the step
    services.ticket_sla_check(ticket_id=ticket.pk, now=at(2026, 12, 7, 10, 0))
    row = TicketEscalation.objects.get(ticket=ticket)
    assert row.detail == "priority high -> urgent"
    html = browser.get(f"/service/tickets/{ticket.pk}/").content.decode()
    trail = html[html.index('id="escalations"') :]
    trail = trail[: trail.index("</table>")]
    assert "First response" in trail and "Raise the priority" in trail
    assert "priority high -&gt; urgent" in trail and "No escalations." not in trail
