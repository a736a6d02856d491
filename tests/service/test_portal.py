"""The customer portal: login by an emailed signed link, the company's or the contact's own
tickets, a new ticket with a product/lot picker limited to deliveries, replies, ratings, KB
suggestions and deflection; another company's or customer's ticket is a 404."""

import re
from decimal import Decimal

import pytest
from django.test import Client

from tandem.inventory import services as inventory
from tandem.parties.models import Contact, Party
from tandem.service import services
from tandem.service.models import KbArticle, Ticket


@pytest.fixture
def alpha(company, lot_world):
    party = lot_world["customers"][0]
    boss = Contact.objects.create(
        company=company, party=party, name="Ann Boss", email="boss@alpha.test", is_primary=True
    )
    clerk = Contact.objects.create(
        company=company, party=party, name="Carl Clerk", email="clerk@alpha.test"
    )
    return {"party": party, "boss": boss, "clerk": clerk, **lot_world}


def login(client, company, address, mailoutbox):
    page = client.post(f"/service/portal/{company.code}/login/", {"email": address})
    assert page.status_code == 200
    link = re.search(r"http\S+/login/\S+/", mailoutbox[-1].body).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    return client.get(path)


def test_login_by_link_and_who_sees_what(company, alpha, mailoutbox, team):
    boss_ticket = services.ticket_create(
        company=company, subject="Boss asks", channel="phone", contact=alpha["boss"]
    )
    clerk_ticket = services.ticket_create(
        company=company, subject="Clerk asks", channel="phone", contact=alpha["clerk"]
    )
    other = Party.objects.create(company=company, name="Other", currency_id="CNY")
    foreign = services.ticket_create(
        company=company, subject="Not yours", channel="phone", party=other
    )
    # an unknown address gets the same answer and no mail
    client = Client()
    page = client.post(f"/service/portal/{company.code}/login/", {"email": "who@x.test"})
    assert page.status_code == 200 and not mailoutbox
    # the clerk logs in and sees only its own ticket
    assert login(client, company, "clerk@alpha.test", mailoutbox).status_code == 302
    home = client.get(f"/service/portal/{company.code}/").content.decode()
    assert "Clerk asks" in home and "Boss asks" not in home
    assert (
        client.get(f"/service/portal/{company.code}/tickets/{boss_ticket.pk}/").status_code == 404
    )
    assert client.get(f"/service/portal/{company.code}/tickets/{foreign.pk}/").status_code == 404
    # the manager contact sees all of the company's
    boss = Client()
    login(boss, company, "boss@alpha.test", mailoutbox)
    home = boss.get(f"/service/portal/{company.code}/").content.decode()
    assert "Clerk asks" in home and "Boss asks" in home and "Not yours" not in home
    assert boss.get(f"/service/portal/{company.code}/tickets/{clerk_ticket.pk}/").status_code == 200


def test_another_companys_ticket_and_a_forged_link(company, other_company, alpha, mailoutbox):
    client = Client()
    login(client, company, "clerk@alpha.test", mailoutbox)
    theirs = services.ticket_create(company=other_company, subject="B's", channel="phone")
    assert client.get(f"/service/portal/{company.code}/tickets/{theirs.pk}/").status_code == 404
    # the session is for company A only
    assert client.get(f"/service/portal/{other_company.code}/").status_code == 302
    stranger = Client()
    assert stranger.get(f"/service/portal/{company.code}/login/forged.token/").status_code == 404
    assert stranger.get(f"/service/portal/{company.code}/").status_code == 302


def test_open_reply_and_rate(company, alpha, team, agent, mailoutbox):
    client = Client()
    login(client, company, "clerk@alpha.test", mailoutbox)
    page = client.get(f"/service/portal/{company.code}/tickets/new/")
    key = f"{alpha['product'].pk}:{alpha['lot'].pk}"
    assert key in page.content.decode()
    # a lot not delivered to Alpha is refused, nothing written
    wh = alpha["receipt"].warehouse
    other_receipt = inventory.transfer_create(
        company=company,
        kind="receipt",
        warehouse=wh,
        party=alpha["supplier"],
        moves=[
            {
                "product": alpha["product"],
                "quantity": Decimal(1),
                "unit_cost": Decimal(1),
                "lot_name": "L-99",
            }
        ],
    )
    inventory.transfer_done(transfer=inventory.transfer_confirm(transfer=other_receipt))
    other_lot = alpha["product"].lots.get(name="L-99")
    forged = f"{alpha['product'].pk}:{other_lot.pk}"
    bad = client.post(
        f"/service/portal/{company.code}/tickets/new/",
        {"subject": "Noise", "item": forged, "body": "loud"},
    )
    assert bad.status_code == 422
    assert Ticket.objects.count() == 0
    made = client.post(
        f"/service/portal/{company.code}/tickets/new/",
        {"subject": "Noise", "item": key, "body": "It is loud"},
    )
    assert made.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.contact, ticket.lot, ticket.team) == (
        "portal",
        alpha["clerk"],
        alpha["lot"],
        team,
    )
    services.ticket_reply(ticket=ticket, body="We will call", user=agent)
    page = client.get(made["Location"]).content.decode()
    assert "We will call" in page
    client.post(made["Location"], {"action": "reply", "body": "Thanks"})
    assert ticket.messages.filter(kind="inbound", body="Thanks").exists()
    services.ticket_resolve(ticket=ticket, user=agent)
    client.post(made["Location"], {"action": "rate", "rating": "5"})
    ticket.refresh_from_db()
    assert ticket.rating == 5
    again = client.post(made["Location"], {"action": "rate", "rating": "1"})
    assert again.status_code == 422
    ticket.refresh_from_db()
    assert ticket.rating == 5


def test_kb_suggestions_and_deflection(company, alpha, mailoutbox):
    article = services.kb_article_create(
        company=company,
        title="Compressor noise after transport",
        body="Let it rest 4 hours.",
        public=True,
    )
    services.kb_article_update(article=article, state="published")
    hidden = services.kb_article_create(
        company=company, title="Compressor internal notes", body="x", public=False
    )
    services.kb_article_update(article=hidden, state="published")
    client = Client()
    login(client, company, "clerk@alpha.test", mailoutbox)
    html = client.get(
        f"/service/portal/{company.code}/suggest/", {"subject": "compressor noise"}
    ).content.decode()
    assert "Compressor noise after transport" in html and "internal" not in html
    client.post(f"/service/portal/{company.code}/kb/{article.pk}/", {"solved": "1"})
    assert KbArticle.objects.get(pk=article.pk).deflections == 1
