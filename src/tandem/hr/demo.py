"""The hr part of the demo company (`tandem demo`), loaded by tandem.demo after the CRM
part: departments, ~60 employees with versions on a working calendar, leave types with
accruals and requests in every state, a month of attendance whose overtime feeds payroll,
three PRC payroll months computed and posted through the real services, and one review
cycle with goals (a sales rep's from their CRM targets) and reviews."""

from __future__ import annotations

import calendar as pycalendar
import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from tandem.core.errors import DomainError
from tandem.core.models import Company, User

from . import services
from .models import Attendance, SocialInsuranceRule

DEPARTMENTS = [  # (name, parent)
    ("总经办 Management", None),
    ("销售部 Sales", "总经办 Management"),
    ("运营部 Operations", "总经办 Management"),
    ("仓储部 Warehouse", "运营部 Operations"),
    ("财务部 Finance", "总经办 Management"),
    ("人力资源部 HR", "总经办 Management"),
]
POSITIONS = ["General manager", "Manager", "Sales representative", "Specialist", "Clerk"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平"
# demo users (tandem.demo) who are employees too: (username, name, department)
LINKED = [
    ("li.na", "李娜 Li Na", "销售部 Sales"),
    ("zhang.wei", "张伟 Zhang Wei", "仓储部 Warehouse"),
    ("wang.fang", "王芳 Wang Fang", "财务部 Finance"),
    ("chen.jie", "陈杰 Chen Jie", "运营部 Operations"),
]


def _payroll_months(today: date) -> list[str]:
    """The three latest months that end before this month and inside the PRC pack for every
    city the demo uses (a city whose new year is not shipped stops the demo's months there)."""
    last = today.replace(day=1) - timedelta(days=1)
    ends = {}
    for city, end in SocialInsuranceRule.objects.values_list("city", "valid_to"):
        if city in ends and (ends[city] is None or end is None):
            ends[city] = None
        else:
            ends[city] = end if city not in ends else max(ends[city], end)
    bounded = [end for end in ends.values() if end is not None]
    if bounded:
        last = min(last, min(bounded))
    months = []
    day = last.replace(day=1)
    for _ in range(3):
        months.insert(0, f"{day:%Y-%m}")
        day = (day - timedelta(days=1)).replace(day=1)
    return months


def load_hr_demo(
    *, company: Company, parties: list, products: list, rng: random.Random, size: str
) -> None:
    from tandem.core.calendars import business_calendar_create
    from tandem.sales.demo import fiscal_years_ensure

    services.prc_pack_ensure()
    today = timezone.localdate()
    months = _payroll_months(today)
    first_month = date.fromisoformat(f"{months[0]}-01")
    fiscal_years_ensure(company, first_month, today)
    office = business_calendar_create(company=company, name="总部 Head office", country="CN")

    departments: dict[str, object] = {}
    for name, parent in DEPARTMENTS:
        departments[name] = services.department_create(
            company=company, name=name, parent=departments.get(parent)
        )
    positions = {name: services.position_create(company=company, name=name) for name in POSITIONS}
    count = 60 if size == "small" else 200
    heads: dict[str, object] = {}
    employees = []
    users = {u.username: u for u in User.objects.filter(username__in=[u for u, *_ in LINKED])}
    plan = []
    for name, _parent in DEPARTMENTS:
        plan.append((None, f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}", name, True))
    for username, person, department in LINKED:
        plan.append((users.get(username), person, department, False))
    names = [d for d, _ in DEPARTMENTS[1:]]
    while len(plan) < count:
        plan.append((None, f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}", rng.choice(names), False))
    for index, (user, person, department, is_head) in enumerate(plan, start=1):
        city = "beijing" if rng.random() < 0.2 else "shanghai"
        salary = Decimal(rng.randrange(40, 450 if is_head else 300) * 100 + 8000 * is_head)
        deductions = {}
        if rng.random() < 0.3:
            deductions["children_education"] = "2000"
        if rng.random() < 0.2:
            deductions["housing_rent"] = "1500"
        if rng.random() < 0.2:
            deductions["elderly_support"] = "1500"
        hired = date(2018, 1, 1) + timedelta(
            days=rng.randrange(0, (first_month - date(2018, 1, 1)).days)
        )
        if index == count:  # one hire in the middle month: a pro rata month
            hired = date.fromisoformat(f"{months[1]}-15")
        manager = None if is_head else heads.get(department)
        employee = services.employee_create(
            company=company,
            number=f"E{index:04d}",
            name=person,
            hire_date=hired,
            user=user,
            email=f"e{index:04d}@demo.tandem.invalid",
            version={
                "department": departments[department],
                "position": positions[
                    "General manager"
                    if is_head and department == DEPARTMENTS[0][0]
                    else "Manager"
                    if is_head
                    else (
                        "Sales representative"
                        if department.endswith("Sales")
                        else rng.choice(["Specialist", "Clerk"])
                    )
                ],
                "manager": manager,
                "base_salary": salary,
                "social_insurance_city": city,
                "housing_fund_rate": Decimal("0.12" if city == "beijing" else "0.07"),
                "special_deductions": deductions,
                "calendar": office,
            },
        )
        if is_head:
            heads[department] = employee
            services.department_update(department=departments[department], manager=employee)
        employees.append(employee)
    # a raise from the second payroll month for every fifth employee: a second version
    for employee in employees[::5]:
        version = employee.versions.order_by("-effective_from").first()
        start = date.fromisoformat(f"{months[1]}-01")
        if version.effective_from < start:
            services.employee_version_create(
                employee=employee,
                effective_from=start,
                department=version.department,
                position=version.position,
                manager=version.manager,
                base_salary=version.base_salary + 1000,
                social_insurance_city=version.social_insurance_city,
                housing_fund_rate=version.housing_fund_rate,
                special_deductions=version.special_deductions,
                calendar=office,
            )

    _leave(company, employees, rng, today)
    _attendance(company, employees, rng, months[-1])
    services.attendance_overtime_to_payroll(company=company, period=months[-1])
    structure = services.salary_structure_install_prc(company=company)
    for month in months:
        run = services.payroll_run_create(company=company, period=month, structure=structure)
        run = services.payroll_run_compute(run=run)
        services.payroll_run_post(run=run)
    _reviews(company, employees, heads, users, rng, today)


def _leave(company, employees, rng, today):
    year_start = date(today.year, 1, 1)
    annual = services.leave_type_create(
        company=company,
        code="ANNUAL",
        name="年假 Annual leave",
        accrual="monthly",
        accrual_amount="1.25",
        accrual_start=year_start,
        cap="20",
        carry_over_limit="5",
        carry_over_expiry_months=3,
    )
    sick = services.leave_type_create(
        company=company, code="SICK", name="病假 Sick leave", allow_negative=True
    )
    services.leave_type_create(
        company=company,
        code="PERSONAL",
        name="事假 Personal leave",
        unit="hour",
        allow_negative=True,
    )
    services.leave_type_create(company=company, code="MARRIAGE", name="婚假 Marriage leave")
    services.leave_accrue(company=company, as_of=today)
    plans = [("approved", -60 + 7 * n) for n in range(6)] + [
        ("submitted", 10),
        ("submitted", 17),
        ("draft", 24),
        ("refused", 31),
        ("cancelled", 38),
    ]
    picked = rng.sample(employees[6:], len(plans))
    for employee, (state, offset) in zip(picked, plans, strict=True):
        start = today + timedelta(days=offset)
        while start.weekday() >= 5:
            start += timedelta(days=1)
        kind = sick if state == "refused" else annual
        try:
            request = services.leave_request_create(
                company=company,
                employee=employee,
                leave_type=kind,
                start=start,
                end=start + timedelta(days=1),
                reason="Family trip" if kind == annual else "Flu",
            )
            if state == "draft":
                continue
            request = services.leave_request_submit(request=request, notify=False)
            if state in ("approved", "cancelled"):
                request = services.leave_request_approve(request=request, notify=False)
            if state == "refused":
                services.leave_request_refuse(request=request, note="Busy week", notify=False)
            if state == "cancelled":
                services.leave_request_cancel(request=request)
        except DomainError:
            continue


def _attendance(company, employees, rng, period):
    """Every working day of the month for every employee: arrivals around 9:00 (a few
    late), some evenings of overtime and one Saturday for a few, as a clock device would
    record them (bulk, no overlaps by construction)."""
    from tandem.core.calendars import is_working_day

    zone = ZoneInfo(company.time_zone or "Asia/Shanghai")
    first = date.fromisoformat(f"{period}-01")
    last = first.replace(day=pycalendar.monthrange(first.year, first.month)[1])
    calendar_ = services.employee_calendar(employees[0], first)
    rows = []
    day = first
    while day <= last:
        working = is_working_day(calendar_, day)
        for employee in employees:
            if employee.hire_date > day or (not working and rng.random() > 0.03):
                continue
            if working and rng.random() < 0.03:
                continue  # absent
            arrive = datetime.combine(day, datetime.min.time(), tzinfo=zone) + timedelta(
                hours=8, minutes=rng.randint(40, 75 if rng.random() < 0.1 else 59)
            )
            hours = 9 + (rng.choice([0, 0, 0, 1, 2]) if working else 4 - 9)
            rows.append(
                Attendance(
                    company=company,
                    employee=employee,
                    check_in=arrive,
                    check_out=arrive + timedelta(hours=hours, minutes=rng.randint(0, 20)),
                    source="demo",
                )
            )
        day += timedelta(days=1)
    Attendance.objects.bulk_create(rows, batch_size=2000)


def _reviews(company, employees, heads, users, rng, today):
    half = 1 if today.month <= 6 else 2
    start = date(today.year, 1 if half == 1 else 7, 1)
    end = date(today.year, 6, 30) if half == 1 else date(today.year, 12, 31)
    cycle = services.review_cycle_create(
        company=company, name=f"{today.year} H{half}", start=start, end=end
    )
    cycle = services.review_cycle_transition(cycle=cycle, state="open")
    rep = next(
        (e for e in employees if users.get("li.na") and e.user_id == users["li.na"].pk), None
    )
    reviewed = [rep, *rng.sample(employees[10:], 8)] if rep else rng.sample(employees[10:], 9)
    for employee in reviewed:
        try:
            if employee is rep:
                services.goal_sales_target(cycle=cycle, employee=employee, weight=60)
            else:
                services.goal_create(
                    cycle=cycle,
                    employee=employee,
                    title="Close the month on time",
                    weight=60,
                    key_results=[
                        {"title": "Days late", "target": "6", "actual": str(rng.randint(3, 6))}
                    ],
                )
            services.goal_create(
                cycle=cycle,
                employee=employee,
                title="Learn the new ERP",
                weight=40,
                key_results=[
                    {"title": "Modules used", "target": "4", "actual": str(rng.randint(1, 4))}
                ],
            )
            services.review_submit(
                cycle=cycle,
                employee=employee,
                kind="self",
                rating=rng.randint(3, 5),
                comment="On track.",
            )
            if rng.random() < 0.6:
                services.review_submit(
                    cycle=cycle,
                    employee=employee,
                    kind="manager",
                    rating=rng.randint(2, 5),
                    comment="Good work.",
                )
        except DomainError:
            continue
