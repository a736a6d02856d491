"""The performance pages: HR creates and opens a cycle and adds a goal with a key result; the
manager rates their report on the cycle page, the employee their self review; who sees what."""

from datetime import date

import pytest
from django.test import Client

from tandem.core.services import membership_grant
from tandem.hr import services
from tandem.hr.models import Goal, Review, ReviewCycle
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _login(user):
    client = Client()
    client.force_login(user)
    return client


def _people(company):
    users = {name: UserFactory() for name in ("boss", "worker", "stranger")}
    for user in users.values():
        membership_grant(user=user, company=company, roles=["sales"])
    boss = services.employee_create(
        company=company, number="B1", name="Boss", hire_date=date(2020, 1, 1), user=users["boss"]
    )
    worker = services.employee_create(
        company=company,
        number="W1",
        name="Worker",
        hire_date=date(2020, 1, 1),
        user=users["worker"],
        version={"base_salary": "10000", "manager": boss},
    )
    return users, boss, worker


def test_hr_sets_up_the_cycle_the_manager_and_employee_rate_on_the_page(web, company):
    users, boss, worker = _people(company)
    # HR creates and opens a cycle, then adds a goal with a key result
    web.post("/hr/reviews/", {"name": "2026 H2", "start": "2026-07-01", "end": "2026-12-31"})
    cycle = ReviewCycle.objects.get(company=company)
    web.post("/hr/reviews/", {"cycle": cycle.pk, "state": "open"})
    cycle.refresh_from_db()
    assert cycle.state == "open"
    web.post(
        f"/hr/reviews/{cycle.pk}/goals/",
        {
            "employee": worker.pk,
            "title": "Ship the release",
            "weight": "60",
            "kr_title": "Features",
            "kr_target": "4",
            "kr_actual": "3",
        },
    )
    goal = Goal.objects.get()
    assert (goal.weight, goal.achievement) == (60, 75)
    # a second goal over the 100 weight is refused and writes nothing
    web.post(
        f"/hr/reviews/{cycle.pk}/goals/", {"employee": worker.pk, "title": "X", "weight": "50"}
    )
    assert Goal.objects.count() == 1

    # the manager sees their report with a manager-review form and rates 4
    boss_client = _login(users["boss"])
    page = boss_client.get(f"/hr/reviews/{cycle.pk}/").content.decode()
    assert "Ship the release" in page and "75.0" in page and "Submit manager review" in page
    boss_client.post(
        f"/hr/reviews/{cycle.pk}/rate/",
        {"employee": worker.pk, "kind": "manager", "rating": "4", "comment": "Solid"},
    )
    review = Review.objects.get(kind="manager")
    assert (review.employee, review.reviewer, review.rating) == (worker, boss, 4)

    # the employee may not write their own manager review, but their self review
    worker_client = _login(users["worker"])
    worker_client.post(
        f"/hr/reviews/{cycle.pk}/rate/", {"employee": boss.pk, "kind": "manager", "rating": "5"}
    )
    assert not Review.objects.filter(employee=boss).exists()
    worker_client.post(
        f"/hr/reviews/{cycle.pk}/rate/", {"employee": worker.pk, "kind": "self", "rating": "5"}
    )
    assert Review.objects.get(kind="self").rating == 5
    page = worker_client.get(f"/hr/reviews/{cycle.pk}/").content.decode()
    assert 'class="rating">5<' in page and 'class="rating">4<' in page
    assert page.count("data-employee=") == 1  # their own row only, not their manager's

    # someone with no part in the cycle (and no employee record) gets 404
    stranger = _login(users["stranger"])
    assert stranger.get(f"/hr/reviews/{cycle.pk}/").status_code == 404
    assert stranger.get("/hr/reviews/").status_code == 404  # no employee record
    assert worker_client.get("/hr/reviews/").status_code == 200
    # a rating outside 1..5 is refused
    web.post(f"/hr/reviews/{cycle.pk}/rate/", {"employee": boss.pk, "kind": "self", "rating": "9"})
    assert Review.objects.count() == 2
