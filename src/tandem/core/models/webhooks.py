"""Webhook endpoints of a company and the deliveries of outbox events to them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import CompanyScoped
from .events import OutboxEvent


class WebhookEndpoint(CompanyScoped):
    url = models.URLField(_("URL"), max_length=2000)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # event names from the catalogue (`tandem.core.event_catalog`)
    events = models.JSONField(_("events"), default=list)
    # kept readable: every delivery is signed with it; shown to the user only once
    secret = models.CharField(max_length=100)
    active = models.BooleanField(_("active"), default=True)
    disabled_reason = models.CharField(_("disabled because"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        permissions = [("manage_webhooks", _("Can manage webhooks"))]

    def __str__(self):
        return self.url


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    DEAD = "dead", _("Dead")


class WebhookDelivery(CompanyScoped):
    """One event to one endpoint: retried on the schedule until delivered or dead.

    A replay is a new delivery of the same event (the same `webhook-id`), pointing at the
    delivery it replays.
    """

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("endpoint"),
    )
    event = models.ForeignKey(
        OutboxEvent, on_delete=models.CASCADE, related_name="+", verbose_name=_("event")
    )
    replay_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("replay of"),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    response_excerpt = models.TextField(_("response"), blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    next_retry_at = models.DateTimeField(
        _("next retry"), null=True, blank=True, default=timezone.now
    )
    # set while a worker is sending it; a worker killed mid-delivery leaves it to run out
    claimed_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            # the fan-out may run twice: one first delivery per endpoint and event
            models.UniqueConstraint(
                fields=["endpoint", "event"],
                condition=Q(replay_of__isnull=True),
                name="webhook_delivery_once",
            )
        ]
        indexes = [models.Index(fields=["state", "next_retry_at"], name="webhook_delivery_due")]

    def __str__(self):
        return f"{self.event_id} -> {self.endpoint_id} ({self.state})"
