"""The agent's tools in a real headless chromium against the served demo: a canned response
made on its page and inserted into a reply (merge fields filled), a macro made on its page
and applied to a ticket, a thread split by ticking a message, and the escalation trail on
the ticket page; the API agrees with every screen."""

import json
import urllib.parse
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


def _open_tickets(served):
    return _api(served, "/tickets?state=open&limit=100")["items"]


def test_a_canned_response_is_made_and_inserted_into_a_reply(served, page):
    log_in(page, served)
    page.goto(served["url"] + "/service/")
    page.locator("#nav-canned").click()
    page.locator("#canned-new").click()
    page.locator("#canned-name").fill("Technician booked")
    page.locator("#canned-body").fill(
        "Dear {{ customer.name }}, a technician visits for {{ ticket.number }} tomorrow."
    )
    page.locator("#canned-save").click()
    page.locator("#canned-table a", has_text="Technician booked").wait_for()
    # the agent opens an open ticket with a customer and picks the canned response
    ticket = next(t for t in _open_tickets(served) if t["party"])
    party = _api(served, f"/parties/{ticket['party']}")
    page.goto(served["url"] + f"/service/tickets/{ticket['id']}/")
    page.locator("#reply-body").fill("Hello,")
    page.locator("#canned-pick").select_option(label="Technician booked")
    expected = (
        f"Hello,\n\nDear {party['name']}, a technician visits for {ticket['number']} tomorrow."
    )
    page.wait_for_function(
        "text => document.querySelector('#reply-body').value === text", arg=expected
    )
    before = _api(served, f"/tickets/{ticket['id']}/messages?limit=200")["count"]
    page.locator("#reply-send").click()
    page.locator("#thread li", has_text="a technician visits for").wait_for()
    messages = _api(served, f"/tickets/{ticket['id']}/messages?limit=200")
    assert messages["count"] == before + 1
    assert messages["items"][-1]["kind"] == "reply"
    assert messages["items"][-1]["body"] == expected


def test_a_macro_is_made_and_applied_to_a_ticket(served, page):
    log_in(page, served)
    page.goto(served["url"] + "/service/macros/")
    page.locator("#macro-new").click()
    page.locator("#macro-name").fill("Urgent and wait")
    page.locator("#macro-priority").select_option("urgent")
    page.locator("#macro-tags").fill("browser-macro")
    page.locator("#macro-reply").select_option(label="Acknowledge")
    page.locator("#macro-state").select_option("waiting_customer")
    page.locator("#macro-save").click()
    page.locator("#macro-table a", has_text="Urgent and wait").wait_for()
    ticket = next(t for t in _open_tickets(served) if t["priority"] != "urgent")
    page.goto(served["url"] + f"/service/tickets/{ticket['id']}/")
    page.locator("#macro-pick").select_option(label="Urgent and wait")
    page.locator("#macro-apply").click()
    page.locator("#ticket-state", has_text="Waiting on customer").wait_for()
    page.locator("#thread li", has_text=f"Ticket {ticket['number']} is with").wait_for()
    after = _api(served, f"/tickets/{ticket['id']}")
    assert (after["priority"], after["state"]) == ("urgent", "waiting_customer")
    assert "browser-macro" in after["tags"]


def test_a_thread_with_two_matters_is_split(served, page):
    log_in(page, served)
    search = urllib.parse.quote("also an invoice copy")
    (ticket,) = _api(served, f"/tickets?search={search}")["items"]
    messages = _api(served, f"/tickets/{ticket['id']}/messages")["items"]
    second = [m for m in messages if m["kind"] == "inbound"][-1]
    page.goto(served["url"] + f"/service/tickets/{ticket['id']}/")
    page.locator(f"#thread input[value='{second['id']}']").check()
    page.locator("#split-subject").fill("Copy of last month's invoice")
    page.locator("#split-submit").click()
    page.locator("h1", has_text="Copy of last month's invoice").wait_for()
    page.locator("#thread li", has_text="please send a copy of last month").wait_for()
    new_number = page.locator("h1").inner_text().split(" · ")[0]
    (new,) = _api(served, f"/tickets?search={new_number}")["items"]
    assert (new["party"], new["opened_at"]) == (ticket["party"], ticket["opened_at"])
    moved = [m["id"] for m in _api(served, f"/tickets/{new['id']}/messages")["items"]]
    assert second["id"] in moved
    left = [m["id"] for m in _api(served, f"/tickets/{ticket['id']}/messages")["items"]]
    assert second["id"] not in left


def test_the_escalation_trail_is_on_the_ticket_page(served, page):
    log_in(page, served)
    search = urllib.parse.quote("Cold room compressor stopped")
    (ticket,) = _api(served, f"/tickets?search={search}")["items"]
    trail = _api(served, f"/tickets/{ticket['id']}/escalations")
    assert trail
    page.goto(served["url"] + f"/service/tickets/{ticket['id']}/")
    rows = page.locator("#escalations tbody tr")
    assert rows.count() == len(trail)
    assert rows.first.locator("td").nth(5).inner_text() == trail[0]["detail"]
