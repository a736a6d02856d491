"""Quality alerts: N complaints about one lot within a window raise one alert (and a mail to
the rule's recipient); checked when a complaint is recorded, idempotent per lot and window."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tandem.core.errors import ValidationFailed

from ..models import QualityAlert, QualityAlertRule, QualityIssue, Ticket

logger = logging.getLogger(__name__)


def complaints(company_id) -> object:
    """Complaint tickets: a defect code, or linked to a quality issue."""
    linked = QualityIssue.tickets.through.objects.filter(
        qualityissue__company_id=company_id
    ).values("ticket_id")
    return Ticket.objects.filter(company_id=company_id, merged_into=None).filter(
        ~Q(defect_code="") | Q(pk__in=linked)
    )


@transaction.atomic
def quality_alert_rule_set(
    *, company, threshold: int, window_days: int, notify=None, active: bool = True
) -> QualityAlertRule:
    from .tickets import _member

    if not isinstance(threshold, int) or not 2 <= threshold <= 10_000:
        raise ValidationFailed("threshold: 2 to 10000", code="validation.range", field="threshold")
    if not isinstance(window_days, int) or not 1 <= window_days <= 3650:
        raise ValidationFailed(
            "window_days: 1 to 3650", code="validation.range", field="window_days"
        )
    _member(company, notify, field="notify")
    rule, _ = QualityAlertRule.objects.update_or_create(
        company=company,
        defaults={
            "threshold": threshold,
            "window_days": window_days,
            "notify": notify,
            "active": bool(active),
        },
    )
    return rule


def quality_alert_check(*, ticket: Ticket, now: datetime | None = None) -> QualityAlert | None:
    """After a complaint about `ticket.lot`: raise the lot's alert when the rule's threshold
    is reached within its window and no alert for the lot was raised inside that window."""
    if ticket.lot_id is None:
        return None
    rule = (
        QualityAlertRule.objects.filter(company_id=ticket.company_id, active=True)
        .select_related("notify")
        .first()
    )
    if rule is None:
        return None
    now = now or timezone.now()
    since = now - timedelta(days=rule.window_days)
    count = complaints(ticket.company_id).filter(lot_id=ticket.lot_id, opened_at__gte=since)
    n = count.count()
    if n < rule.threshold:
        return None
    if QualityAlert.objects.filter(
        company_id=ticket.company_id, lot_id=ticket.lot_id, raised_at__gte=since
    ).exists():
        return None
    alert = QualityAlert.objects.create(
        company_id=ticket.company_id,
        lot_id=ticket.lot_id,
        product_id=ticket.product_id or ticket.lot.product_id,
        complaints=n,
        since=since,
        raised_at=now,
    )
    if rule.notify is not None and rule.notify.email:
        address = rule.notify.email
        subject = f"Quality alert: {n} complaints about lot {ticket.lot.name}"

        def send():
            try:
                send_mail(subject, subject, settings.DEFAULT_FROM_EMAIL, [address])
            except Exception:  # noqa: BLE001
                logger.exception("quality alert mail failed")

        transaction.on_commit(send)
    return alert
