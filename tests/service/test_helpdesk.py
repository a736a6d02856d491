"""Agent tools: KB search, votes and drafting from a ticket; canned responses with merge
fields; macros; splitting a ticket keeping its history and SLA."""

import pytest

from tandem.core.errors import InvalidTransition, ValidationFailed
from tandem.service import services
from tandem.service.models import KbArticle, Ticket, TicketMessage
from tandem.service.queries import kb_search

from .conftest import at


def _article(company, title, body, public=True, state="published"):
    article = services.kb_article_create(company=company, title=title, body=body, public=public)
    return services.kb_article_update(article=article, state=state)


def test_kb_search_finds_published_articles_by_every_word(company):
    _article(company, "Defrosting a chest freezer", "Switch off, leave the lid open.")
    _article(company, "Compressor noise", "A rattle after transport settles.")
    _article(company, "Freezer draft", "not yet", state="draft")
    _article(company, "Freezer internal", "staff only", public=False)
    titles = [a.title for a in kb_search(company=company, q="freezer")]
    assert "Defrosting a chest freezer" in titles and "Freezer draft" not in titles
    assert [a.title for a in kb_search(company=company, q="freezer", public_only=True)] == [
        "Defrosting a chest freezer"
    ]
    assert [a.title for a in kb_search(company=company, q="rattle transport")] == [
        "Compressor noise"
    ]
    assert kb_search(company=company, q="  ") == []


def test_kb_api_search_vote(api, company):
    article = _article(company, "Compressor noise", "A rattle after transport settles.")
    found = api.get("/kb-articles/search", {"q": "compressor"})
    assert found.status_code == 200
    assert [a["id"] for a in found.json()] == [article.pk]
    voted = api.post(f"/kb-articles/{article.pk}/vote", {"helpful": True})
    assert voted.json()["helpful_yes"] == 1
    api.post(f"/kb-articles/{article.pk}/vote", {"helpful": False})
    assert KbArticle.objects.get(pk=article.pk).helpful_no == 1
    assert api.get("/kb-articles/search", {"q": ""}).status_code == 422


@pytest.fixture
def ticket(company, team, policy, customer):
    return services.ticket_create(
        company=company,
        subject="Lid does not close",
        channel="email",
        party=customer,
        customer_email="li@bright.test",
        team=team,
        now=at(2026, 12, 7, 9, 0),
        body="The lid of my freezer stays open.",
    )


def test_draft_an_article_from_a_resolved_ticket(company, ticket, agent, api):
    with pytest.raises(InvalidTransition):
        services.kb_draft_from_ticket(ticket=ticket)
    services.ticket_reply(
        ticket=ticket, body="Adjust the hinge screw.", user=agent, now=at(2026, 12, 7, 10)
    )
    services.ticket_resolve(ticket=ticket, now=at(2026, 12, 7, 11))
    response = api.post(f"/tickets/{ticket.pk}/kb-draft")
    assert response.status_code == 201
    body = response.json()
    assert (body["title"], body["state"], body["public"]) == ("Lid does not close", "draft", False)
    assert "stays open" in body["body"] and "hinge screw" in body["body"]
    assert KbArticle.objects.get(pk=body["id"]).source_ticket == ticket


def test_canned_response_merge_fields(company, ticket, agent, api):
    with pytest.raises(ValidationFailed) as err:
        services.canned_response_create(
            company=company, name="Bad", body="Hi {{ customer.secret }}"
        )
    assert err.value.code == "canned.unknown_field"
    canned = services.canned_response_create(
        company=company,
        name="Hello",
        body="Dear {{ customer.name }}, about {{ ticket.number }}: {{agent.name}} here.",
    )
    response = api.get(f"/tickets/{ticket.pk}/canned/{canned.pk}")
    assert response.status_code == 200
    assert response.json()["body"].startswith(f"Dear Bright Foods, about {ticket.number}: ")
    assert [c["name"] for c in api.get("/tickets/canned-responses").json()] == ["Hello"]


def test_a_macro_sets_fields_and_replies(company, ticket, team, agent, api, mailoutbox):
    canned = services.canned_response_create(
        company=company, name="Photo", body="Dear {{ contact.email }}, please send a photo."
    )
    made = api.post(
        "/tickets/macros",
        {
            "name": "Ask for a photo",
            "priority": "high",
            "assignee": agent.pk,
            "add_tags": ["photo"],
            "reply": canned.pk,
            "state": "waiting_customer",
        },
    )
    assert made.status_code == 201
    response = api.post(f"/tickets/{ticket.pk}/macro", {"macro": made.json()["id"]})
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.assignee, ticket.tags, ticket.state) == (
        "high",
        agent,
        ["photo"],
        "waiting_customer",
    )
    reply = ticket.messages.get(kind="reply")
    assert reply.body == "Dear li@bright.test, please send a photo."


def test_split_keeps_history_and_sla(company, ticket, agent, api):
    services.ticket_reply(ticket=ticket, body="Looking", user=agent, now=at(2026, 12, 7, 9, 30))
    _t, second = services.ticket_inbound(
        ticket=ticket,
        body="Also the light is broken",
        from_address="li@bright.test",
        now=at(2026, 12, 7, 10, 0),
    )
    ticket.refresh_from_db()
    response = api.post(
        f"/tickets/{ticket.pk}/split", {"messages": [second.pk], "subject": "Broken light"}
    )
    assert response.status_code == 201
    new = Ticket.objects.get(pk=response.json()["id"])
    assert new.subject == "Broken light" and new.number != ticket.number
    assert (new.opened_at, new.first_response_at, new.policy, new.party) == (
        ticket.opened_at,
        ticket.first_response_at,
        ticket.policy,
        ticket.party,
    )
    assert new.resolution_due == ticket.resolution_due
    assert list(new.transitions.values_list("to_state", "at")) == list(
        ticket.transitions.values_list("to_state", "at")
    )
    assert TicketMessage.objects.get(pk=second.pk).ticket == new
    # splitting every message away, or another ticket's message, is refused
    bad = api.post(f"/tickets/{new.pk}/split", {"messages": [second.pk]})
    assert bad.status_code == 422
    other = api.post(f"/tickets/{ticket.pk}/split", {"messages": [second.pk]})
    assert other.status_code == 422
    assert Ticket.objects.count() == 2


def test_party_tickets_summary_for_the_customer_page(company, team, policy, customer, agent):
    from tandem.service.queries import party_tickets_summary

    first = services.ticket_create(
        company=company,
        subject="A",
        channel="phone",
        party=customer,
        team=team,
        now=at(2026, 12, 7, 9, 0),
    )
    services.ticket_create(
        company=company,
        subject="B",
        channel="phone",
        party=customer,
        team=team,
        now=at(2026, 12, 7, 9, 30),
    )
    services.ticket_resolve(ticket=first, now=at(2026, 12, 7, 10, 0))
    Ticket.objects.filter(pk=first.pk).update(rating=4)
    summary = party_tickets_summary(customer)
    assert (summary["total"], summary["open"], summary["rated"]) == (2, 1, 1)
    assert str(summary["average_rating"]) == "4.00"
    assert [t["subject"] for t in summary["latest"]] == ["B", "A"]
