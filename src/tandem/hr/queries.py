"""HR reads that pages and the API share."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from .models import EmployeeDocument

EXPIRY_WINDOW_DAYS = 30


def employee_documents(company, employee=None) -> QuerySet:
    qs = EmployeeDocument.objects.filter(company=company).select_related("employee")
    if employee is not None:
        qs = qs.filter(employee=employee)
    return qs.order_by("-created_at", "-pk")


def documents_expiring(
    company, *, within_days: int = EXPIRY_WINDOW_DAYS, today: date | None = None
) -> QuerySet:
    """Documents whose validity ends from today to `within_days` days ahead, soonest first."""
    today = today or timezone.localdate()
    return (
        EmployeeDocument.objects.filter(
            company=company,
            valid_to__gte=today,
            valid_to__lte=today + timedelta(days=within_days),
        )
        .select_related("employee")
        .order_by("valid_to", "employee__number", "pk")
    )


def expiry_state(document: EmployeeDocument, today: date | None = None) -> str:
    """`expired`, `expiring` (within the window) or `` (no end, or later)."""
    if document.valid_to is None:
        return ""
    today = today or timezone.localdate()
    if document.valid_to < today:
        return "expired"
    if document.valid_to <= today + timedelta(days=EXPIRY_WINDOW_DAYS):
        return "expiring"
    return ""
