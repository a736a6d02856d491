"""The outbox: every published domain event, written in the publishing transaction.

A row is the durable record that something happened; `core.events` delivers it to the
subscribers after commit and the retry task picks up what failed. A receipt per
(event, subscriber) is written in the subscriber's own transaction, so a retry runs only
the subscribers that have not succeeded yet.
"""

import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import Company


def new_event_uid() -> str:
    # the Standard Webhooks `webhook-id` of every delivery of this event
    return f"evt_{uuid.uuid4().hex}"


class EventState(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    DEAD = "dead", _("Dead")


class OutboxEvent(models.Model):
    uid = models.CharField(_("event id"), max_length=40, unique=True, default=new_event_uid)
    name = models.CharField(_("event"), max_length=100, db_index=True)
    # no database constraint: the outbox is a log, and a test or a script may publish for a
    # company id that is gone by the time the retry task looks
    company = models.ForeignKey(
        Company,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("company"),
    )
    payload = models.JSONField(_("payload"), encoder=DjangoJSONEncoder, default=dict)
    state = models.CharField(
        _("state"), max_length=10, choices=EventState.choices, default=EventState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="outbox_due")]

    def __str__(self):
        return f"{self.uid} {self.name} ({self.state})"


class OutboxReceipt(models.Model):
    """One subscriber's success on one event, committed with the subscriber's own work."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="receipts")
    subscriber = models.CharField(max_length=200)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "subscriber"], name="outbox_receipt_unique")
        ]
