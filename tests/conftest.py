import json

import pytest
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from tandem.core.services import company_create, membership_grant, token_create
from tests.factories import UserFactory

# Property tests judge results, never speed: on a loaded 2-core machine (xdist workers, CI
# legs) input generation and examples run slowly, which is no failure of the code under test.
hypothesis_settings.register_profile(
    "tandem", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("tandem")


def pytest_collection_modifyitems(config, items):
    """`postgres` tests are deselected, visibly, on SQLite: a lock test there proves nothing.

    The PostgreSQL leg (TANDEM_TEST_DATABASE_URL) runs them; a `postgres` test that still
    lands on SQLite (e.g. selected with -m postgres) fails instead of passing.
    """
    from django.conf import settings

    on_sqlite = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
    explicitly_selected = "postgres" in (config.getoption("markexpr") or "")
    kept, deselected = [], []
    for item in items:
        if item.get_closest_marker("postgres"):
            item.fixturenames.append("_require_postgres")
            if on_sqlite and not explicitly_selected:
                deselected.append(item)
                continue
        kept.append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept
        config._tandem_pg_deselected = len(deselected)
        if hasattr(config, "workeroutput"):  # an xdist worker: the controller prints the note
            config.workeroutput["tandem_pg_deselected"] = len(deselected)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    # every xdist worker collects the whole suite, so each reports the same count
    count = getattr(node, "workeroutput", {}).get("tandem_pg_deselected", 0)
    node.config._tandem_pg_deselected = max(getattr(node.config, "_tandem_pg_deselected", 0), count)


def pytest_terminal_summary(terminalreporter, config):
    count = getattr(config, "_tandem_pg_deselected", 0)
    if count:
        terminalreporter.write_line(
            f"{count} postgres tests deselected on SQLite; run them with "
            "TANDEM_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test pytest"
        )


@pytest.fixture
def _require_postgres(django_db_blocker):
    if connection.vendor != "postgresql":
        pytest.fail(
            "this test needs PostgreSQL: set TANDEM_TEST_DATABASE_URL "
            "(e.g. postgres://postgres@127.0.0.1:5432/test)"
        )


@pytest.fixture
def company(db):
    return company_create(code="ACME", name="Acme Trading", currency="CNY", country="CN")


@pytest.fixture
def other_company(db):
    return company_create(
        code="OTHER", name="Other Co", currency="USD", country="US", time_zone="America/New_York"
    )


@pytest.fixture
def owner(company):
    user = UserFactory(username="owner")
    membership_grant(user=user, company=company, roles=["owner"])
    return user


class ApiClient:
    """A thin JSON client for /api/v1 with a bearer token."""

    def __init__(self, user, company=None):
        self.user = user
        _token, self.token = token_create(user=user, name="test")
        self.client = Client()
        self.company = company

    def _headers(self, extra):
        headers = {"Authorization": f"Bearer {self.token}"}
        if self.company is not None:
            headers["X-Company"] = self.company.code
        headers.update(extra or {})
        return headers

    def get(self, path, params=None, headers=None):
        return self.client.get("/api/v1" + path, params or {}, headers=self._headers(headers))

    def listed(self, path, **params):
        """A list answer's body, checked for a 200 and a count matching its items."""
        answer = self.get(path, params)
        assert answer.status_code == 200, answer.content
        body = answer.json()
        assert body["count"] == len(body["items"])
        return body

    def post(self, path, data=None, headers=None, raw=None):
        body = raw if raw is not None else json.dumps(data if data is not None else {})
        return self.client.post(
            "/api/v1" + path, body, content_type="application/json", headers=self._headers(headers)
        )

    def patch(self, path, data=None, headers=None):
        return self.client.patch(
            "/api/v1" + path,
            json.dumps(data or {}),
            content_type="application/json",
            headers=self._headers(headers),
        )

    def put(self, path, data=None, headers=None):
        return self.client.put(
            "/api/v1" + path,
            json.dumps(data or {}),
            content_type="application/json",
            headers=self._headers(headers),
        )

    def delete(self, path, headers=None):
        return self.client.delete("/api/v1" + path, headers=self._headers(headers))


@pytest.fixture
def api(owner, company):
    return ApiClient(owner, company)


@pytest.fixture
def api_as():
    """Build an API client for any user: api_as(user, company)."""
    return ApiClient


@pytest.fixture
def web(owner, company):
    client = Client()
    client.force_login(owner)
    return client


@pytest.fixture(autouse=True)
def _default_language():
    """Requests activate a user's language in the thread; later tests start from English."""
    from django.utils import translation

    yield
    translation.activate("en")
