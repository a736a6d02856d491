"""The hr demo: departments, ~60 employees with versions, leave in every state, a month of
attendance, three posted PRC payroll months that pass the integrity check, a review cycle."""

import random
import time
from datetime import date

import pytest

from tandem.hr import checks
from tandem.hr.demo import load_hr_demo
from tandem.hr.models import (
    Attendance,
    Department,
    Employee,
    EmployeeVersion,
    Goal,
    LeaveRequest,
    PayrollInput,
    PayrollRun,
    Review,
    ReviewCycle,
)

pytestmark = pytest.mark.django_db


def test_the_demo_loads_quickly_and_posts_three_balanced_months(books, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 12, 7))
    started = time.perf_counter()
    load_hr_demo(company=books, parties=[], products=[], rng=random.Random(1), size="small")
    seconds = time.perf_counter() - started
    assert Department.objects.filter(company=books).count() == 6
    assert Employee.objects.filter(company=books).count() == 60
    assert EmployeeVersion.objects.filter(company=books).count() > 60
    assert set(LeaveRequest.objects.values_list("state", flat=True)) == {
        "draft",
        "submitted",
        "approved",
        "refused",
        "cancelled",
    }
    assert Attendance.objects.filter(company=books).count() > 900
    assert PayrollInput.objects.filter(kind="overtime", period="2026-06").exists()
    runs = PayrollRun.objects.filter(company=books).order_by("period")
    assert [(r.period, r.state) for r in runs] == [
        ("2026-04", "posted"),
        ("2026-05", "posted"),
        ("2026-06", "posted"),
    ]
    assert all(r.payslips.filter(state="failed").count() == 0 for r in runs)
    assert list(checks.posted_runs_match_entries()) == []
    assert list(checks.leave_requests_match_ledger()) == []
    assert ReviewCycle.objects.filter(company=books, state="open").count() == 1
    assert Goal.objects.exists() and Review.objects.exists()
    print(f"hr demo: {seconds:.1f} s")
