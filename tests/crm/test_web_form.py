"""The public web-to-lead form: no login, cross-site POST, honeypot, rate limit."""

import pytest
from django.test import Client

from tandem.crm.models import Lead

URL = "/crm/forms/ACME/lead/"


def _post(client, ip="203.0.113.7", **fields):
    data = {
        "contact_name": "Wang Fang",
        "company_name": "Lotus Foods",
        "email": "wang@lotus.example",
        "phone": "",
        "message": "Please send a catalogue.",
        "campaign": "spring-expo",
        "homepage": "",
    }
    data.update(fields)
    return client.post(URL, data, REMOTE_ADDR=ip)


@pytest.fixture
def visitor(company):
    # A browser on another website: no session and CSRF checks on.
    return Client(enforce_csrf_checks=True)


def test_the_form_is_public_and_embeddable(visitor, company):
    response = visitor.get(URL, {"campaign": "newsletter-3"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert 'name="contact_name"' in page and 'name="email"' in page
    assert 'name="homepage"' in page and 'class="trap" aria-hidden="true"' in page
    assert 'value="newsletter-3"' in page
    assert "csrfmiddlewaretoken" not in page


def test_a_submission_creates_a_web_form_lead_without_login(visitor, company, make_party):
    party = make_party("Lotus Foods")

    response = _post(visitor)

    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    lead = Lead.objects.get()
    assert (lead.company, lead.source, lead.campaign, lead.contact_name, lead.email) == (
        company,
        "web_form",
        "spring-expo",
        "Wang Fang",
        "wang@lotus.example",
    )
    assert (lead.notes, lead.matched_party, lead.match_on) == (
        "Please send a catalogue.",
        party,
        "company_name",
    )


def test_a_filled_honeypot_is_thanked_and_discarded(visitor, company):
    response = _post(visitor, homepage="http://spam.example")

    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    assert Lead.objects.count() == 0


def test_bad_input_re_renders_the_form_and_creates_nothing(visitor, company):
    response = _post(visitor, contact_name="", company_name="", email="nope", phone="")

    page = response.content.decode()
    assert response.status_code == 422
    assert "Tell us your name or your company" in page
    assert Lead.objects.count() == 0

    response = _post(visitor, email="not-an-email")
    assert response.status_code == 422
    assert "Enter a valid email address." in response.content.decode()
    assert Lead.objects.count() == 0


def test_the_rate_limit_answers_429_after_five_a_minute(visitor, company):
    statuses = [_post(visitor, email=f"p{n}@example.com").status_code for n in range(6)]
    other_address = _post(visitor, email="x@example.com", ip="198.51.100.1")

    assert statuses == [200, 200, 200, 200, 200, 429]
    assert other_address.status_code == 200
    assert Lead.objects.count() == 6


def test_the_throttled_answer_says_when_to_retry(visitor, company):
    for _ in range(5):
        _post(visitor, homepage="bot")  # bots count too

    response = _post(visitor)

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert Lead.objects.count() == 0


def test_an_unknown_company_is_404(visitor, company):
    assert visitor.get("/crm/forms/NOPE/lead/").status_code == 404
    assert visitor.post("/crm/forms/NOPE/lead/", {}).status_code == 404
