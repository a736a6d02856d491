import pytest
from django.test import Client

from tandem.core.models import ApiToken, User


def test_login_page_follows_the_browser_language(db):
    english = Client().get("/login/", headers={"Accept-Language": "en"})
    chinese = Client().get("/login/", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert "Log in to Tandem" in english.content.decode()
    assert "登录" in chinese.content.decode()


def test_anonymous_user_is_sent_to_login(db):
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_language_switch_is_remembered_per_user(web, owner):
    response = web.post("/language/", {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    assert User.objects.get(pk=owner.pk).language == "zh-hans"

    fresh = Client()
    fresh.force_login(owner)
    page = fresh.get("/", headers={"Accept-Language": "en"}).content.decode()
    assert "仪表盘" in page


def test_navigation_lists_every_area_and_unbuilt_ones_say_so(web):
    page = web.get("/").content.decode()
    for label in [
        "CRM",
        "Sales",
        "Purchasing",
        "Inventory",
        "Manufacturing",
        "Accounting",
        "HR",
        "Service",
        "Marketing",
        "Analytics",
        "Settings",
    ]:
        assert label in page
    area = web.get("/areas/manufacturing/")
    assert area.status_code == 200
    assert "not built yet" in area.content.decode()


def test_token_created_on_the_profile_page_is_shown_once(web, owner):
    web.post("/profile/tokens/", {"name": "laptop"})
    first = web.get("/profile/").content.decode()
    second = web.get("/profile/").content.decode()

    token = ApiToken.objects.get(user=owner)
    assert token.prefix in first
    assert 'data-testid="new-token"' in first
    assert 'data-testid="new-token"' not in second


@pytest.mark.parametrize("path", ["/language/", "/profile/tokens/"])
def test_posts_without_csrf_token_are_refused(owner, path):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post(path, {"language": "en"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_changes_only_by_post(web):
    assert web.get("/profile/tokens/").status_code == 405
