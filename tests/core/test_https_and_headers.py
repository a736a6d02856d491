"""HTTPS behind a proxy, the content security policy, client addresses, access logs."""

import importlib
from types import SimpleNamespace

import pytest
from django.test import Client, RequestFactory

from tandem.accesslog import RedactingLogger
from tandem.core.security import client_address
from tandem.crm.models import CalendarFeed
from tandem.crm.services import calendar_feed_token


def _settings_with(monkeypatch, **env):
    for key in ("TANDEM_HTTPS", "TANDEM_TRUSTED_PROXY", "TANDEM_SSL_REDIRECT"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    import tandem.settings

    return importlib.reload(tandem.settings)


@pytest.fixture
def reload_settings(monkeypatch):
    yield lambda **env: _settings_with(monkeypatch, **env)
    monkeypatch.undo()
    import tandem.settings

    importlib.reload(tandem.settings)


def test_https_turns_on_secure_cookies_and_hsts(reload_settings):
    plain = reload_settings()
    assert not getattr(plain, "SESSION_COOKIE_SECURE", False)
    assert not hasattr(plain, "SECURE_PROXY_SSL_HEADER")

    secure = reload_settings(TANDEM_HTTPS="1")
    assert secure.SESSION_COOKIE_SECURE and secure.CSRF_COOKIE_SECURE
    assert secure.SECURE_HSTS_SECONDS >= 31536000
    assert secure.SECURE_HSTS_INCLUDE_SUBDOMAINS is False
    assert secure.SECURE_SSL_REDIRECT is False
    assert not hasattr(secure, "SECURE_PROXY_SSL_HEADER")  # no proxy named: no header believed

    proxied = reload_settings(TANDEM_HTTPS="1", TANDEM_TRUSTED_PROXY="10.1.1.1")
    assert proxied.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
    assert set(proxied.TRUSTED_PROXIES) == {"10.1.1.1"}


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = frozenset({"10.1.1.1"})
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SESSION_COOKIE_SECURE = True


def test_the_calendar_address_is_https_behind_the_trusted_proxy(owner, company, behind_proxy):
    calendar_feed_token(user=owner)
    token = CalendarFeed.objects.get(user=owner).token
    client = Client(REMOTE_ADDR="10.1.1.1")
    client.force_login(owner)

    # the proxy passes the browser's Host on; without one Django would add the port (:80)
    headers = {"X-Forwarded-Proto": "https", "Host": "testserver"}
    page = client.get("/crm/", headers=headers).content.decode()

    assert f"https://testserver/crm/activities/{token}.ics" in page


def test_a_forwarded_proto_from_anyone_else_is_ignored(owner, company, behind_proxy):
    calendar_feed_token(user=owner)
    token = CalendarFeed.objects.get(user=owner).token
    client = Client(REMOTE_ADDR="198.51.100.9")
    client.force_login(owner)

    # the proxy passes the browser's Host on; without one Django would add the port (:80)
    headers = {"X-Forwarded-Proto": "https", "Host": "testserver"}
    page = client.get("/crm/", headers=headers).content.decode()

    assert f"http://testserver/crm/activities/{token}.ics" in page


def test_every_page_has_a_strict_content_security_policy(web):
    for path in ("/", "/login/", "/profile/", "/crm/"):
        policy = web.get(path)["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        script = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
        assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script


def test_no_inline_script_or_handler_in_the_shared_pages(web):
    import re

    for path in (
        "/",
        "/profile/",
        "/crm/opportunities/board/",
        "/crm/opportunities/forecast/",
        "/settings/",
    ):
        response = web.get(path)
        assert response.status_code == 200, path
        page = response.content.decode()
        assert re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", page) == []
        assert re.findall(r"\son[a-z]+=", page) == [], path


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "expected"),
    [
        (set(), "198.51.100.9", "1.2.3.4", "198.51.100.9"),
        ({"10.1.1.1"}, "198.51.100.9", "1.2.3.4", "198.51.100.9"),
        ({"10.1.1.1"}, "10.1.1.1", "1.2.3.4", "1.2.3.4"),
        ({"10.1.1.1"}, "10.1.1.1", "6.6.6.6, 1.2.3.4", "1.2.3.4"),
        ({"10.1.1.1", "10.1.1.2"}, "10.1.1.1", "1.2.3.4, 10.1.1.2", "1.2.3.4"),
        ({"10.1.1.1"}, "10.1.1.1", "", "10.1.1.1"),
        ({"*"}, "172.17.0.1", "6.6.6.6, 1.2.3.4", "1.2.3.4"),
    ],
)
def test_client_address(settings, trusted, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = frozenset(trusted)
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_the_web_form_rate_limit_keys_on_the_client_behind_the_proxy(company, settings):
    """Each visitor behind the proxy has its own budget; without the trust, the proxy's."""
    from tandem.crm.views.public import RATE_LIMIT

    settings.TRUSTED_PROXIES = frozenset({"10.1.1.1"})
    url = f"/crm/forms/{company.code}/lead/"
    form = {"contact_name": "Li", "email": "li@example.com"}

    def post(forwarded):
        client = Client(REMOTE_ADDR="10.1.1.1")
        return client.post(url, form, headers={"X-Forwarded-For": forwarded}).status_code

    first = [post("203.0.113.1") for _ in range(RATE_LIMIT + 1)]
    other = post("203.0.113.2")

    assert first[-1] == 429 and set(first[:-1]) == {200}
    assert other == 200


def _atoms(path):
    logger = RedactingLogger.__new__(RedactingLogger)
    logger.cfg = SimpleNamespace()
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": path,
        "PATH_INFO": path.split("?")[0],
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"https://x.example{path}",
    }
    resp = SimpleNamespace(status="200 OK", sent=10, headers=[])
    req = SimpleNamespace(headers=[])
    from datetime import timedelta

    return logger.atoms(resp, req, environ, timedelta(seconds=1))


def test_the_access_log_never_holds_the_calendar_token():
    secret = "Zx9_secret-Token123"
    atoms = _atoms(f"/crm/activities/{secret}.ics")

    assert all(secret not in str(value) for value in atoms.values())
    assert atoms["r"] == "GET /crm/activities/[redacted].ics HTTP/1.1"
    assert atoms["U"] == "/crm/activities/[redacted].ics"
    assert _atoms("/crm/pipeline/")["U"] == "/crm/pipeline/"


def test_serve_runs_gunicorn_with_the_redacting_logger(monkeypatch):
    import tandem.cli as cli

    started = []

    class Stop(Exception):
        pass

    def popen(argv, **kwargs):
        started.append(argv)
        if "gunicorn" in argv:
            raise Stop
        return SimpleNamespace(poll=lambda: None, terminate=lambda: None, wait=lambda **k: 0)

    monkeypatch.setattr(cli, "_call", lambda *a, **k: None)
    # no database here: the migration step (and its PostgreSQL lock) is not what is tested
    monkeypatch.setattr(cli, "_migrate", lambda *a, **k: None)
    monkeypatch.setattr(cli.subprocess, "Popen", popen)
    with pytest.raises(Stop):
        cli.main(["serve"])

    gunicorn = next(argv for argv in started if "gunicorn" in argv)
    assert gunicorn[gunicorn.index("--logger-class") + 1] == "tandem.accesslog.RedactingLogger"
