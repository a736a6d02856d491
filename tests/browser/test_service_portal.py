"""The customer portal in a real headless chromium: a customer of the demo's complained-about
lot asks for a login link, follows it from the mail (the served app's console mail log),
types a subject and sees a knowledge-base suggestion (HTMX), picks the lot from its
deliveries and opens a ticket that the API then shows with the portal channel and the lot."""

import json
import re
import time
import urllib.request

import pytest

pytestmark = pytest.mark.browser


def _api(served, path, data=None, method=None):
    request = urllib.request.Request(
        served["url"] + "/api/v1" + path,
        data=json.dumps(data).encode() if data is not None else None,
        method=method or ("POST" if data is not None else "GET"),
        headers={
            "Authorization": f"Bearer {served['token']}",
            "X-Company": "DEMO",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _login_link(served, address, deadline=20.0):
    log = served["data_dir"] / "serve.log"
    end = time.monotonic() + deadline
    pattern = re.compile(r"(http\S+/service/portal/DEMO/login/\S+/)")
    while time.monotonic() < end:
        text = log.read_text(errors="replace")
        at = text.rfind(f"To: {address}")
        found = pattern.findall(text[at:]) if at >= 0 else []
        if found:
            return found[0]
        time.sleep(0.3)
    raise AssertionError(f"no login link mailed to {address}")


def test_a_customer_opens_a_ticket_in_the_portal(served, page):
    # given a customer who received the demo's complained-about lot, with a contact
    issue = _api(served, "/quality-issues")["items"][0]
    party = _api(served, f"/quality-issues/{issue['id']}/where-used")["customers"][0]["party"]
    address = f"portal.{party}@example.test"
    _api(served, f"/parties/{party}/contacts", {"name": "Portal Buyer", "email": address})
    # and a public article about compressors
    article = _api(
        served,
        "/kb-articles",
        {
            "title": "Compressor rattles after delivery",
            "body": "Let it stand 4 hours.",
            "public": True,
        },
    )
    _api(served, f"/kb-articles/{article['id']}", {"state": "published"}, method="PATCH")
    # when the contact asks for a link and follows it
    page.goto(served["url"] + "/service/portal/DEMO/login/")
    page.locator("#portal-email").fill(address)
    page.locator("#portal-send-link").click()
    page.locator("#portal-message").wait_for()
    page.goto(_login_link(served, address))
    page.locator("#portal-tickets").wait_for()
    # then typing the subject suggests the article
    page.locator("#portal-new").click()
    page.locator("#portal-subject").type("compressor rattles", delay=20)
    page.locator("#portal-suggestions a", has_text="Compressor rattles after delivery").wait_for()
    # and the picker offers the lot it received
    options = page.locator("#portal-item option")
    labels = [options.nth(i).inner_text() for i in range(options.count())]
    lot_label = next(label for label in labels if "·" in label)
    page.locator("#portal-item").select_option(label=lot_label)
    page.locator("#portal-body").fill("The compressor rattles since delivery.")
    page.locator("#portal-submit").click()
    title = page.locator("#portal-ticket-title").inner_text()
    number = title.split(" · ")[0]
    ticket = _api(served, f"/tickets?search={number}")["items"][0]
    assert (ticket["channel"], ticket["party"]) == ("portal", party)
    assert ticket["lot"] is not None
