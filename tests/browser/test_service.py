"""Service in a real headless chromium: an agent opens an open demo ticket, replies (HTMX
swaps the ticket in place), resolves it, and the API agrees; then a quality issue's
where-used page lists the lot's customers."""

import json
import urllib.request

import pytest

from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser


def _api(served, path):
    request = urllib.request.Request(
        served["url"] + "/api/v1" + path,
        headers={"Authorization": f"Bearer {served['token']}", "X-Company": "DEMO"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_an_agent_opens_replies_and_resolves(served, page):
    log_in(page, served)
    page.goto(served["url"] + "/service/")
    backlog = int(page.locator("#service-backlog").inner_text().replace(",", ""))
    assert backlog == _api(served, "/reports/service")["backlog"]
    # the agent lists the open tickets and opens the first
    page.locator("#nav-tickets").click()
    page.get_by_label("State").select_option("open")
    page.get_by_role("button", name="Filter").click()
    page.locator("#ticket-table tbody tr a").first.click()
    number = page.locator("h1").inner_text().split(" · ")[0]
    ticket = _api(served, f"/tickets?search={number}")["items"][0]
    before = len(_api(served, f"/tickets/{ticket['id']}/messages")["items"])
    # replies: HTMX swaps the ticket in place with the new message in the thread
    page.locator("#reply-body").fill("We send a technician tomorrow morning.")
    page.locator("#reply-send").click()
    page.locator("#thread li", has_text="We send a technician tomorrow morning.").wait_for()
    # resolves
    page.locator("#ticket-resolve").click()
    page.locator("#ticket-state", has_text="Resolved").wait_for()
    after = _api(served, f"/tickets/{ticket['id']}")
    assert after["state"] == "resolved"
    assert after["resolved_at"]
    messages = _api(served, f"/tickets/{ticket['id']}/messages")["items"]
    assert len(messages) == before + 1
    assert messages[-1]["kind"] == "reply"


def test_where_used_of_the_demo_quality_issue(served, page):
    log_in(page, served)
    issue = _api(served, "/quality-issues")["items"][0]
    used = _api(served, f"/quality-issues/{issue['id']}/where-used")
    page.goto(served["url"] + "/service/quality/")
    page.locator("#quality-table a", has_text=issue["number"]).click()
    rows = page.locator("#where-used tbody tr")
    assert rows.count() == len(used["customers"]) == 3
    assert page.locator("#receipts tbody tr").count() == len(used["receipts"]) == 1
