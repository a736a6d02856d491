"""An iCalendar (RFC 5545) feed of a user's planned activities, written by hand.

Lines end in CRLF, are folded at 75 octets (never inside a UTF-8 sequence), and TEXT values
escape backslash, semicolon, comma and newline (section 3.3.11).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from tandem.core.models import Membership

from .models import Activity, ActivityKind, ActivityState

PRODID = "-//Tandem//CRM activities//EN"
FEED_PAST_DAYS = 90
FEED_MAX = 2000
DURATIONS = {ActivityKind.MEETING: "PT1H", ActivityKind.CALL: "PT15M"}
DEFAULT_DURATION = "PT30M"


def escape_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Split a content line into pieces of at most 75 octets, continued by CRLF + space."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    pieces, current, size, limit = [], [], 0, 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append("".join(current))
            current, size, limit = [], 0, 74  # continuation lines start with one space
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n ".join(pieces)


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def feed_activities(user, *, now: datetime | None = None):
    """The user's planned activities in the companies they are an active member of."""
    now = now or timezone.now()
    companies = Membership.objects.filter(user=user, is_active=True).values("company_id")
    return (
        Activity.objects.filter(
            owner=user,
            state=ActivityState.PLANNED,
            company_id__in=companies,
            due_at__gte=now - timedelta(days=FEED_PAST_DAYS),
        )
        .select_related("company", "party", "lead", "opportunity")
        .order_by("due_at", "id")[:FEED_MAX]
    )


def calendar(user, *, now: datetime | None = None, name: str = "Tandem") -> str:
    now = now or timezone.now()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for activity in feed_activities(user, now=now):
        about = activity.opportunity or activity.lead or activity.party
        description = [activity.get_kind_display()]
        if about is not None:
            description.append(str(about))
        if activity.note:
            description.append(activity.note)
        lines += [
            "BEGIN:VEVENT",
            f"UID:crm-activity-{activity.pk}-{activity.company.code}@tandem",
            f"DTSTAMP:{_stamp(now)}",
            f"LAST-MODIFIED:{_stamp(activity.updated_at)}",
            f"DTSTART:{_stamp(activity.due_at)}",
            f"DURATION:{DURATIONS.get(activity.kind, DEFAULT_DURATION)}",
            f"SUMMARY:{escape_text(activity.summary)}",
            f"DESCRIPTION:{escape_text(chr(10).join(description))}",
            f"CATEGORIES:{escape_text(activity.kind.upper())}",
            "STATUS:CONFIRMED",
            "TRANSP:OPAQUE",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
