"""Agents' working hours in a real headless chromium against the served demo: from the teams
page to a team's agents, an agent's own hours and languages set by clicking, an absence
added; the API (GET /service-teams/{id}/agents, /absences) agrees with the screen."""

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


def test_an_agents_own_hours_and_an_absence_are_set_on_the_page(served, page):
    log_in(page, served)
    team = next(t for t in _api(served, "/service-teams")["items"] if t["members"])
    agent = team["members"][-1]
    page.goto(served["url"] + "/service/")
    page.get_by_role("link", name="Teams and SLA").first.click()
    page.locator(f"#team-agents-{team['id']}").click()
    row = page.locator(f"#agent-{agent}")
    row.wait_for()
    # the agent's own hours: the first calendar offered, and two languages
    select = page.locator(f"#agent-calendar-{agent}")
    option = select.locator("option").nth(1)
    calendar_id, calendar_name = option.get_attribute("value"), option.inner_text()
    select.select_option(calendar_id)
    page.locator(f"#agent-languages-{agent}").fill("en, zh-hans")
    page.locator(f"#agent-save-{agent}").click()
    page.locator(".flash", has_text="Working hours saved.").wait_for()
    assert row.locator(".agent-hours").inner_text() == calendar_name
    assert row.locator(".agent-source").inner_text() == "agent's own"
    read = _api(served, f"/service-teams/{team['id']}/agents/{agent}")
    assert (read["calendar"], read["hours"], read["hours_source"]) == (
        int(calendar_id),
        int(calendar_id),
        "agent",
    )
    assert read["languages"] == ["en", "zh-hans"]
    # an absence for the same agent
    before = _api(served, f"/service-teams/{team['id']}/absences")["count"]
    page.locator("#absence-user").select_option(str(agent))
    page.locator("#absence-start").fill("2031-03-03T09:00")
    page.locator("#absence-end").fill("2031-03-04T18:00")
    page.locator("#absence-note").fill("training day")
    page.locator("#absence-add").click()
    page.locator("#absence-table td", has_text="training day").wait_for()
    absences = _api(served, f"/service-teams/{team['id']}/absences?limit=500")
    assert absences["count"] == before + 1
    added = next(a for a in absences["items"] if a["note"] == "training day")
    assert added["user"] == agent
