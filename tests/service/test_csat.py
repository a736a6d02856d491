"""CSAT: the rating mail on resolve, one-click signed links, one answer per ticket, tampered
and reused tokens, a bad rating reopening or alerting, reports by agent, team, product, lot."""

import re

import pytest
from django.test import Client

from tandem.service import services
from tandem.service.models import CsatResponse, Ticket
from tandem.service.services.csat import csat_answer, csat_token

from .conftest import at


@pytest.fixture
def resolved(
    company, team, policy, customer, agent, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_create(
            company=company,
            subject="Door seal",
            channel="email",
            party=customer,
            customer_email="li@bright.test",
            team=team,
            assignee=agent,
            now=at(2026, 12, 7, 9, 0),
            body="Leaks",
        )
        services.ticket_reply(ticket=ticket, body="Replaced", user=agent, now=at(2026, 12, 7, 10))
        services.ticket_resolve(ticket=ticket, user=agent, now=at(2026, 12, 7, 11, 0))
    return Ticket.objects.get(pk=ticket.pk)


def _links(mailoutbox):
    mail = [m for m in mailoutbox if "How did we do" in m.subject]
    assert len(mail) == 1
    return re.findall(r"http\S+/portal/rate/\S+/\d/", mail[0].body)


def test_resolving_mails_five_signed_links_once(resolved, mailoutbox, agent):
    links = _links(mailoutbox)
    assert [link.rstrip("/").rsplit("/", 1)[1] for link in links] == ["1", "2", "3", "4", "5"]
    assert mailoutbox[-1].to == ["li@bright.test"]
    # reopening and resolving again sends no second request
    services.ticket_reopen(ticket=resolved, now=at(2026, 12, 7, 12))
    services.ticket_resolve(ticket=resolved, now=at(2026, 12, 7, 13))
    assert len(_links(mailoutbox)) == 5


def test_one_click_records_one_answer_and_a_comment(resolved, mailoutbox):
    links = _links(mailoutbox)
    client = Client()
    path = links[3].split("8000", 1)[-1] if "8000" in links[3] else links[3]
    path = "/" + path.split("://", 1)[-1].split("/", 1)[1] if "://" in path else path
    page = client.get(path)
    assert page.status_code == 200
    assert "4" in page.content.decode()
    resolved.refresh_from_db()
    assert resolved.rating == 4
    # a second click (even another rating) changes nothing
    other = path.replace("/4/", "/1/")
    again = client.get(other)
    assert again.status_code == 200
    assert "already recorded" in again.content.decode()
    resolved.refresh_from_db()
    assert resolved.rating == 4 and resolved.state == "resolved"
    # the optional comment, once
    token = path.split("/rate/")[1].split("/")[0]
    client.post(f"/service/portal/rate/{token}/comment/", {"comment": "Quick, thanks"})
    client.post(f"/service/portal/rate/{token}/comment/", {"comment": "overwritten?"})
    assert CsatResponse.objects.get(ticket=resolved).comment == "Quick, thanks"


def test_tampered_tokens_and_ratings_get_a_neutral_page(resolved):
    token = csat_token(resolved)
    client = Client()
    for path in (
        f"/service/portal/rate/{token[:-2]}xx/5/",
        f"/service/portal/rate/{token}/9/",
        f"/service/portal/rate/{token}/0/",
        "/service/portal/rate/garbage/3/",
    ):
        page = client.get(path)
        assert page.status_code == 404
        assert "not valid" in page.content.decode()
    assert (
        client.post(f"/service/portal/rate/{token[:-1]}Z/comment/", {"comment": "x"}).status_code
        == 404
    )
    resolved.refresh_from_db()
    assert resolved.rating is None
    assert not CsatResponse.objects.exists()


def test_a_bad_rating_reopens_when_the_team_says_so(resolved, team):
    services.team_update(team=team, bad_rating="reopen")
    outcome, ticket = csat_answer(token=csat_token(resolved), rating=2)
    assert outcome == "recorded"
    resolved.refresh_from_db()
    assert (resolved.state, resolved.rating) == ("open", 2)
    assert resolved.transitions.last().note == "rated 2/5"


def test_a_bad_rating_alerts_the_lead(
    resolved, team, agent, mailoutbox, django_capture_on_commit_callbacks
):
    agent.email = "ann@acme.test"
    agent.save()
    with django_capture_on_commit_callbacks(execute=True):
        csat_answer(token=csat_token(resolved), rating=1)
    assert mailoutbox[-1].to == ["ann@acme.test"]
    assert "rated 1/5" in mailoutbox[-1].subject
    resolved.refresh_from_db()
    assert resolved.state == "resolved"


def test_csat_report_by_agent_team_product_and_lot(api, company, team, agent, resolved, web):
    csat_answer(token=csat_token(resolved), rating=5)
    response = api.get("/reports/service/csat", {"by": "agent"})
    assert response.status_code == 200
    body = response.json()
    assert body["responses"] == 1 and body["average"] == "5.00"
    assert [(r["name"], r["responses"], r["satisfied"], r["bad"]) for r in body["rows"]] == [
        ("agent", 1, 1, 0)
    ]
    assert api.get("/reports/service/csat", {"by": "team"}).json()["rows"][0]["name"] == "Support"
    assert api.get("/reports/service/csat", {"by": "nope"}).status_code == 422
    page = web.get("/service/csat/?by=team")
    assert page.status_code == 200
    assert "Support" in page.content.decode()
