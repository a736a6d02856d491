from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from tandem.core.errors import ValidationFailed
from tandem.core.services import membership_grant
from tandem.crm import ics, queries, services, tasks
from tandem.crm.errors import ActivityNotPlanned
from tandem.crm.models import Activity, CalendarFeed, Interaction
from tests.crm.conftest import NOW
from tests.factories import UserFactory


def utc(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def plan(company, rep, make_party):
    party = make_party("Lotus Foods")

    def make(summary="Call", *, due_at=NOW, owner=rep, of=None, target=None, **fields):
        return services.activity_create(
            company=of or company,
            kind=fields.pop("kind", "call"),
            summary=summary,
            due_at=due_at,
            owner=owner,
            party=target or party,
            **fields,
        )

    return make


# -- activities ----------------------------------------------------------------------------------


def test_an_activity_on_an_opportunity_is_also_on_its_customer(company, rep, make_opportunity):
    opp = make_opportunity()

    activity = services.activity_create(
        company=company, kind="meeting", summary="Demo", due_at=NOW, owner=rep, opportunity=opp
    )

    assert (activity.opportunity, activity.party, activity.state) == (opp, opp.party, "planned")


def test_an_activity_must_be_linked_and_owned_by_a_member(company, other_company, rep, make_party):
    stranger = UserFactory(username="stranger")
    membership_grant(user=stranger, company=other_company, roles=["owner"])

    with pytest.raises(ValidationFailed) as unlinked:
        services.activity_create(company=company, kind="task", summary="X", due_at=NOW, owner=rep)
    with pytest.raises(ValidationFailed) as foreign_owner:
        services.activity_create(
            company=company,
            kind="task",
            summary="X",
            due_at=NOW,
            owner=stranger,
            party=make_party(),
        )
    with pytest.raises(ValidationFailed) as foreign_party:
        services.activity_create(
            company=company,
            kind="task",
            summary="X",
            due_at=NOW,
            owner=rep,
            party=make_party("Theirs", of=other_company),
        )

    assert (unlinked.value.code, unlinked.value.field) == ("validation.required", "party")
    assert (foreign_owner.value.code, foreign_owner.value.field) == ("reference.invalid", "owner")
    assert (foreign_party.value.code, foreign_party.value.field) == ("reference.invalid", "party")
    assert Activity.objects.count() == 0


def test_done_records_the_outcome_once(company, plan):
    activity = plan()

    services.activity_done(activity=activity, outcome="Wants a quote by Friday", now=NOW)
    activity.refresh_from_db()
    assert (activity.state, activity.done_at, activity.outcome) == (
        "done",
        NOW,
        "Wants a quote by Friday",
    )

    with pytest.raises(ActivityNotPlanned) as caught:
        services.activity_done(activity=activity, outcome="again")
    assert (caught.value.code, caught.value.status) == ("activity.not_planned", 409)
    activity.refresh_from_db()
    assert (activity.done_at, activity.outcome) == (NOW, "Wants a quote by Friday")


def test_a_cancelled_activity_cannot_be_done(company, plan):
    activity = services.activity_cancel(activity=plan())

    with pytest.raises(ActivityNotPlanned):
        services.activity_done(activity=activity)

    activity.refresh_from_db()
    assert (activity.state, activity.done_at) == ("cancelled", None)


def test_my_day_buckets_by_the_company_calendar(
    company, owner, other_company, rep, plan, make_party
):
    # NOW is 10:00 on 10 March in Shanghai (UTC+8).
    membership_grant(user=rep, company=other_company, roles=["sales"])
    overdue = plan("overdue", due_at=utc(2026, 3, 9, 15, 59))  # 23:59 yesterday
    early = plan("early today", due_at=utc(2026, 3, 9, 16, 0))  # 00:00 today
    late = plan("late today", due_at=utc(2026, 3, 10, 15, 59))  # 23:59 today
    tomorrow = plan("tomorrow", due_at=utc(2026, 3, 10, 16, 0))  # 00:00 tomorrow
    last = plan("day 7", due_at=utc(2026, 3, 17, 15, 59))  # 23:59 in 7 days
    plan("day 8", due_at=utc(2026, 3, 17, 16, 0))
    services.activity_done(activity=plan("done", due_at=utc(2026, 3, 10, 3, 0)))
    plan("someone else's", due_at=utc(2026, 3, 10, 3, 0), owner=owner)
    theirs = make_party("Theirs", of=other_company)
    plan("other company", due_at=utc(2026, 3, 10, 3, 0), of=other_company, target=theirs)

    day = queries.my_day(company, rep, now=NOW)

    assert str(day["date"]) == "2026-03-10"
    assert (day["overdue"], day["today"], day["upcoming"]) == (
        [overdue],
        [early, late],
        [tomorrow, last],
    )


def test_interactions_are_logged_but_never_in_the_future(company, rep, make_party):
    party = make_party()

    touch = services.interaction_log(
        company=company,
        kind="call",
        direction="in",
        duration_minutes=12,
        outcome="Asked for prices",
        party=party,
        user=rep,
        occurred_at=NOW,
        now=NOW,
    )
    with pytest.raises(ValidationFailed) as caught:
        services.interaction_log(
            company=company,
            kind="call",
            party=party,
            occurred_at=NOW + timedelta(hours=1),
            now=NOW,
        )

    assert (touch.kind, touch.direction, touch.duration_minutes, touch.user) == (
        "call",
        "in",
        12,
        rep,
    )
    assert (caught.value.code, caught.value.field) == ("interaction.in_future", "occurred_at")
    assert Interaction.objects.count() == 1


# -- the calendar feed ---------------------------------------------------------------------------


def _unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_ics_escapes_and_folds_by_rfc_5545(company, rep, plan):
    activity = plan(
        "Call, follow up; re: quote\\2",
        due_at=timezone.now() + timedelta(days=1),
        note="第二行 " * 30,
    )

    text = ics.calendar(rep)

    assert text.startswith(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tandem//CRM activities//EN\r\n"
    )
    assert text.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    lines = _unfold(text)
    assert f"UID:crm-activity-{activity.pk}-ACME@tandem" in lines
    assert "SUMMARY:Call\\, follow up\\; re: quote\\\\2" in lines
    assert f"DTSTART:{activity.due_at.astimezone(UTC):%Y%m%dT%H%M%SZ}" in lines
    assert "DURATION:PT15M" in lines
    description = next(line for line in lines if line.startswith("DESCRIPTION:"))
    assert description == "DESCRIPTION:Call\\nLotus Foods\\n" + ("第二行 " * 30).strip()


def test_ics_feed_by_secret_token_without_login(company, rep, owner, plan):
    soon = timezone.now() + timedelta(hours=3)
    mine = plan("Mine", due_at=soon)
    services.activity_done(activity=plan("Done already", due_at=soon))
    plan("Not mine", due_at=soon, owner=owner)
    token = services.calendar_feed_token(user=rep)

    response = Client().get(f"/crm/activities/{token}.ics")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    lines = _unfold(response.content.decode())
    assert [line for line in lines if line.startswith("SUMMARY:")] == ["SUMMARY:Mine"]
    assert f"UID:crm-activity-{mine.pk}-ACME@tandem" in lines
    assert Client().get("/crm/activities/not-a-token.ics").status_code == 404


def test_regenerating_the_token_revokes_the_old_address(company, rep):
    old = services.calendar_feed_token(user=rep)
    assert services.calendar_feed_token(user=rep) == old

    new = services.calendar_feed_token(user=rep, regenerate=True)

    assert new != old and CalendarFeed.objects.get(user=rep).token == new
    assert Client().get(f"/crm/activities/{old}.ics").status_code == 404
    assert Client().get(f"/crm/activities/{new}.ics").status_code == 200


# -- reminders -----------------------------------------------------------------------------------


def test_reminders_mail_each_due_activity_once(company, owner, rep, plan):
    owner.email = ""
    owner.save()
    in_30 = plan("In 30 minutes", due_at=NOW + timedelta(minutes=30))
    in_59 = plan("In 59 minutes", due_at=NOW + timedelta(minutes=59))
    plan("In 61 minutes", due_at=NOW + timedelta(minutes=61))
    plan("Ten minutes ago", due_at=NOW - timedelta(minutes=10))
    services.activity_done(activity=plan("Done", due_at=NOW + timedelta(minutes=20)))
    no_mail = plan("Owner without email", due_at=NOW + timedelta(minutes=5), owner=owner)

    first = services.activity_reminders_send(now=NOW)
    second = services.activity_reminders_send(now=NOW + timedelta(minutes=1))

    assert (first, second) == (2, 0)
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["rita@acme.test"], "Reminder: In 30 minutes at 10:30"),
        (["rita@acme.test"], "Reminder: In 59 minutes at 10:59"),
    ]
    assert "Lotus Foods" in mail.outbox[0].body and "Asia/Shanghai" in mail.outbox[0].body
    reminded = set(Activity.objects.filter(reminded_at=NOW).values_list("pk", flat=True))
    assert reminded == {in_30.pk, in_59.pk, no_mail.pk}


def test_a_rescheduled_activity_is_reminded_again(company, plan):
    activity = plan("Call", due_at=NOW + timedelta(minutes=30))
    services.activity_reminders_send(now=NOW)

    services.activity_update(activity=activity, due_at=NOW + timedelta(days=1, minutes=30))
    sent = services.activity_reminders_send(now=NOW + timedelta(days=1))

    assert sent == 1 and len(mail.outbox) == 2


def test_the_celery_task_sends_and_is_idempotent(company, plan):
    plan("Soon", due_at=timezone.now() + timedelta(minutes=20))

    assert tasks.send_activity_reminders.apply().get() == 1
    assert tasks.send_activity_reminders.apply().get() == 0
    assert len(mail.outbox) == 1
    assert tasks.send_activity_reminders.name == "tandem.crm.tasks.send_activity_reminders"


def test_a_touch_on_a_qualified_lead_lands_on_its_opportunity(company, make_lead):
    lead = services.lead_qualify(lead=make_lead(company_name="Lotus Foods"))

    touch = services.interaction_log(company=company, kind="email", lead=lead, subject="Thanks")

    assert (touch.lead, touch.opportunity, touch.party) == (
        lead,
        lead.opportunity,
        lead.opportunity.party,
    )
