"""Marketing in a real headless chromium: a marketer builds a segment row by row and sees the
live count change (HTMX) before saving it, opens a sent demo campaign's report and reads
the same figures the API gives, with its chart and both attribution models, and writes an
MJML template (bad MJML is refused on the page)."""

import json
import re
import urllib.request
import uuid

import pytest

from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser


def _api(served, path, body=None):
    request = urllib.request.Request(
        served["url"] + "/api/v1" + path,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Authorization": f"Bearer {served['token']}",
            "X-Company": "DEMO",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_build_a_segment_and_see_the_count(served, page):
    rule = {"field": "consent", "op": "granted", "value": "newsletter"}
    everyone = _api(served, "/segments/preview", {"rules": {"all": [rule]}})["count"]
    in_china = _api(
        served,
        "/segments/preview",
        {"rules": {"all": [rule, {"field": "country", "op": "eq", "value": "CN"}]}},
    )["count"]
    assert everyone > 0

    log_in(page, served)
    page.get_by_role("link", name="Marketing", exact=True).first.click()
    page.get_by_role("link", name="Segments", exact=True).first.click()
    page.locator("#segment-new").click()
    name = f"Subscribers in China {uuid.uuid4().hex[:6]}"
    page.locator("#segment-name").fill(name)
    page.locator("#field-0").select_option("consent")
    page.locator("#op-0").select_option("granted")
    page.locator("#value-0").fill("newsletter")
    page.locator("#value-0").press("Tab")
    count = page.locator("#segment-count-value")
    count.wait_for()
    assert int(count.inner_text().replace(",", "")) == everyone
    page.locator("#field-1").select_option("country")
    page.locator("#op-1").select_option("eq")
    page.locator("#value-1").fill("CN")
    page.locator("#value-1").press("Tab")
    page.wait_for_function(
        "n => document.querySelector('#segment-count-value') &&"
        " document.querySelector('#segment-count-value').innerText.replace(/,/g, '') == n",
        arg=str(in_china),
    )
    page.locator("#segment-save").click()
    page.wait_for_url(re.compile(r"/marketing/segments/\d+/$"))
    assert int(page.locator("#segment-count-value").inner_text().replace(",", "")) == in_china
    saved = [s for s in _api(served, "/segments?limit=500")["items"] if s["name"] == name]
    assert saved[0]["member_count"] == in_china


def test_open_a_campaign_report(served, page):
    campaigns = _api(served, "/campaigns?state=sent")["items"]
    autumn = next(c for c in campaigns if c["name"] == "Autumn newsletter")
    stats = _api(served, f"/campaigns/{autumn['id']}/stats")
    assert stats["recipients"] > 0 and stats["opened"] > 0

    log_in(page, served)
    page.goto(served["url"] + "/marketing/campaigns/")
    page.get_by_role("link", name="Autumn newsletter").click()
    page.locator("#campaign-report").wait_for()
    for key in ("recipients", "delivered", "opened", "clicked"):
        shown = page.locator(f"#stat-{key}").inner_text().replace(",", "")
        assert int(shown) == stats[key], key
    assert page.locator("svg.bar-chart rect.bar").count() == 5
    assert page.locator("#campaign-recipients tbody tr").count() == min(50, stats["recipients"])
    for model in ("last_touch", "first_touch"):
        cells = page.locator(f"#attribution-{model} td")
        figures = stats["attribution"][model]
        assert int(cells.nth(1).inner_text().replace(",", "")) == figures["leads"], model
        assert int(cells.nth(3).inner_text().replace(",", "")) == figures["invoices"], model


MJML = (
    "<mjml><mj-body><mj-section><mj-column>"
    "<mj-text>Hello {{ first_name }}</mj-text>"
    '<mj-button href="https://shop.example.com/spring">Buy</mj-button>'
    "</mj-column></mj-section></mj-body></mjml>"
)


def test_write_an_mjml_template(served, page):
    log_in(page, served)
    page.goto(served["url"] + "/marketing/templates/new/")
    name = f"Spring MJML {uuid.uuid4().hex[:6]}"
    page.locator('input[name="name"]').fill(name)
    page.locator('input[name="subject"]').fill("Spring for {{ first_name }}")
    page.locator("#template-format").select_option("mjml")
    page.locator("#template-source").fill(MJML)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/marketing/templates/\d+/$"))
    compiled = page.locator("#template-html").input_value()
    assert "Hello {{ first_name }}" in compiled and "<mj-" not in compiled
    saved = [t for t in _api(served, "/email-templates?limit=500")["items"] if t["name"] == name]
    assert saved[0]["format"] == "mjml" and saved[0]["source"] == MJML

    page.locator("#template-source").fill("<p>not MJML</p>")
    page.get_by_role("button", name="Save").click()
    assert "MJML" in page.locator("#template-error").inner_text()
    again = [t for t in _api(served, "/email-templates?limit=500")["items"] if t["name"] == name]
    assert again[0]["source"] == MJML  # nothing written
