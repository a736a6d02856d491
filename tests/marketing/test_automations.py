"""Automations: a party enters (segment entry, a domain event), gets an email through real
SMTP, waits for an open with a timeout, branches (opened -> tag, not -> an activity for the
owner), re-entry rules, the frequency cap across campaigns and automations, the dry run,
the API and its refusals."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from tandem.crm.models import Activity
from tandem.marketing import services
from tandem.marketing.models import Automation, AutomationRun, CampaignRecipient, Segment
from tandem.marketing.services.automations import on_event

HTML = '<p>Welcome {{ first_name }} <a href="https://shop.example.com/start">start</a></p>'


@pytest.fixture
def flow(company, owner):
    template = services.template_create(
        company=company, name="Welcome", language="en", subject="Welcome", body_html=HTML
    )
    segment = services.segment_create(
        company=company,
        name="Subscribers",
        rules={"all": [{"field": "consent", "op": "granted", "value": "newsletter"}]},
    )
    steps = [
        {"type": "send_email", "template": template.pk},
        {"type": "wait_event", "event": "opened", "timeout_hours": 48},
        {"type": "branch", "if": {"kind": "opened"}, "then": 3, "else": 5},
        {"type": "tag", "tag": "engaged"},
        {"type": "branch", "if": {"kind": "opened"}, "then": 6, "else": 5},  # past step 5
        {"type": "activity", "summary": "Call about the welcome mail", "due_days": 1},
    ]
    return services.automation_save(
        company=company,
        name="Welcome flow",
        trigger="segment_entry",
        segment=segment,
        steps=steps,
        active=True,
        user=owner,
    )


def test_flow_through_smtp_with_branches(company, party, flow, smtp_sink):
    ada = party("Ada Lovelace", consent=["newsletter"])
    bo = party("Bo Chen", consent=["newsletter"])
    party("Cy", consent=[])  # not in the segment
    now = timezone.now()
    assert services.automations_tick(now=now) == {"entered": 2, "advanced": 2}
    assert sorted(r for env in smtp_sink.envelopes for r in env["rcpt_tos"]) == [
        "ada.lovelace@example.com",
        "bo.chen@example.com",
    ]
    runs = {r.party_id: r for r in AutomationRun.objects.all()}
    assert {r.state for r in runs.values()} == {"waiting"}
    assert {r.step for r in runs.values()} == {1}
    # Ada opens her mail
    trace = CampaignRecipient.objects.get(party=ada)
    assert trace.campaign.name == "Welcome flow · 1"
    CampaignRecipient.objects.filter(pk=trace.pk).update(human_open=True, opened_at=now)
    services.automations_tick(now=now + timedelta(hours=1))
    run = AutomationRun.objects.get(party=ada)
    assert run.state == "done"
    assert list(ada.tags.values_list("name", flat=True)) == ["engaged"]
    assert not Activity.objects.filter(party=ada).exists()
    # Bo never opens: after the 48 h timeout, an activity for the owner, no tag
    assert AutomationRun.objects.get(party=bo).state == "waiting"
    services.automations_tick(now=now + timedelta(hours=49))
    run = AutomationRun.objects.get(party=bo)
    assert run.state == "done"
    assert [e.get("do") for e in run.log[1:]] == [
        "send_email",
        "timed_out",
        "branch",
        "activity",
        "done",
    ]
    activity = Activity.objects.get(party=bo)
    assert activity.summary == "Call about the welcome mail"
    assert not bo.tags.exists()
    # re-entry "once": still in the segment, nobody enters again, nothing more is sent
    assert services.automations_tick(now=now + timedelta(days=3))["entered"] == 0
    assert len(smtp_sink.envelopes) == 2


def test_reentry_after_days(company, party, flow):
    party("Ada", consent=["newsletter"])
    Automation.objects.filter(pk=flow.pk).update(reentry="after_days", reentry_days=10, steps=[])
    now = timezone.now()
    assert services.automations_tick(now=now)["entered"] == 1
    assert services.automations_tick(now=now + timedelta(days=5))["entered"] == 0
    assert services.automations_tick(now=now + timedelta(days=11))["entered"] == 1
    assert AutomationRun.objects.filter(state="done").count() == 2


@override_settings(MARKETING_FREQUENCY_CAP=1, MARKETING_FREQUENCY_DAYS=7)
def test_frequency_cap_across_campaigns_and_automations(company, party, flow, smtp_sink):
    ada = party("Ada", consent=["newsletter"])
    # a campaign reached Ada yesterday
    other = services.campaign_create(
        company=company,
        name="May news",
        segment=Segment.objects.get(name="Subscribers"),
        template=services.template_create(
            company=company, name="News", language="en", subject="News", body_html="<p>x</p>"
        ),
    )
    CampaignRecipient.objects.create(
        company=company,
        campaign=other,
        party=ada,
        email=ada.email,
        state="sent",
        sent_at=timezone.now() - timedelta(days=1),
    )
    dry = services.dry_run(automation=flow, party=ada)
    assert dry[0]["result"] == "capped"
    services.automations_tick()
    run = AutomationRun.objects.get(party=ada)
    assert run.log[1]["result"] == "capped"
    assert smtp_sink.envelopes == []


def test_event_trigger_starts_a_run(company, party, owner):
    ada = party("Ada", consent=["newsletter"])
    automation = services.automation_save(
        company=company,
        name="Thanks",
        trigger="event",
        event="sales_order.confirmed",
        steps=[{"type": "tag", "tag": "buyer"}],
        active=True,
        user=owner,
    )
    on_event("sales_order.confirmed", company_id=company.pk, order_id=1, party_id=ada.pk)
    on_event("sales_order.confirmed", company_id=company.pk, order_id=2, party_id=ada.pk)
    assert AutomationRun.objects.filter(automation=automation).count() == 1  # re-entry once
    services.automations_tick()
    assert list(ada.tags.values_list("name", flat=True)) == ["buyer"]


def test_dry_run_api_and_refusals(api, company, party, flow):
    ada = party("Ada", consent=["newsletter"])
    url = f"/automations/{flow.pk}/dry-run"
    answer = api.post(url, {"party": ada.pk})
    assert answer.status_code == 200, answer.content
    steps = answer.json()["steps"]
    assert [s.get("result") for s in steps] == [
        "would_send",
        "timed_out",
        False,
        "would_create_activity",
        None,
    ]
    assert steps[-1] == {"step": 6, "type": "end", "after_hours": 48.0}
    opened = api.post(url, {"party": ada.pk, "assume": {"opened": True}}).json()["steps"]
    assert [s["type"] for s in opened] == [
        "send_email",
        "wait_event",
        "branch",
        "tag",
        "branch",
        "end",
    ]
    assert not AutomationRun.objects.exists()  # nothing written
    assert not CampaignRecipient.objects.exists()

    base = {"name": "X", "trigger": "event", "event": "lead.created"}
    for steps, code, field in (
        ([{"type": "teleport"}], "automation.unknown_step", "steps[0].type"),
        ([{"type": "wait", "hours": 0}], "automation.bad_step", "steps[0]"),
        (
            [{"type": "tag", "tag": "a"}, {"type": "branch", "if": {"kind": "opened"}, "then": 0}],
            "automation.bad_step",
            "steps[1].then",
        ),
        (
            [{"type": "branch", "if": {"kind": "field", "field": "iq", "op": "eq", "value": 1}}],
            "segment.unknown_field",
            "rules.field",
        ),
    ):
        answer = api.post("/automations", {**base, "steps": steps})
        assert answer.status_code == 422, answer.content
        assert (answer.json()["code"], answer.json()["errors"][0]["field"]) == (code, field)
    answer = api.post("/automations", {**base, "event": "moon.landed", "steps": []})
    assert answer.json()["code"] == "automation.bad_trigger"
    assert Automation.objects.count() == 1
    listed = api.listed("/automations")
    assert [a["name"] for a in listed["items"]] == ["Welcome flow"]
    assert api.listed(f"/automations/{flow.pk}/runs")["count"] == 0


def test_automation_pages(company, party, owner, flow):
    import json

    from django.test import Client

    ada = party("Ada", consent=["newsletter"])
    browser = Client()
    browser.force_login(owner)
    assert b"Welcome flow" in browser.get("/marketing/automations/").content
    page = browser.get(f"/marketing/automations/{flow.pk}/")
    assert b'id="automation-steps"' in page.content
    answer = browser.post(
        "/marketing/automations/new/",
        {
            "name": "Tagger",
            "trigger": "event",
            "event": "lead.created",
            "reentry": "once",
            "reentry_days": "30",
            "purpose": "newsletter",
            "steps": json.dumps({"type": "wait", "days": 1})
            + "\n"
            + json.dumps({"type": "tag", "tag": "lead"}),
        },
    )
    assert answer.status_code == 302, answer.content
    made = Automation.objects.get(name="Tagger")
    assert made.steps == [{"type": "wait", "hours": 24.0}, {"type": "tag", "tag": "lead"}]
    answer = browser.post(
        "/marketing/automations/new/",
        {"name": "Bad", "trigger": "event", "event": "lead.created", "steps": "{not json"},
    )
    assert answer.status_code == 200 and b'id="automation-error"' in answer.content
    answer = browser.post(
        f"/marketing/automations/{flow.pk}/dry-run/", {"party": ada.pk, "opened": "on"}
    )
    assert b'id="dry-run-result"' in answer.content and b"would_tag" in answer.content
