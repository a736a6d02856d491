from tandem.core.models import Membership, User


def test_admin_creates_a_user_with_roles_in_the_current_company(api, company):
    response = api.post(
        "/users",
        {
            "username": "li.lei",
            "email": "li@example.com",
            "roles": ["sales", "service"],
            "password": "long-pass-123",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert sorted(body["roles"]) == ["sales", "service"]
    membership = Membership.objects.get(user__username="li.lei", company=company)
    assert {r.code for r in membership.roles.all()} == {"sales", "service"}


def test_unknown_role_and_bad_email_are_422_and_write_nothing(api):
    bad_role = api.post("/users", {"username": "x1", "roles": ["wizard"]})
    bad_email = api.post("/users", {"username": "x2", "email": "not-an-email"})
    assert bad_role.status_code == bad_email.status_code == 422
    assert bad_email.json()["errors"][0]["field"] == "email"
    assert not User.objects.filter(username__in=["x1", "x2"]).exists()


def test_users_list_is_scoped_to_the_company(api, other_company):
    from tandem.core.services import membership_grant
    from tests.factories import UserFactory

    membership_grant(user=UserFactory(username="outsider"), company=other_company, roles=["owner"])
    names = [u["username"] for u in api.get("/users").json()["items"]]
    assert names == ["owner"]
