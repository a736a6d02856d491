"""Review cycles, goals with weights and key results, self and manager reviews."""

from datetime import date

import pytest

from tandem.core.services import membership_grant
from tandem.hr import services
from tandem.hr.models import Goal, Review
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _problem(answer, status, code):
    assert answer.status_code == status, answer.content
    assert answer.json()["code"] == code
    return answer.json()


def test_goals_and_reviews_through_the_api(api, api_as, company):
    boss_user, li_user = UserFactory(), UserFactory()
    for user in (boss_user, li_user):
        membership_grant(user=user, company=company, roles=["sales"])
    boss = services.employee_create(
        company=company, number="M1", name="Boss", hire_date=date(2020, 1, 1), user=boss_user
    )
    li = services.employee_create(
        company=company,
        number="E1",
        name="Li",
        hire_date=date(2020, 1, 1),
        user=li_user,
        version={"manager": boss},
    )
    cycle = api.post(
        "/review-cycles", {"name": "2025 H1", "start": "2025-01-01", "end": "2025-06-30"}
    )
    assert cycle.status_code == 201, cycle.content
    cycle_id = cycle.json()["id"]
    goal = api.post(
        "/goals",
        {
            "cycle": cycle_id,
            "employee": li.pk,
            "title": "Grow accounts",
            "weight": "70",
            "key_results": [
                {"title": "New accounts", "target": "10", "actual": "8"},
                {"title": "Renewals", "target": "4", "actual": "4"},
            ],
        },
    )
    assert goal.status_code == 201, goal.content
    assert goal.json()["achievement"] == "90.0"  # (80 % + 100 %) / 2
    over = api.post(
        "/goals", {"cycle": cycle_id, "employee": li.pk, "title": "More", "weight": "31"}
    )
    _problem(over, 409, "goal.weights_over_100")
    assert Goal.objects.count() == 1
    # reviews wait for the cycle to open
    own = api_as(li_user, company)
    _problem(
        own.post("/reviews", {"cycle": cycle_id, "employee": li.pk, "kind": "self", "rating": 4}),
        409,
        "review_cycle.not_open",
    )
    assert api.post(f"/review-cycles/{cycle_id}/state", {"state": "open"}).status_code == 200
    assert (
        own.post(
            "/reviews", {"cycle": cycle_id, "employee": li.pk, "kind": "self", "rating": 4}
        ).status_code
        == 201
    )
    _problem(
        own.post(
            "/reviews", {"cycle": cycle_id, "employee": li.pk, "kind": "manager", "rating": 5}
        ),
        403,
        "review.not_reviewer",
    )
    manager = api_as(boss_user, company).post(
        "/reviews", {"cycle": cycle_id, "employee": li.pk, "kind": "manager", "rating": 3}
    )
    assert manager.status_code == 201 and manager.json()["reviewer"] == boss.pk
    assert api_as(boss_user, company).get("/reviews").json()["count"] == 2
    bad = own.post("/reviews", {"cycle": cycle_id, "employee": li.pk, "kind": "self", "rating": 9})
    assert bad.status_code == 422
    assert Review.objects.count() == 2
