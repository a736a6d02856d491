"""A long operation started from a page runs as a job on the served demo's worker: the
progress bar polls (htmx, no inline script) until the job is done, and the Jobs page lists it."""

import pytest

from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser


def test_replenishment_runs_as_a_job_with_a_live_progress_bar(served, page):
    from playwright.sync_api import expect

    log_in(page, served)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    page.goto(served["url"] + "/purchasing/replenishment/")
    page.get_by_role("button", name="Run replenishment").click()

    progress = page.get_by_test_id("job-progress")
    expect(progress).to_be_visible()
    # the worker child of `tandem serve` picks the job up; the partial polls until it is done
    expect(progress).to_have_attribute("data-state", "done", timeout=90000)
    expect(progress).to_contain_text("100%")

    page.goto(served["url"] + "/settings/")
    page.get_by_role("link", name="Jobs").click()
    expect(page.get_by_role("heading", name="Jobs")).to_be_visible()
    row = page.get_by_test_id("jobs").get_by_role("row").filter(has_text="Replenishment run")
    expect(row.first).to_contain_text("Done")
