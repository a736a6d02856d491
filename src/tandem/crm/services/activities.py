"""Activities (planned to-dos), logged interactions, reminders and calendar feeds."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tandem.core import events
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, User
from tandem.core.services import company_zone
from tandem.parties.models import Party
from tandem.parties.validation import FieldErrors

from ..errors import ActivityNotPlanned
from ..models import (
    Activity,
    ActivityKind,
    ActivityState,
    CalendarFeed,
    Direction,
    Interaction,
    InteractionKind,
    Lead,
    Opportunity,
)
from ._common import TEXT_MAX, UNSET, a_datetime, choice, locked, member, same_company, text
from .cadences import cadence_after_done

logger = logging.getLogger(__name__)
FUTURE_SKEW = timedelta(minutes=5)
DURATION_MAX = 24 * 60 * 7


def _links(company: Company, party, lead, opportunity) -> tuple:
    """The records a to-do or a touch is about, all of `company`; the opportunity's customer
    becomes the party when none is given."""
    errors = FieldErrors()
    party = errors.check(same_company, company, party, field="party", model=Party)
    lead = errors.check(same_company, company, lead, field="lead", model=Lead)
    opportunity = errors.check(
        same_company, company, opportunity, field="opportunity", model=Opportunity
    )
    errors.raise_any()
    if party is None and lead is None and opportunity is None:
        raise ValidationFailed(
            _("Link it to a party, a lead or an opportunity."),
            code="validation.required",
            field="party",
        )
    if lead is not None and opportunity is None and lead.opportunity_id:
        opportunity = lead.opportunity  # a qualified lead's touches go on with its opportunity
    if opportunity is not None:
        if party is None:
            party = opportunity.party
        elif party.pk != opportunity.party_id:
            raise ValidationFailed(
                _("The party is not the opportunity's customer."),
                code="reference.mismatch",
                field="party",
            )
    return party, lead, opportunity


# -- activities ------------------------------------------------------------------------------


@transaction.atomic
def activity_create(
    *,
    company: Company,
    kind: str,
    summary: str,
    due_at: datetime,
    owner,
    party=None,
    lead=None,
    opportunity=None,
    note: str = "",
    user=None,
) -> Activity:
    """Plan a call, email, meeting or task about a party, lead or opportunity (at least one)."""
    errors = FieldErrors()
    kind = errors.check(choice, kind, ActivityKind, field="kind")
    summary = errors.check(text, summary, field="summary", max_length=200, required=True)
    note = errors.check(text, note, field="note", max_length=TEXT_MAX)
    due_at = errors.check(a_datetime, due_at, field="due_at")
    if owner is None:
        errors.failures.append(
            ValidationFailed(_("Choose the owner."), code="validation.required", field="owner")
        )
    else:
        owner = errors.check(member, company, owner, field="owner")
    errors.raise_any()
    party, lead, opportunity = _links(company, party, lead, opportunity)
    activity = Activity.objects.create(
        company=company,
        kind=kind,
        summary=summary,
        note=note,
        due_at=due_at,
        owner=owner,
        party=party,
        lead=lead,
        opportunity=opportunity,
        created_by=user if user is not None and user.is_authenticated else None,
    )
    events.publish("activity.created", activity_id=activity.pk, company_id=company.pk)
    return activity


def _refuse_unless_planned(activity: Activity) -> None:
    if activity.state != ActivityState.PLANNED:
        raise ActivityNotPlanned(
            _("This activity is %(state)s, not planned.")
            % {"state": activity.get_state_display().lower()},
            extra={"state": activity.state},
        )


@transaction.atomic
def activity_update(
    *, activity: Activity, kind=UNSET, summary=UNSET, note=UNSET, due_at=UNSET, owner=UNSET
) -> Activity:
    """Change a planned activity; a new due time makes it due a reminder again."""
    activity = locked(Activity, activity.pk)
    _refuse_unless_planned(activity)
    company = activity.company
    errors = FieldErrors()
    if kind is not UNSET:
        activity.kind = errors.check(choice, kind, ActivityKind, field="kind")
    if summary is not UNSET:
        activity.summary = errors.check(
            text, summary, field="summary", max_length=200, required=True
        )
    if note is not UNSET:
        activity.note = errors.check(text, note, field="note", max_length=TEXT_MAX)
    if due_at is not UNSET:
        new_due = errors.check(a_datetime, due_at, field="due_at")
        if new_due is not None and new_due != activity.due_at:
            activity.due_at, activity.reminded_at = new_due, None
    if owner is not UNSET:
        activity.owner = errors.check(member, company, owner, field="owner")
        if owner is None:
            errors.failures.append(
                ValidationFailed(_("Choose the owner."), code="validation.required", field="owner")
            )
    errors.raise_any()
    activity.save()
    return activity


@transaction.atomic
def activity_done(
    *, activity: Activity, outcome: str = "", user=None, now: datetime | None = None
) -> Activity:
    """Mark a planned activity done with its outcome; 409 `activity.not_planned` otherwise."""
    outcome = text(outcome, field="outcome", max_length=TEXT_MAX)
    activity = locked(Activity, activity.pk)
    _refuse_unless_planned(activity)
    activity.state = ActivityState.DONE
    activity.done_at = now or timezone.now()
    activity.outcome = outcome
    activity.save()
    cadence_after_done(activity=activity, user=user)
    events.publish("activity.done", activity_id=activity.pk, company_id=activity.company_id)
    return activity


@transaction.atomic
def activity_cancel(*, activity: Activity) -> Activity:
    activity = locked(Activity, activity.pk)
    _refuse_unless_planned(activity)
    activity.state = ActivityState.CANCELLED
    activity.save()
    return activity


@transaction.atomic
def activity_delete(*, activity: Activity) -> None:
    """A done activity is part of the record's history and stays."""
    activity = locked(Activity, activity.pk)
    if activity.state == ActivityState.DONE:
        raise ActivityNotPlanned(_("A done activity cannot be deleted."), extra={"state": "done"})
    activity.delete()


# -- interactions ----------------------------------------------------------------------------


@transaction.atomic
def interaction_log(
    *,
    company: Company,
    kind: str,
    direction: str = Direction.OUT,
    occurred_at: datetime | None = None,
    duration_minutes: int | None = None,
    subject: str = "",
    body: str = "",
    outcome: str = "",
    party=None,
    lead=None,
    opportunity=None,
    user=None,
    message_id: str = "",
    now: datetime | None = None,
) -> Interaction:
    """Record a touch that happened (not in the future) on a party, lead or opportunity."""
    now = now or timezone.now()
    errors = FieldErrors()
    kind = errors.check(choice, kind, InteractionKind, field="kind")
    direction = errors.check(choice, direction, Direction, field="direction")
    subject = errors.check(text, subject, field="subject", max_length=200)
    body = errors.check(text, body, field="body", max_length=TEXT_MAX)
    outcome = errors.check(text, outcome, field="outcome", max_length=500)
    message_id = errors.check(text, message_id, field="message_id", max_length=255)
    if occurred_at is None:
        occurred_at = now
    else:
        occurred_at = errors.check(a_datetime, occurred_at, field="occurred_at")
        if occurred_at is not None and occurred_at > now + FUTURE_SKEW:
            errors.failures.append(
                ValidationFailed(
                    _("A logged interaction cannot lie in the future; plan an activity instead."),
                    code="interaction.in_future",
                    field="occurred_at",
                )
            )
    if duration_minutes is not None and (
        isinstance(duration_minutes, bool)
        or not isinstance(duration_minutes, int)
        or not 0 <= duration_minutes <= DURATION_MAX
    ):
        errors.failures.append(
            ValidationFailed(
                _("Enter minutes from 0 to %(max)d.") % {"max": DURATION_MAX},
                code="validation.invalid",
                field="duration_minutes",
            )
        )
    errors.raise_any()
    party, lead, opportunity = _links(company, party, lead, opportunity)
    interaction = Interaction.objects.create(
        company=company,
        kind=kind,
        direction=direction,
        occurred_at=occurred_at,
        duration_minutes=duration_minutes,
        subject=subject,
        body=body,
        outcome=outcome,
        party=party,
        lead=lead,
        opportunity=opportunity,
        user=user if user is not None and user.is_authenticated else None,
        message_id=message_id,
    )
    events.publish("interaction.logged", interaction_id=interaction.pk, company_id=company.pk)
    return interaction


# -- reminders and calendar feeds ------------------------------------------------------------

REMINDER_WINDOW = timedelta(hours=1)


def _reminder_text(activity: Activity) -> tuple[str, str]:
    language = activity.owner.language or settings.LANGUAGE_CODE
    with translation.override(language):
        local = timezone.localtime(activity.due_at, company_zone(activity.company))
        when = local.strftime("%Y-%m-%d %H:%M")
        about = activity.opportunity or activity.lead or activity.party
        subject = _("Reminder: %(summary)s at %(when)s") % {
            "summary": activity.summary,
            "when": local.strftime("%H:%M"),
        }
        lines = [
            _("%(kind)s due %(when)s (%(tz)s)")
            % {
                "kind": activity.get_kind_display(),
                "when": when,
                "tz": activity.company.time_zone,
            },
            activity.summary,
        ]
        if about is not None:
            lines.append(_("About: %(name)s") % {"name": about})
        if activity.note:
            lines += ["", activity.note]
    return subject, "\n".join(lines)


def activity_reminders_send(*, now: datetime | None = None) -> int:
    """Email each owner about their planned activities due within the next hour, once.

    The activities are marked reminded in a committed transaction first, then the emails
    leave; a second run (or a concurrent worker, which skips the locked rows) sends nothing
    again. Returns the number of emails sent.
    """
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Activity.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                state=ActivityState.PLANNED,
                reminded_at__isnull=True,
                due_at__gte=now,
                due_at__lt=now + REMINDER_WINDOW,
            )
            .select_related("owner", "company", "party", "lead", "opportunity")
            .order_by("pk")
        )
        Activity.objects.filter(pk__in=[a.pk for a in due]).update(reminded_at=now)
    sent = 0
    for activity in due:
        if not activity.owner.email:
            continue
        subject, body = _reminder_text(activity)
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [activity.owner.email])
        except Exception:  # one bad address must not stop the others
            logger.exception("reminder for activity %s failed", activity.pk)
            continue
        sent += 1
    return sent


def calendar_feed_token(*, user: User, regenerate: bool = False) -> str:
    """The user's secret calendar token, made on first use; `regenerate` revokes the old one."""
    with transaction.atomic():
        feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
        if feed is None:
            feed = CalendarFeed.objects.create(user=user, token=secrets.token_urlsafe(32))
        elif regenerate:
            feed.token = secrets.token_urlsafe(32)
            feed.save(update_fields=["token"])
    return feed.token
