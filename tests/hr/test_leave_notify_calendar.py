"""Leave notifications (the approver on submit, the employee on approval or refusal, by
email in the recipient's language after the change commits) and the team calendar page."""

from datetime import date

import pytest
from django.core import mail
from django.test import Client

from tandem.core.services import membership_grant
from tandem.hr import services
from tandem.hr.models import LeaveRequest
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(company):
    boss_user = UserFactory(email="boss@example.com", language="zh-hans")
    worker_user = UserFactory(email="worker@example.com")
    for user in (boss_user, worker_user):
        membership_grant(user=user, company=company, roles=["sales"])
    sales = services.department_create(company=company, name="Sales")
    ops = services.department_create(company=company, name="Ops")
    boss = services.employee_create(
        company=company,
        number="B1",
        name="Boss",
        hire_date=date(2020, 1, 1),
        user=boss_user,
        version={"department": sales},
    )
    worker = services.employee_create(
        company=company,
        number="W1",
        name="Worker",
        hire_date=date(2020, 1, 1),
        user=worker_user,
        version={"department": sales, "manager": boss},
    )
    other = services.employee_create(
        company=company,
        number="O1",
        name="Other",
        hire_date=date(2020, 1, 1),
        email="",
        version={"department": ops},
    )
    annual = services.leave_type_create(company=company, code="ANNUAL", name="Annual")
    for employee in (worker, other, boss):
        services.leave_allocation_create(
            company=company, employee=employee, leave_type=annual, amount="10", date="2026-01-01"
        )
    return {
        "boss": boss,
        "worker": worker,
        "other": other,
        "annual": annual,
        "users": (boss_user, worker_user),
    }


def _ask(team, employee, start, end, **kwargs):
    return services.leave_request_create(
        company=employee.company,
        employee=employee,
        leave_type=team["annual"],
        start=start,
        end=end,
        **kwargs,
    )


def test_the_approver_hears_of_a_request_and_the_employee_of_the_decision(
    team, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = _ask(team, team["worker"], "2026-12-14", "2026-12-15", reason="Trip", submit=True)
    assert [m.to for m in mail.outbox] == [["boss@example.com"]]
    assert "Worker" in mail.outbox[0].subject and "2026-12-14" in mail.outbox[0].subject
    assert "待审批" in mail.outbox[0].subject  # the boss reads Chinese
    with django_capture_on_commit_callbacks(execute=True):
        services.leave_request_approve(request=request, user=team["users"][0], note="Enjoy")
    assert mail.outbox[1].to == ["worker@example.com"]
    assert "approved" in mail.outbox[1].subject and "Enjoy" in mail.outbox[1].body
    with django_capture_on_commit_callbacks(execute=True):
        second = _ask(team, team["worker"], "2026-12-21", "2026-12-21", submit=True)
        services.leave_request_refuse(request=second, user=team["users"][0], note="Busy")
    assert mail.outbox[3].to == ["worker@example.com"] and "refused" in mail.outbox[3].subject
    assert len(mail.outbox) == 4


def test_a_refused_change_sends_nothing_and_no_address_means_no_mail(
    team, django_capture_on_commit_callbacks
):
    from tandem.core.errors import DomainError

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(DomainError):  # over the balance: nothing submitted, nothing sent
            _ask(team, team["worker"], "2026-12-01", "2026-12-31", submit=True)
        # Other's approver is nobody (no manager, no department head): no mail
        _ask(team, team["other"], "2026-12-14", "2026-12-14", submit=True)
    assert mail.outbox == []


def test_the_team_calendar_shows_who_is_away_per_department(web, team, company):
    approved = _ask(team, team["worker"], "2026-12-11", "2026-12-14", submit=True)  # Fri..Mon
    services.leave_request_approve(request=approved, notify=False)
    _ask(team, team["other"], "2026-12-16", "2026-12-16", submit=True)
    page = web.get("/hr/leave/calendar/?month=2026-12").content.decode()
    worker_row = page.split('data-employee="W1"')[1].split("</tr>")[0]
    assert worker_row.count('class="approved"') == 2  # Friday and Monday, not the weekend
    assert 'data-day="2026-12-11"' in worker_row and 'data-day="2026-12-14"' in worker_row
    other_row = page.split('data-employee="O1"')[1].split("</tr>")[0]
    assert other_row.count('class="submitted"') == 1
    # one department only
    ops = web.get(
        f"/hr/leave/calendar/?month=2026-12&department={team['other'].versions.get().department_id}"
    )
    assert 'data-employee="O1"' in ops.content.decode()
    assert 'data-employee="W1"' not in ops.content.decode()
    # an employee sees their own department's calendar only; without an employee record, 404
    client = Client()
    client.force_login(team["users"][1])
    own = client.get("/hr/leave/calendar/?month=2026-12").content.decode()
    assert 'data-employee="W1"' in own and 'data-employee="O1"' not in own
    stranger = UserFactory()
    membership_grant(user=stranger, company=company, roles=["sales"])
    client.force_login(stranger)
    assert client.get("/hr/leave/calendar/").status_code == 404
    assert LeaveRequest.objects.count() == 2
