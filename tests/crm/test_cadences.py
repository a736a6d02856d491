from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from tandem.core.errors import Duplicate, ValidationFailed
from tandem.crm import services, tasks
from tandem.crm.errors import StageInvalid
from tandem.crm.models import Activity, Cadence, Lead, Opportunity, OpportunityStageChange
from tandem.crm.queries.cadences import cadence_report
from tandem.parties.models import Tag

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def created(record, when):
    type(record).objects.filter(pk=record.pk).update(created_at=when)


@pytest.fixture
def new_lead_rule(company, owner):
    return services.cadence_create(
        company=company,
        name="New lead: first contact",
        applies_to="lead",
        kind="call",
        interval=1,
        interval_unit="business_days",
        summary_template="First call: {record} ({owner})",
        repeat=False,
        owner=owner,
    )


# -- business calendar ---------------------------------------------------------------------------


def test_business_days_skip_weekends_and_the_countrys_public_holidays(company, other_company):
    # given a Friday, and the Thursday before China's Labour Day break (1-5 May 2026)
    # when one business day is added
    # then Friday -> Monday; 30 April -> 6 May in China, but -> 1 May in the US
    assert services.add_business_days(company, date(2026, 3, 13), 1) == date(2026, 3, 16)
    assert services.add_business_days(company, date(2026, 4, 30), 1) == date(2026, 5, 6)
    assert services.add_business_days(other_company, date(2026, 4, 30), 1) == date(2026, 5, 1)
    assert services.add_business_days(company, date(2026, 3, 10), 5) == date(2026, 3, 17)


# -- the engine ----------------------------------------------------------------------------------


def test_a_new_lead_friday_afternoon_gets_its_first_call_monday_morning(
    company, owner, rep, new_lead_rule, make_lead
):
    # given a lead of the rep created Friday 13 March 2026, 16:00 Shanghai, and an unowned one
    lead = make_lead(name="Tea order", owner=rep)
    created(lead, local(2026, 3, 13, 16, 0))
    unowned = make_lead(name="Walk-in")
    created(unowned, local(2026, 3, 13, 16, 0))

    # when the sweep runs
    planned = services.cadence_sweep()

    # then each gets one call, due Monday 09:00 Shanghai: the rep's, and the rule owner's
    assert planned == 2
    rows = {a.lead_id: a for a in Activity.objects.filter(cadence=new_lead_rule)}
    assert rows[lead.pk].due_at == local(2026, 3, 16, 9, 0)
    assert (rows[lead.pk].owner, rows[lead.pk].kind) == (rep, "call")
    assert rows[lead.pk].summary == "First call: Tea order (Rita Rep)"
    assert rows[unowned.pk].owner == owner


def test_the_holiday_break_pushes_the_first_call_past_labour_day(
    company, rep, new_lead_rule, make_lead
):
    lead = make_lead(name="Before the break", owner=rep)
    created(lead, local(2026, 4, 30, 11, 0))

    services.cadence_sweep(company=company)

    assert Activity.objects.get(lead=lead).due_at == local(2026, 5, 6, 9, 0)


def test_the_sweep_is_idempotent_and_skips_records_with_a_planned_activity(
    company, rep, new_lead_rule, make_lead
):
    # given one lead that already has a planned (manual) call and one that has none
    busy = make_lead(name="Busy", owner=rep)
    services.activity_create(
        company=company,
        kind="call",
        summary="Manual",
        due_at=local(2026, 3, 20, 9),
        owner=rep,
        lead=busy,
    )
    idle = make_lead(name="Idle", owner=rep)

    # when the sweep runs twice, and the beat task once more
    first, second, third = (
        services.cadence_sweep(),
        services.cadence_sweep(),
        tasks.sweep_cadences(),
    )

    # then only the idle lead got one cadence activity, once
    assert (first, second, third) == (1, 0, 0)
    assert list(Activity.objects.filter(cadence=new_lead_rule).values_list("lead", flat=True)) == [
        idle.pk
    ]


def test_the_database_refuses_a_second_open_activity_of_one_rule_on_one_record(
    company, rep, new_lead_rule, make_lead
):
    lead = make_lead(name="Once", owner=rep)
    services.cadence_sweep()
    first = Activity.objects.get(lead=lead)

    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.create(
            company=company,
            kind="call",
            summary="again",
            due_at=first.due_at,
            owner=rep,
            lead=lead,
            cadence=new_lead_rule,
        )
    assert Activity.objects.filter(lead=lead).count() == 1


def test_done_activity_plans_the_next_follow_up_in_the_stage(
    company, rep, stages, make_opportunity
):
    # given "proposal stage: follow up every 3 days" and an opportunity in Proposal
    rule = services.cadence_create(
        company=company,
        name="Proposal follow-up",
        applies_to="opportunity",
        stage=stages["Proposal"],
        kind="email",
        interval=3,
        summary_template="Chase {record} in {stage}",
    )
    opp = make_opportunity("Boiler deal", owner=rep, stage=stages["Proposal"])
    created(opp, local(2026, 3, 2, 10))
    OpportunityStageChange.objects.filter(opportunity=opp).update(changed_at=local(2026, 3, 2, 10))
    services.cadence_sweep()
    first = Activity.objects.get(cadence=rule, opportunity=opp)

    # when the rep does it on Thursday 12 March at 15:00
    services.activity_done(activity=first, outcome="Sent", now=local(2026, 3, 12, 15, 0))

    # then the next email is planned 3 calendar days later, Sunday 15 March 09:00, once
    follow = Activity.objects.get(cadence=rule, opportunity=opp, state="planned")
    assert follow.due_at == local(2026, 3, 15, 9, 0)
    assert (follow.summary, follow.party_id, follow.owner) == (
        "Chase Boiler deal in Proposal",
        opp.party_id,
        rep,
    )
    assert Activity.objects.filter(cadence=rule).count() == 2


def test_an_opportunity_in_another_stage_or_closed_is_not_under_the_rule(
    company, rep, stages, reasons, make_opportunity
):
    services.cadence_create(
        company=company, name="Proposal", applies_to="opportunity", stage=stages["Proposal"]
    )
    make_opportunity("New one", owner=rep, stage=stages["New"])
    lost = make_opportunity("Lost one", owner=rep, stage=stages["Proposal"])
    services.opportunity_lose(opportunity=lost, reason=reasons["Too expensive"])

    assert services.cadence_sweep() == 0


def test_key_accounts_get_a_monthly_check_in_for_their_account_owner(
    company, owner, rep, make_party, make_opportunity
):
    # given the key-account tag on one customer whose latest opportunity the rep owns
    key = Tag.objects.create(company=company, name="Key account")
    big = make_party("Big Buyer")
    big.tags.add(key)
    make_party("Small Buyer")
    make_opportunity("Renewal", party=big, owner=rep)
    Opportunity.objects.filter(party=big).update(state="won", won_at=local(2026, 3, 1, 10))
    rule = services.cadence_create(
        company=company,
        name="Key account check-in",
        applies_to="party",
        tag=key,
        interval=30,
        kind="meeting",
        owner=owner,
    )
    created(big, local(2026, 3, 2, 10))

    services.cadence_sweep()

    check_in = Activity.objects.get(cadence=rule)
    assert (check_in.party, check_in.owner, check_in.kind) == (big, rep, "meeting")
    assert check_in.due_at == local(2026, 4, 1, 9, 0)


def test_the_last_touch_is_the_anchor(company, rep, make_lead):
    rule = services.cadence_create(
        company=company, name="Nurture", applies_to="lead", interval=7, owner=rep
    )
    lead = make_lead(name="Warm", owner=rep)
    created(lead, local(2026, 3, 1, 10))
    services.interaction_log(
        company=company, kind="call", lead=lead, occurred_at=local(2026, 3, 9, 18, 30)
    )

    services.cadence_sweep()

    assert Activity.objects.get(cadence=rule).due_at == local(2026, 3, 16, 9, 0)


# -- the rules -----------------------------------------------------------------------------------


def test_a_rule_is_refused_when_its_fields_do_not_fit(company, stages, new_lead_rule):
    tag = Tag.objects.create(company=company, name="VIP")
    before = Cadence.objects.count()

    with pytest.raises(ValidationFailed) as stage_on_lead:
        services.cadence_create(company=company, name="X", applies_to="lead", stage=stages["New"])
    with pytest.raises(ValidationFailed) as tag_on_lead:
        services.cadence_create(company=company, name="Y", applies_to="lead", tag=tag)
    with pytest.raises(StageInvalid):
        services.cadence_create(
            company=company, name="Z", applies_to="opportunity", stage=stages["Won"]
        )
    with pytest.raises(ValidationFailed) as zero:
        services.cadence_create(company=company, name="W", applies_to="party", interval=0)
    with pytest.raises(Duplicate):
        services.cadence_create(company=company, name="new LEAD: first contact", applies_to="lead")

    assert (stage_on_lead.value.field, tag_on_lead.value.field, zero.value.field) == (
        "stage",
        "tag",
        "interval",
    )
    assert Cadence.objects.count() == before


def test_an_inactive_rule_plans_nothing(company, rep, new_lead_rule, make_lead):
    services.cadence_update(cadence=new_lead_rule, active=False)
    make_lead(name="Quiet", owner=rep)

    assert services.cadence_sweep() == 0
    assert not Lead.objects.filter(activities__isnull=False).exists()


# -- broken cadence report -----------------------------------------------------------------------


def test_the_report_lists_overdue_cadences_and_records_without_a_touch(
    company, rep, new_lead_rule, make_lead, make_opportunity
):
    # given a lead whose first call was due 16 March, an opportunity last touched 40 days
    # before 20 March, and a lead touched yesterday
    late = make_lead(name="Late", owner=rep)
    created(late, local(2026, 3, 13, 16, 0))
    services.cadence_sweep()
    opp = make_opportunity("Cold deal", owner=rep)
    created(opp, local(2026, 1, 1, 10))
    services.interaction_log(
        company=company, kind="call", opportunity=opp, occurred_at=local(2026, 2, 8, 10)
    )
    fresh = make_lead(name="Fresh", owner=rep)
    created(fresh, local(2026, 3, 18, 10))
    services.interaction_log(
        company=company, kind="call", lead=fresh, occurred_at=local(2026, 3, 19, 10)
    )

    # when the report runs on 20 March with 30 days
    report = cadence_report(company, days=30, now=datetime(2026, 3, 20, 4, 0, tzinfo=UTC))

    # then
    rows = {(r["kind"], r["name"]): r for r in report["rows"]}
    assert rows[("lead", "Late")]["overdue_since"] == local(2026, 3, 16, 9, 0)
    assert rows[("lead", "Late")]["reason"] == "overdue"
    assert rows[("opportunity", "Cold deal")]["reason"] == "no_touch"
    assert rows[("opportunity", "Cold deal")]["last_touch"] == local(2026, 2, 8, 10)
    assert ("lead", "Fresh") not in rows
    assert rows[("party", "Customer of Cold deal")]["reason"] == "no_touch"  # the same touch
    assert report["totals"] == {"overdue": 1, "no_touch": 2, "count": 3}


# -- API and pages -------------------------------------------------------------------------------


def test_cadences_over_the_api(api, company, stages):
    created = api.post(
        "/cadences",
        {
            "name": "Proposal chase",
            "applies_to": "opportunity",
            "stage": stages["Proposal"].pk,
            "interval": 3,
            "kind": "email",
        },
    )
    cadence_id = created.json()["id"]
    changed = api.patch(f"/cadences/{cadence_id}", {"interval": 5, "stage": None})
    refused = api.post("/cadences", {"name": "X", "applies_to": "lead", "interval": 0})
    won = api.post(
        "/cadences", {"name": "Y", "applies_to": "opportunity", "stage": stages["Won"].pk}
    )
    listed = api.get("/cadences")
    report = api.get("/reports/cadences", {"days": 10})
    deleted = api.delete(f"/cadences/{cadence_id}")

    assert created.status_code == 201, created.content
    assert (changed.json()["interval"], changed.json()["stage"]) == (5, None)
    assert refused.status_code == 422
    assert (won.status_code, won.json()["code"]) == (422, "stage.invalid")
    assert listed.json()["count"] == 1
    assert report.status_code == 200 and report.json()["days"] == 10
    assert deleted.status_code == 204
    assert not Cadence.objects.exists()


def test_the_cadence_pages(web, company, new_lead_rule):
    listing = web.get("/crm/cadences/")
    form = web.get(f"/crm/cadences/{new_lead_rule.pk}/")
    saved = web.post(
        "/crm/cadences/new/",
        {
            "name": "Monthly",
            "applies_to": "party",
            "kind": "meeting",
            "interval": "30",
            "interval_unit": "days",
            "summary_template": "Check in with {record}",
            "repeat": "on",
            "active": "on",
        },
    )
    report = web.get("/crm/cadences/report/")

    assert listing.status_code == form.status_code == report.status_code == 200
    assert "New lead: first contact" in listing.content.decode()
    assert saved.status_code == 302
    assert Cadence.objects.get(name="Monthly").interval == 30
