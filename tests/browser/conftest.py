"""A served Tandem for the browser and API-fuzz tests: `tandem serve --demo` on a free port.

`TANDEM_SERVE_BIN` picks the `tandem` executable (CI points it at a venv made by the README's
`pip install .`); by default the current interpreter runs `python -m tandem`.

One server serves the whole session: a start migrates a fresh database and loads the demo
(~40 s of CPU), so a server per module cost more than the tests themselves. The tests that
read the demo run first, in file order; the schemathesis fuzzer, which writes all over the
data, runs last (see `pytest_collection_modifyitems`). Run the leg without xdist (`-n 0`):
each xdist worker would start its own server.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ADMIN_PASSWORD = "browser-pass-2026"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tandem_cmd() -> list[str]:
    binary = os.environ.get("TANDEM_SERVE_BIN")
    return [binary] if binary else [sys.executable, "-m", "tandem"]


FUZZ_LAST = "test_api_fuzz.py"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Move the fuzzer's tests after every other test of this directory (a stable sort)."""
    here = Path(__file__).parent
    items.sort(key=lambda item: item.path.parent == here and item.path.name == FUZZ_LAST)


@pytest.fixture(scope="session")
def served(tmp_path_factory):
    """One fresh `tandem serve --demo` for the session; the fuzzer's tests run last."""
    data_dir = tmp_path_factory.mktemp("tandem-data")
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "TANDEM_DATABASE_URL",
            "TANDEM_TEST_DATABASE_URL",
            "TANDEM_BROKER_URL",
            "DJANGO_SETTINGS_MODULE",
        }
    }
    env.update(TANDEM_DATA_DIR=str(data_dir), TANDEM_ADMIN_PASSWORD=ADMIN_PASSWORD)
    port = _free_port()
    log = (data_dir / "serve.log").open("w")
    process = subprocess.Popen(
        [*_tandem_cmd(), "serve", "--demo", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=data_dir,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600  # migrate + demo: ~40 s alone, minutes on a busy machine
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("tandem serve did not come up:\n" + (data_dir / "serve.log").read_text())
        time.sleep(0.5)
    token = (
        subprocess.run(
            [*_tandem_cmd(), "token", "create", "--user", "admin"],
            env=env,
            cwd=data_dir,
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    yield {
        "url": base,
        "token": token,
        "password": ADMIN_PASSWORD,
        "data_dir": data_dir,
        "process": process,
    }
    process.send_signal(signal.SIGTERM)
    try:
        code = process.wait(timeout=40)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("tandem serve did not stop within 40 s of SIGTERM")
    log.close()
    assert code == 0, (data_dir / "serve.log").read_text()[-3000:]


CHROMIUM = "/usr/bin/chromium"
# the flags this machine's chromium needs headless as root and offline (no background
# connections, which the closed network refuses many at a time)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def page(served):
    """A fresh chromium page (English browser locale) for one test."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(locale="en-US")
        page = context.new_page()
        page.set_default_timeout(20000)
        yield page
        context.close()
        browser.close()
