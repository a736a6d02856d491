"""A party file imported through the Import page of the served demo: upload, the columns
guessed from the header, a dry-run preview naming the bad row's error, the import as a job
with its progress bar, the rejected rows downloaded with their reasons, and the new parties
on the party list."""

from pathlib import Path

import pytest

from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser

FILE = (
    "External key,Name,Customer,Email,联系人,城市\n"
    "BRW-1,Browser Imports Alpha,yes,alpha@browser-imports.test,Li Na,Shanghai\n"
    "BRW-2,Browser Imports Beta,yes,not-an-email,Wu Fei,Ningbo\n"
    "BRW-3,Browser Imports Gamma,no,,,Suzhou\n"
)


def test_a_party_file_imports_through_the_page(served, page):
    from playwright.sync_api import expect

    log_in(page, served)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    page.goto(served["url"] + "/imports/")
    page.get_by_label("What to import").select_option("parties")
    page.get_by_label("File").set_input_files(
        {"name": "parties.csv", "mimeType": "text/csv", "buffer": FILE.encode()}
    )
    page.get_by_role("button", name="Next: columns").click()

    # the columns are guessed from the header, the Chinese one included
    expect(page.get_by_label("联系人")).to_have_value("contact_name")
    expect(page.get_by_label("城市")).to_have_value("city")
    page.get_by_role("button", name="Check the first rows").click()

    totals = page.get_by_test_id("import-preview-totals")
    expect(totals).to_contain_text("2 to create")
    expect(totals).to_contain_text("1 rejected")
    rejected = page.get_by_test_id("import-preview").locator("tr[data-action='error']")
    expect(rejected).to_contain_text("validation.email")
    expect(rejected.locator("td").first).to_have_text("3")

    page.get_by_role("button", name="Import the whole file").click()
    progress = page.get_by_test_id("job-progress")
    expect(progress).to_be_visible()
    expect(progress).to_have_attribute("data-state", "done", timeout=90000)
    expect(progress).to_contain_text("100%")

    expect(progress).to_contain_text("validation.email")
    # the link to the rejected rows comes with the finished job, without a reload
    with page.expect_download() as caught:
        progress.get_by_role("link", name="Download the rejected rows (CSV)").click()
    errors = Path(caught.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert errors[0].startswith("_row,_error,External key,Name")
    assert len(errors) == 2 and errors[1].startswith("3,")
    assert "validation.email" in errors[1] and "BRW-2" in errors[1]

    page.goto(served["url"] + "/parties/?search=Browser+Imports")
    results = page.get_by_role("main")
    expect(results.get_by_role("link", name="Browser Imports Alpha")).to_be_visible()
    expect(results.get_by_role("link", name="Browser Imports Gamma")).to_be_visible()
    expect(results.get_by_text("Browser Imports Beta")).to_have_count(0)
