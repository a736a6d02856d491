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


def test_navigation_lists_every_area_and_each_opens_its_page(web):
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
    for path in ("/marketing/", "/service/", "/analytics/"):
        assert web.get(path).status_code == 200, path
    assert web.get("/areas/service/").status_code == 404  # every area is built now


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


def test_owner_adds_a_member_with_roles_through_settings(web, company):
    from tandem.core.models import Membership

    response = web.post(
        "/settings/members/new/",
        {
            "username": "wang.fang",
            "email": "wang@example.com",
            "password": "long-pass-123",
            "roles": ["warehouse"],
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user__username="wang.fang", company=company)
    assert [r.code for r in membership.roles.all()] == ["warehouse"]


def test_duplicate_username_shows_on_the_field(web, owner):
    response = web.post("/settings/members/new/", {"username": "owner", "roles": ["sales"]})
    assert response.status_code == 200
    assert "That username is taken" in response.content.decode()


def test_exchange_rate_form_refuses_the_company_currency(web, company):
    from tandem.core.models import ExchangeRate

    response = web.post(
        "/settings/exchange-rates/", {"currency": "CNY", "date": "2026-01-02", "rate": "1"}
    )
    assert response.status_code == 200
    assert "The company currency has no exchange rate" in response.content.decode()
    assert not ExchangeRate.objects.exists()
    ok = web.post(
        "/settings/exchange-rates/", {"currency": "usd", "date": "2026-01-02", "rate": "7.1"}
    )
    assert ok.status_code == 302
    assert ExchangeRate.objects.get().currency_id == "USD"


def test_member_without_settings_rights_gets_403(company):
    from django.test import Client

    from tandem.core.services import membership_grant
    from tests.factories import UserFactory

    clerk = UserFactory()
    membership_grant(user=clerk, company=company, roles=["warehouse"])
    client = Client()
    client.force_login(clerk)
    assert client.get("/settings/members/new/").status_code == 403
    assert client.get("/settings/").status_code == 200


def test_company_changes_show_in_the_settings_history(web, company):
    web.post(
        "/settings/company/",
        {
            "name": "Acme Trading (Shanghai)",
            "time_zone": "Asia/Shanghai",
            "fiscal_year_start_month": "4",
        },
    )
    page = web.get("/settings/").content.decode()
    assert "Acme Trading (Shanghai)" in page
    assert "fiscal year start month" in page
    company.refresh_from_db()
    assert company.fiscal_year_start_month == 4


def test_company_page_refuses_an_unknown_time_zone(web, company):
    response = web.post(
        "/settings/company/",
        {"name": "Renamed", "time_zone": "Mars/Olympus", "fiscal_year_start_month": "4"},
    )
    assert response.status_code == 200  # the form again, with the error on the field
    assert "Mars/Olympus" in response.content.decode()
    before = (company.name, company.time_zone, company.fiscal_year_start_month)
    company.refresh_from_db()
    assert (company.name, company.time_zone, company.fiscal_year_start_month) == before
