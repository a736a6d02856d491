"""Login throttling (django-axes): per user name and per client address, with an audit row."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.test import Client
from django.utils import timezone

from tandem.core.services import membership_grant
from tests.factories import UserFactory

LIMIT = 3
PASSWORD = "secret-pass-123"  # tests.factories.UserFactory


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = 0.25  # hours: 15 minutes


@pytest.fixture
def clerk(company):
    user = UserFactory(username="clerk")
    membership_grant(user=user, company=company, roles=["sales"])
    return user


def _login(username, password, *, address="10.0.0.1", path="/login/"):
    client = Client(REMOTE_ADDR=address)
    response = client.post(path, {"username": username, "password": password})
    return client, response


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def _fail(username, times, *, address="10.0.0.1", path="/login/"):
    for _ in range(times):
        _client, response = _login(username, "wrong-guess", address=address, path=path)
        assert response.status_code in {200, 429}


def test_the_right_password_is_refused_after_the_limit_of_bad_ones(owner):
    _fail("owner", LIMIT)

    client, response = _login("owner", PASSWORD)

    assert response.status_code == 429
    page = response.content.decode()
    assert "Login locked" in page and "15 minutes" in page
    assert not _logged_in(client)
    attempt = AccessAttempt.objects.get(username="owner")
    assert attempt.failures_since_start >= LIMIT
    assert attempt.ip_address == "10.0.0.1"
    # one audit row per failure, and one for the refused attempt during the lockout
    audit = AccessFailureLog.objects.filter(username="owner").order_by("attempt_time")
    assert audit.count() == LIMIT + 1
    assert audit.last().locked_out and not audit.first().locked_out


def test_below_the_limit_the_right_password_works(owner):
    _fail("owner", LIMIT - 1)

    client, response = _login("owner", PASSWORD)

    assert response.status_code == 302
    assert _logged_in(client)


def test_a_locked_user_name_is_locked_from_every_address_and_others_are_not(owner, clerk):
    _fail("owner", LIMIT, address="10.0.0.1")

    owner_elsewhere, locked = _login("owner", PASSWORD, address="10.9.9.9")
    clerk_elsewhere, fine = _login("clerk", PASSWORD, address="10.9.9.9")

    assert locked.status_code == 429 and not _logged_in(owner_elsewhere)
    assert fine.status_code == 302 and _logged_in(clerk_elsewhere)


def test_an_address_that_sprays_names_is_locked_for_every_name(owner, clerk):
    for name in ("alice", "bob", "carol"):
        _fail(name, 1, address="10.0.0.7")

    same_address, locked = _login("clerk", PASSWORD, address="10.0.0.7")
    other_address, fine = _login("clerk", PASSWORD, address="10.0.0.8")

    assert locked.status_code == 429 and not _logged_in(same_address)
    assert fine.status_code == 302 and _logged_in(other_address)


def test_the_admin_login_is_throttled_too(owner):
    owner.is_staff = True
    owner.save()
    _fail("owner", LIMIT, path="/admin/login/")

    client, response = _login("owner", PASSWORD, path="/admin/login/")

    assert response.status_code == 429
    assert not _logged_in(client)


def test_after_the_cool_off_the_right_password_works(owner):
    _fail("owner", LIMIT)
    assert _login("owner", PASSWORD)[1].status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    client, response = _login("owner", PASSWORD)

    assert response.status_code == 302
    assert _logged_in(client)


def test_the_proxy_address_is_not_the_client_unless_trusted(owner, clerk, settings):
    """Behind the trusted proxy, failures count per forwarded client, not per proxy."""
    settings.TRUSTED_PROXIES = frozenset({"10.1.1.1"})
    proxy = Client(REMOTE_ADDR="10.1.1.1")
    for _ in range(LIMIT):
        proxy.post(
            "/login/",
            {"username": "nobody", "password": "x"},
            headers={"X-Forwarded-For": "203.0.113.5"},
        )

    other_client = Client(REMOTE_ADDR="10.1.1.1")
    response = other_client.post(
        "/login/",
        {"username": "clerk", "password": PASSWORD},
        headers={"X-Forwarded-For": "203.0.113.6"},
    )

    assert response.status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}


def test_api_tokens_are_not_throttled(owner, company, api):
    _fail("owner", LIMIT)

    assert api.get("/companies").status_code == 200


def test_the_lockout_page_is_translated(owner):
    _fail("owner", LIMIT)
    client = Client(REMOTE_ADDR="10.0.0.1", HTTP_ACCEPT_LANGUAGE="zh-hans")

    response = client.post("/login/", {"username": "owner", "password": PASSWORD})

    assert response.status_code == 429
    assert "登录已锁定" in response.content.decode()
