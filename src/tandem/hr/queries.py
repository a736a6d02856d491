"""HR reads that pages and the API share."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from tandem.core.services import company_zone

from .models import EmployeeDocument

EXPIRY_WINDOW_DAYS = 30


def company_today(company) -> date:
    """Today at the company: a document's validity is a date where the company is, the same
    for a page (shown in the user's zone) and the API (which runs in UTC)."""
    return timezone.localdate(timezone=company_zone(company))


def employee_documents(company, employee=None) -> QuerySet:
    qs = EmployeeDocument.objects.filter(company=company).select_related("employee", "company")
    if employee is not None:
        qs = qs.filter(employee=employee)
    return qs.order_by("-created_at", "-pk")


def documents_expiring(
    company, *, within_days: int = EXPIRY_WINDOW_DAYS, today: date | None = None
) -> QuerySet:
    """Documents whose validity ends from today to `within_days` days ahead, soonest first."""
    today = today or company_today(company)
    return (
        EmployeeDocument.objects.filter(
            company=company,
            valid_to__gte=today,
            valid_to__lte=today + timedelta(days=within_days),
        )
        .select_related("employee", "company")
        .order_by("valid_to", "employee__number", "pk")
    )


def expiry_state(document: EmployeeDocument, today: date | None = None) -> str:
    """`expired`, `expiring` (within the window) or `` (no end, or later)."""
    if document.valid_to is None:
        return ""
    today = today or company_today(document.company)
    if document.valid_to < today:
        return "expired"
    if document.valid_to <= today + timedelta(days=EXPIRY_WINDOW_DAYS):
        return "expiring"
    return ""
