"""The marketing API: segments (+ preview, members), consents, templates, campaigns (test,
schedule, send, cancel, stats, recipients), bad input as 4xx with stable codes, scope and
permissions."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from tandem.core.services import membership_grant
from tandem.marketing import services
from tandem.marketing.models import Campaign, CampaignRecipient, Consent, EmailTemplate, Segment
from tandem.parties.models import Party
from tests.factories import UserFactory

RULES = {"all": [{"field": "consent", "op": "granted", "value": "newsletter"}]}


@pytest.fixture
def template(company):
    return services.template_create(
        company=company,
        name="News",
        language="en",
        subject="News for {{ name }}",
        body_html='<p>Hi {{ first_name }} <a href="https://ex.com/a">a</a></p>',
    )


@pytest.fixture
def segment(company):
    return services.segment_create(company=company, name="Subscribers", rules=RULES)


def test_segment_preview_create_and_members(api, party):
    ada = party("Ada", consent=["newsletter"])
    party("Bo")
    answer = api.post("/segments/preview", {"rules": RULES})
    assert answer.status_code == 200
    assert answer.json() == {
        "count": 1,
        "members": [{"id": ada.pk, "name": "Ada", "email": "ada@example.com"}],
    }
    created = api.post("/segments", {"name": "Subscribers", "rules": RULES})
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["kind"], body["member_count"]) == ("dynamic", 1)
    members = api.listed(f"/segments/{body['id']}/members")
    assert [m["id"] for m in members["items"]] == [ada.pk]


@pytest.mark.parametrize(
    ("rules", "code", "field"),
    [
        (
            {"all": [{"field": "iq", "op": "eq", "value": 1}]},
            "segment.unknown_field",
            "rules.all[0].field",
        ),
        (
            {"all": [{"field": "tag", "op": "lt", "value": "x"}]},
            "segment.bad_operator",
            "rules.all[0].op",
        ),
        (
            {"all": [{"field": "revenue", "op": "gte", "value": [1]}]},
            "segment.bad_value",
            "rules.all[0].value",
        ),
    ],
)
def test_bad_rules_answer_422_with_code_and_path(api, rules, code, field):
    for path in ("/segments/preview", "/segments"):
        answer = api.post(path, {"name": "X", "rules": rules})
        assert answer.status_code == 422
        problem = answer.json()
        assert problem["code"] == code
        assert problem["errors"][0]["field"] == field
    assert Segment.objects.count() == 0


def test_consent_ledger_is_append_only_and_current(api, party):
    ada = party("Ada")
    for state in ("granted", "withdrawn", "granted"):
        answer = api.post(
            "/consents",
            {
                "party": ada.pk,
                "purpose": "newsletter",
                "state": state,
                "source": "api",
                "ip": "203.0.113.9",
                "text_version": "v2",
            },
        )
        assert answer.status_code == 201, answer.content
    assert Consent.objects.filter(party=ada).count() == 3
    current = api.listed("/consents", party=ada.pk, current="true")
    assert [(c["state"], c["ip"], c["text_version"]) for c in current["items"]] == [
        ("granted", "203.0.113.9", "v2")
    ]
    bad = api.post(
        "/consents",
        {"party": ada.pk, "purpose": "News Letter!", "state": "granted", "source": "api"},
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "consent.bad_purpose")
    bad_ip = api.post(
        "/consents",
        {
            "party": ada.pk,
            "purpose": "news",
            "state": "granted",
            "source": "api",
            "ip": "999.1.1.1",
        },
    )
    assert (bad_ip.status_code, bad_ip.json()["code"]) == (422, "consent.bad_ip")
    assert Consent.objects.filter(party=ada).count() == 3


def test_double_opt_in_grants_only_through_its_link(api, party, client):
    """Given a double opt-in request, nothing is granted until the link's POST; a GET of the
    link (a scanner) grants nothing; a tampered link is a neutral page."""
    ada = party("Ada")
    answer = api.post(
        "/consents",
        {
            "party": ada.pk,
            "purpose": "newsletter",
            "state": "granted",
            "source": "web_form",
            "double_opt_in": True,
        },
    )
    assert answer.status_code == 202
    assert not Consent.objects.filter(party=ada).exists()
    token = services.consent_optin_request(party=ada, purpose="newsletter")
    url = f"/marketing/t/optin/{token}/"
    assert client.get(url).status_code == 200
    assert not Consent.objects.filter(party=ada).exists()
    assert client.post(url).status_code == 200
    assert client.post(url).status_code == 200  # idempotent
    rows = Consent.objects.filter(party=ada)
    assert [(r.state, r.source) for r in rows] == [("granted", "double_opt_in")]
    assert client.post(url[:-3] + "xx/").status_code == 404
    assert Consent.objects.filter(party=ada).count() == 1


@pytest.mark.parametrize(
    ("body_html", "subject", "code"),
    [
        ("<p>Hi {{ shoe_size }}</p>", "Hi", "template.unknown_field"),
        ("<p>Hi</p>", "Hi {{ nickname }}", "template.unknown_field"),
        ("<div><span>Hi</div>", "Hi", "template.unbalanced_markup"),
        ("<table><tr><td>x</table></div>", "Hi", "template.unbalanced_markup"),
        ("<p>Hi {{ name }</p>", "Hi", "template.unbalanced_markup"),
    ],
)
def test_bad_templates_are_refused(api, body_html, subject, code):
    answer = api.post(
        "/email-templates",
        {"name": "T", "language": "en", "subject": subject, "body_html": body_html},
    )
    assert answer.status_code == 422
    assert answer.json()["code"] == code
    assert EmailTemplate.objects.count() == 0


def test_template_text_part_is_generated(company, template):
    from tandem.marketing.rendering import compile_template

    compiled = compile_template(template)
    assert compiled.body_text == "Hi {{ first_name }} a (https://ex.com/a)\n"


def test_campaign_lifecycle(
    api, company, party, segment, template, django_capture_on_commit_callbacks
):
    party("Ada", consent=["newsletter"], kind="person")
    created = api.post(
        "/campaigns",
        {"name": "May", "segment": segment.pk, "template": template.pk, "cost": "100.00"},
    )
    assert created.status_code == 201, created.content
    campaign_id = created.json()["id"]
    assert created.json()["cost"] == "100.00"

    test = api.post(f"/campaigns/{campaign_id}/test", {"addresses": ["qa@example.com"]})
    ada = Party.objects.get(company=company, name="Ada")
    assert test.json() == {
        "sent": 1,
        "sample": {"party_id": ada.pk, "name": "Ada", "chosen": "first"},
    }
    assert mail.outbox[-1].subject == "[TEST] News for Ada"
    bad = api.post(f"/campaigns/{campaign_id}/test", {"addresses": ["not an address"]})
    assert (bad.status_code, bad.json()["code"]) == (422, "email.invalid")

    past = api.post(
        f"/campaigns/{campaign_id}/schedule",
        {"scheduled_at": (timezone.now() - timedelta(hours=1)).isoformat()},
    )
    assert (past.status_code, past.json()["code"]) == (422, "campaign.bad_schedule")

    with django_capture_on_commit_callbacks(execute=True):
        sent = api.post(f"/campaigns/{campaign_id}/send")
    assert sent.status_code == 202
    assert sent.json()["state"] == "sending"
    assert Campaign.objects.get(pk=campaign_id).state == "sent"
    again = api.post(f"/campaigns/{campaign_id}/send")
    assert (again.status_code, again.json()["code"]) == (409, "campaign.state_invalid")
    cancel = api.post(f"/campaigns/{campaign_id}/cancel")
    assert (cancel.status_code, cancel.json()["code"]) == (409, "campaign.state_invalid")

    stats = api.get(f"/campaigns/{campaign_id}/stats").json()
    assert (stats["recipients"], stats["sent"], stats["delivered"]) == (1, 1, 1)
    assert stats["roi"] == "-1.0000"
    recipients = api.listed(f"/campaigns/{campaign_id}/recipients")
    assert [r["state"] for r in recipients["items"]] == ["sent"]


def test_campaign_without_consenting_recipients_is_refused(api, party, segment, template):
    party("Bo")
    campaign = api.post(
        "/campaigns", {"name": "May", "segment": segment.pk, "template": template.pk}
    ).json()
    answer = api.post(f"/campaigns/{campaign['id']}/send")
    assert (answer.status_code, answer.json()["code"]) == (409, "campaign.no_recipients")
    assert Campaign.objects.get(pk=campaign["id"]).state == "draft"
    assert not CampaignRecipient.objects.exists()


def test_scheduled_campaign_starts_when_due(
    company, party, segment, template, django_capture_on_commit_callbacks
):
    party("Ada", consent=["newsletter"])
    campaign = services.campaign_create(
        company=company, name="Later", segment=segment, template=template
    )
    at = timezone.now() + timedelta(hours=1)
    services.campaign_schedule(campaign=campaign, at=at)
    assert services.campaigns_start_due() == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.campaigns_start_due(now=at + timedelta(seconds=1)) == 1
    assert Campaign.objects.get(pk=campaign.pk).state == "sent"


def test_bad_references_and_scope(api, other_company, segment, template, api_as):
    from tandem.marketing.services import segment_create

    foreign = segment_create(company=other_company, name="Theirs", rules={})
    answer = api.post("/campaigns", {"name": "X", "segment": foreign.pk, "template": template.pk})
    assert (answer.status_code, answer.json()["code"]) == (422, "reference.invalid")
    assert api.get(f"/segments/{foreign.pk}").status_code == 404
    huge = api.post("/campaigns", {"name": "X", "segment": 10**30, "template": template.pk})
    assert huge.status_code == 422
    assert Campaign.objects.count() == 0


def test_permissions(company, api_as, segment):
    clerk = UserFactory(username="clerk")
    membership_grant(user=clerk, company=company, roles=["warehouse"])
    marketer = UserFactory(username="marketer")
    membership_grant(user=marketer, company=company, roles=["marketing"])
    clerk_api, marketer_api = api_as(clerk, company), api_as(marketer, company)
    assert clerk_api.get("/segments").status_code == 200  # everyone may look
    denied = clerk_api.post("/segments", {"name": "Mine", "rules": {}})
    assert (denied.status_code, denied.json()["code"]) == (403, "permission.denied")
    assert marketer_api.post("/segments", {"name": "Mine", "rules": {}}).status_code == 201
    assert Segment.objects.filter(name="Mine").count() == 1
