"""Business calendars: when a company (or a team) works.

A calendar has an IANA time zone, a country whose public holidays and adjusted working days
(China's 调休) it follows, and working intervals per weekday as wall-clock times in its zone
(several a day: 09:00-12:00 and 13:00-18:00). Single dates are overridden by CalendarDay rows:
a company holiday, or a working day (optionally with its own intervals). The arithmetic lives
in ``tandem.core.calendars``.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import CompanyScoped


def default_week() -> dict:
    """Monday to Friday, 09:00-12:00 and 13:00-18:00 (keys are date.weekday(), 0 = Monday)."""
    day = [["09:00", "12:00"], ["13:00", "18:00"]]
    return {str(d): [list(i) for i in day] for d in range(5)}


class BusinessCalendar(CompanyScoped):
    name = models.CharField(_("name"), max_length=100)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    # ISO 3166 code for the `holidays` package ("CN", "DE"); blank: no public holidays.
    country = models.CharField(_("country"), max_length=2, blank=True)
    subdivision = models.CharField(_("subdivision"), max_length=10, blank=True)
    # {"0": [["09:00", "12:00"], ["13:00", "18:00"]], ..., "6": []}; "24:00" ends a day.
    # Normalised and checked by tandem.core.calendars.intervals_clean.
    week = models.JSONField(_("working hours"), default=default_week)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="core_calendar_name_unique"),
        ]

    def __str__(self):
        return self.name


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday")
    WORKING = "working", _("Working day")


class CalendarDay(CompanyScoped):
    """One date that differs from the calendar's week and its country's holidays."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="days", verbose_name=_("calendar")
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=CalendarDayKind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    # For a working day: its own intervals ([["09:00", "12:00"]]); empty: the calendar's
    # standard day (the first weekday that has working hours).
    intervals = models.JSONField(_("working hours"), default=list, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="core_calendar_day_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=["holiday", "working"]), name="core_calendar_day_kind"
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.kind} {self.name}".strip()
