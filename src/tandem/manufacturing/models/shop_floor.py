"""A running timer on an order's operation (the shop-floor page's start/finish buttons);
finishing it logs the elapsed time as a work log, costed like any other."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tandem.core.models import CompanyScoped


class WorkTimer(CompanyScoped):
    mo = models.ForeignKey(
        "manufacturing.ManufacturingOrder", on_delete=models.CASCADE, related_name="timers"
    )
    operation = models.ForeignKey(
        "manufacturing.BomOperation",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("operation"),
    )
    started_at = models.DateTimeField(_("started at"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["started_at", "id"]
        verbose_name = _("work timer")
        verbose_name_plural = _("work timers")
        constraints = [
            models.UniqueConstraint(fields=["mo", "operation"], name="work_timer_one_running")
        ]
