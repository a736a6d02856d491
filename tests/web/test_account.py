"""The user's own account: password change with the validators, language and time zone,
the forced change of a generated password; validators on every other way to set one."""

from django.test import Client

from tandem.core.models import User
from tandem.core.services import token_create

OLD = "secret-pass-123"  # tests.factories.UserFactory
NEW = "quiet-harbour-7781"


def _change(client, old, new1, new2=None):
    return client.post(
        "/profile/password/",
        {"old_password": old, "new_password1": new1, "new_password2": new2 or new1},
    )


def test_the_profile_links_to_the_password_page(web):
    page = web.get("/profile/").content.decode()
    assert 'href="/profile/password/"' in page
    form = web.get("/profile/password/").content.decode()
    assert 'name="old_password"' in form and 'name="new_password1"' in form


def test_a_weak_new_password_is_shown_beside_its_field_and_nothing_changes(web, owner):
    response = _change(web, OLD, "12345678")

    assert response.status_code == 422
    errors = response.context["form"].errors
    assert "new_password2" in errors
    text = " ".join(errors["new_password2"])
    assert "too common" in text and "entirely numeric" in text
    owner.refresh_from_db()
    assert owner.check_password(OLD)


def test_a_wrong_current_password_is_refused(web, owner):
    response = _change(web, "not-my-password", NEW)

    assert response.status_code == 422
    assert "old_password" in response.context["form"].errors
    owner.refresh_from_db()
    assert owner.check_password(OLD)


def test_a_good_password_is_set_and_the_session_survives(web, owner):
    response = _change(web, OLD, NEW)

    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password(NEW)
    assert web.get("/profile/").status_code == 200
    login = Client().post("/login/", {"username": "owner", "password": NEW})
    assert login.status_code == 302


def test_language_and_time_zone_are_saved(web, owner):
    response = web.post(
        "/profile/preferences/", {"language": "zh-hans", "time_zone": "Europe/Berlin"}
    )

    assert response.status_code == 302
    owner.refresh_from_db()
    assert (owner.language, owner.time_zone) == ("zh-hans", "Europe/Berlin")
    page = web.get("/profile/").content.decode()
    assert "Europe/Berlin" in page


def test_an_unknown_time_zone_is_shown_beside_the_field_and_nothing_changes(web, owner):
    response = web.post("/profile/preferences/", {"language": "en", "time_zone": "Mars/Base"})

    assert response.status_code == 422
    assert "time_zone" in response.context["preferences"].errors
    owner.refresh_from_db()
    assert (owner.language, owner.time_zone) == ("", "")


def test_an_empty_time_zone_means_the_company_zone(web, owner):
    page = web.get("/profile/").content.decode()
    assert "Asia/Shanghai" in page


def test_a_forced_change_comes_before_every_page_but_not_the_api(web, owner, company):
    User.objects.filter(pk=owner.pk).update(must_change_password=True)
    _token, raw = token_create(user=owner)

    home = web.get("/")
    api = Client().get(
        "/api/v1/companies", headers={"Authorization": f"Bearer {raw}", "X-Company": "ACME"}
    )
    form = web.get("/profile/password/")

    assert (home.status_code, home["Location"]) == (302, "/profile/password/")
    assert api.status_code == 200
    assert form.status_code == 200 and 'data-testid="password-forced"' in form.content.decode()

    assert _change(web, OLD, NEW).status_code == 302
    owner.refresh_from_db()
    assert not owner.must_change_password
    assert web.get("/").status_code == 200


def test_the_member_form_refuses_a_weak_password_beside_the_field(web, company):
    response = web.post(
        "/settings/members/new/",
        {"username": "newbie", "password": "password", "roles": ["sales"]},
    )

    assert response.status_code == 200
    assert "password" in response.context["form"].errors
    assert not User.objects.filter(username="newbie").exists()


def test_the_users_api_refuses_a_weak_password(api):
    response = api.post("/users", {"username": "newbie", "password": "password1", "roles": []})

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "password.invalid"
    assert {e["field"] for e in body["errors"]} == {"password"}
    assert not User.objects.filter(username="newbie").exists()


def test_the_users_api_refuses_a_password_like_the_user_name(api):
    response = api.post(
        "/users", {"username": "wangxiaoming", "password": "wangxiaoming1", "roles": []}
    )

    assert response.status_code == 422
    assert not User.objects.filter(username="wangxiaoming").exists()
