"""Leave: accrual with a cap and carry-over across a year boundary, start vs end of period,
pro rata for new hires, requests counted on the PRC calendar (public holidays, swapped
working days), the state machine, refusals that change nothing, and the ledger property."""

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.core.errors import DomainError
from tandem.hr import services
from tandem.hr.models import LeaveEntry, LeaveRequest

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def staff(company):
    """staff(number, hired) -> an employee with a first version."""

    def make(number="E1", hired=date(2024, 1, 1), **version):
        return services.employee_create(
            company=company,
            number=number,
            name=f"Employee {number}",
            hire_date=hired,
            version={"base_salary": "10000", **version},
        )

    return make


def _type(company, code="ANNUAL", **rules):
    return services.leave_type_create(company=company, code=code, name=code.title(), **rules)


def _balance(employee, leave_type, on):
    return services.leave_balance(employee=employee, leave_type=leave_type, as_of=on)


def _take(company, employee, leave_type, start, end, **extra):
    request = services.leave_request_create(
        company=company, employee=employee, leave_type=leave_type, start=start, end=end, **extra
    )
    request = services.leave_request_submit(request=request)
    return services.leave_request_approve(request=request)


def test_cap_and_carry_over_with_expiry_across_a_year_boundary(company, staff):
    # given 2 days a month at the start of each month, a cap of 20, at most 5 carried into
    # the next year and carried days lost when not taken by the end of March
    annual = _type(
        company,
        accrual="monthly",
        accrual_amount="2",
        accrual_timing="start",
        cap="20",
        carry_over_limit="5",
        carry_over_expiry_months=3,
    )
    li = staff(hired=date(2024, 1, 1))
    # when January to October accrue, two days are taken in November, the job runs to the
    # end of January 2025, one day is taken in February and the job runs to 1 April 2025
    assert services.leave_accrue(company=company, as_of=date(2024, 10, 31)) == {"entries": 10}
    assert _balance(li, annual, date(2024, 10, 31)) == D("20")
    _take(company, li, annual, date(2024, 11, 4), date(2024, 11, 5))
    assert services.leave_accrue(company=company, as_of=date(2025, 1, 31)) == {"entries": 4}
    # then November accrues nothing (the balance is at the cap on 1 November), December
    # refills the 2 taken, 1 January trims 20 to the 5 that may be carried and accrues 2
    rows = list(
        LeaveEntry.objects.filter(employee=li, date__gte=date(2024, 11, 1))
        .order_by("date", "pk")
        .values_list("date", "kind", "amount")
    )
    assert rows == [
        (date(2024, 11, 1), "accrual", D("0.00")),
        (date(2024, 11, 4), "taken", D("-2.00")),
        (date(2024, 12, 1), "accrual", D("2.00")),
        (date(2025, 1, 1), "carry_over", D("-15.00")),
        (date(2025, 1, 1), "accrual", D("2.00")),
    ]
    assert _balance(li, annual, date(2024, 12, 31)) == D("20")
    assert _balance(li, annual, date(2025, 1, 1)) == D("7")
    _take(company, li, annual, date(2025, 2, 10), date(2025, 2, 10))
    assert services.leave_accrue(company=company, as_of=date(2025, 4, 1)) == {"entries": 4}
    # then of the 5 carried days, 1 was taken: 4 expire on 1 April, before April's accrual
    assert _balance(li, annual, date(2025, 3, 31)) == D("7") + 2 - 1 + 2
    expiry = LeaveEntry.objects.get(employee=li, kind="expiry")
    assert (expiry.date, expiry.amount) == (date(2025, 4, 1), D("-4.00"))
    assert _balance(li, annual, date(2025, 4, 1)) == D("8")
    # and running the job again writes nothing
    assert services.leave_accrue(company=company, as_of=date(2025, 4, 1)) == {"entries": 0}


def test_accrual_at_the_start_or_the_end_of_the_period(company, staff):
    early = _type(company, "EARLY", accrual="monthly", accrual_amount="1", accrual_timing="start")
    late = _type(company, "LATE", accrual="monthly", accrual_amount="1", accrual_timing="end")
    li = staff(hired=date(2025, 1, 1))
    services.leave_accrue(company=company, as_of=date(2025, 3, 15))
    assert [_balance(li, early, d) for d in (date(2025, 1, 15), date(2025, 3, 15))] == [1, 3]
    assert [_balance(li, late, d) for d in (date(2025, 1, 15), date(2025, 3, 15))] == [0, 2]
    assert _balance(li, late, date(2025, 1, 31)) == 1


def test_a_new_hire_accrues_pro_rata(company, staff):
    # given 10 days a year and 2 days a month, both pro rata, accruing from the hire date
    yearly = _type(company, "YEARLY", accrual="yearly", accrual_amount="10")
    monthly = _type(company, "MONTHLY", accrual="monthly", accrual_amount="2")
    li = staff(hired=date(2025, 4, 1))
    wang = staff("E2", hired=date(2025, 3, 16))
    services.leave_accrue(company=company, as_of=date(2026, 1, 1))
    # then 275 of 365 days of 10 = 7.53, rounded down to the half day: 7.5 on the hire date,
    # then the full 10 on 1 January
    assert _balance(li, yearly, date(2025, 4, 1)) == D("7.5")
    assert _balance(li, yearly, date(2026, 1, 1)) == D("17.5")
    # and 16 of 31 days of March of 2 days = 1.03 -> 1, then 2 a month from April
    assert _balance(wang, monthly, date(2025, 3, 31)) == D("1")
    assert _balance(wang, monthly, date(2025, 4, 1)) == D("3")


def test_a_request_spanning_the_spring_festival_and_a_swapped_saturday(company, staff):
    # given the 2025 Spring Festival: 3 and 4 February are public holidays, Saturday
    # 8 February is a working day in exchange (国办发明电〔2024〕12号)
    annual = _type(company, allow_negative=True)
    li = staff()
    # when a request covers Monday 3 to Sunday 9 February
    whole = services.leave_request_create(
        company=company, employee=li, leave_type=annual, start="2025-02-03", end="2025-02-09"
    )
    # then it costs Wednesday to Friday and the Saturday: 4 days
    assert whole.days == D("4.00")
    # and from Wednesday afternoon it costs 3.5
    assert services.leave_amount(
        employee=li,
        leave_type=annual,
        start=date(2025, 2, 5),
        end=date(2025, 2, 9),
        start_half="pm",
    ) == D("3.5")
    # and Labour Day 2025: Sunday 27 April worked, 1, 2 and 5 May off -> 27-30 April + 6 May
    assert services.leave_amount(
        employee=li, leave_type=annual, start=date(2025, 4, 27), end=date(2025, 5, 6)
    ) == D("5")


def test_hours_on_the_working_calendar(company, staff):
    hourly = _type(company, "TOIL", unit="hour", allow_negative=True)
    li = staff()
    # a 09:00-12:00 + 13:00-18:00 day is 8 hours; a half day 4; the Saturday swap counts
    assert services.leave_amount(
        employee=li, leave_type=hourly, start=date(2025, 2, 7), end=date(2025, 2, 8)
    ) == D("16")
    request = services.leave_request_create(
        company=company,
        employee=li,
        leave_type=hourly,
        start="2025-02-07",
        end="2025-02-07",
        hours="2.5",
    )
    assert request.days == D("2.5")
    with pytest.raises(DomainError) as error:
        services.leave_request_create(
            company=company,
            employee=li,
            leave_type=hourly,
            start="2025-02-09",
            end="2025-02-09",
            hours="1",
        )
    assert error.value.code == "leave_request.hours_invalid"


def test_states_and_the_ledger_through_approve_and_cancel(company, staff):
    annual = _type(company)
    li = staff()
    services.leave_allocation_create(
        company=company, employee=li, leave_type=annual, amount="5", date="2025-01-01"
    )
    request = services.leave_request_create(
        company=company, employee=li, leave_type=annual, start="2025-03-03", end="2025-03-04"
    )
    assert request.state == "draft" and request.days == 2
    request = services.leave_request_submit(request=request)
    request = services.leave_request_approve(request=request)
    assert request.state == "approved"
    assert _balance(li, annual, date(2025, 3, 3)) == 3
    request = services.leave_request_cancel(request=request)
    assert request.state == "cancelled" and _balance(li, annual, date(2025, 3, 3)) == 5
    assert list(
        LeaveEntry.objects.filter(request=request).order_by("pk").values_list("kind", "amount")
    ) == [("taken", D("-2.00")), ("taken", D("2.00"))]
    # a cancelled request goes nowhere
    with pytest.raises(DomainError) as error:
        services.leave_request_approve(request=request)
    assert error.value.code == "leave_request.invalid_transition"


def test_refusals_change_nothing(company, staff, django_assert_num_queries):
    annual = _type(company)
    li = staff()
    services.leave_allocation_create(
        company=company, employee=li, leave_type=annual, amount="2", date="2025-01-01"
    )
    entries = LeaveEntry.objects.count()
    # over the balance (3 days, 2 available)
    with pytest.raises(DomainError) as error:
        services.leave_request_create(
            company=company,
            employee=li,
            leave_type=annual,
            start="2025-03-03",
            end="2025-03-05",
            submit=True,
        )
    assert error.value.code == "leave.insufficient_balance"
    assert error.value.extra == {"available": "2.00", "requested": "3.00"}
    # an end before the start
    with pytest.raises(DomainError) as error:
        services.leave_request_create(
            company=company, employee=li, leave_type=annual, start="2025-03-05", end="2025-03-03"
        )
    assert error.value.code == "leave_request.end_before_start"
    # overlapping a submitted request (a morning and an afternoon of one day do not overlap)
    first = services.leave_request_create(
        company=company,
        employee=li,
        leave_type=annual,
        start="2025-03-03",
        end="2025-03-04",
        end_half="am",
        submit=True,
    )
    assert first.days == D("1.5")
    with pytest.raises(DomainError) as error:
        services.leave_request_create(
            company=company, employee=li, leave_type=annual, start="2025-03-03", end="2025-03-03"
        )
    assert error.value.code == "leave.overlap"
    afternoon = services.leave_request_create(
        company=company,
        employee=li,
        leave_type=annual,
        start="2025-03-04",
        end="2025-03-04",
        start_half="pm",
    )
    assert afternoon.days == D("0.5")
    # the waiting 1.5 counts against the balance: another 1 day does not fit
    with pytest.raises(DomainError) as error:
        services.leave_request_create(
            company=company,
            employee=li,
            leave_type=annual,
            start="2025-03-10",
            end="2025-03-10",
            submit=True,
        )
    assert error.value.code == "leave.insufficient_balance"
    assert LeaveEntry.objects.count() == entries
    assert set(LeaveRequest.objects.values_list("state", flat=True)) == {"submitted", "draft"}
    # approving writes one entry in a fixed number of queries
    with django_assert_num_queries(13):
        services.leave_request_approve(request=first)
    assert _balance(li, annual, date(2025, 3, 3)) == D("0.5")


def test_the_manager_or_the_department_head_approves(company, staff):
    from tandem.core.errors import Forbidden
    from tests.factories import UserFactory

    boss_user, li_user, other_user = UserFactory(), UserFactory(), UserFactory()
    head = staff("H1")
    services.employee_update(employee=head, user=boss_user)
    department = services.department_create(company=company, name="Sales", manager=head)
    li = staff("E1", department=department)
    services.employee_update(employee=li, user=li_user)
    annual = _type(company, allow_negative=True)
    request = services.leave_request_create(
        company=company,
        employee=li,
        leave_type=annual,
        start="2025-03-03",
        end="2025-03-03",
        submit=True,
    )
    assert request.approver == head  # no manager on the version: the department's head
    for user in (li_user, other_user):  # the employee, a stranger
        with pytest.raises(Forbidden):
            services.leave_request_approve(request=request, user=user)
    assert LeaveRequest.objects.get(pk=request.pk).state == "submitted"
    request = services.leave_request_approve(request=request, user=boss_user)
    assert request.state == "approved" and request.decided_by == boss_user


_numbers = itertools.count(1)
operations = st.lists(
    st.tuples(
        st.sampled_from(["allocate", "take", "cancel", "accrue"]),
        st.integers(0, 700),  # a day offset from 2024-01-01
        st.integers(1, 6),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations, probes=st.lists(st.integers(-5, 760), min_size=1, max_size=6))
def test_the_balance_is_the_sum_of_the_entries_at_any_date(company, ops, probes):
    """Whatever happens (allocations, approved and cancelled requests, accrual runs with a
    cap, a carry-over limit and an expiry), the balance on any date equals the sum of the
    entries dated up to it, no accrual lifts the balance above the cap, and running the
    accrual job again writes nothing."""
    number = next(_numbers)
    annual = services.leave_type_create(
        company=company,
        code=f"P{number}",
        name="Property",
        accrual="monthly",
        accrual_amount="1.5",
        cap="12",
        carry_over_limit="4",
        carry_over_expiry_months=2,
    )
    li = services.employee_create(
        company=company,
        number=f"P{number}",
        name="Property",
        hire_date=date(2024, 1, 1),
        version={"base_salary": "1"},
    )
    base = date(2024, 1, 1)
    approved = []
    last_run = None
    for op, offset, size in ops:
        day = base + timedelta(days=offset)
        try:
            if op == "allocate":
                services.leave_allocation_create(
                    company=company, employee=li, leave_type=annual, amount=size, date=day
                )
            elif op == "take":
                request = services.leave_request_create(
                    company=company,
                    employee=li,
                    leave_type=annual,
                    start=day,
                    end=day + timedelta(days=size - 1),
                    submit=True,
                )
                approved.append(services.leave_request_approve(request=request))
            elif op == "cancel" and approved:
                services.leave_request_cancel(request=approved.pop(size % len(approved)))
            elif op == "accrue":
                services.leave_accrue(company=company, as_of=day, employees=[li])
                last_run = day
        except DomainError:
            pass  # refused: insufficient balance, overlap, no working day
    entries = list(
        LeaveEntry.objects.filter(employee=li, leave_type=annual).values_list(
            "date", "kind", "amount"
        )
    )
    for probe in probes:
        on = base + timedelta(days=probe)
        expected = sum((a for d, _k, a in entries if d <= on), D(0))
        assert _balance(li, annual, on) == expected
    for day, kind, _amount in entries:
        if kind == "accrual":
            assert sum((a for d, _k, a in entries if d <= day), D(0)) <= D("12") or any(
                k in ("allocation", "taken") for d, k, _a in entries if d <= day
            )
    if last_run is not None:
        assert services.leave_accrue(company=company, as_of=last_run, employees=[li]) == {
            "entries": 0
        }
    services.leave_type_update(leave_type=annual, active=False)  # out of the next examples
