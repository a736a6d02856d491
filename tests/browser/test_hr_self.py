"""Issue 18: HR attaches a document to an employee on the employee's page and sees it listed
(and on the HR home among those expiring within 30 days); an employee logs in, follows "HR"
to their own page and sees their payslips and leave, asks for leave, opens a payslip and
its PDF."""

import os
import subprocess
from datetime import date, timedelta

import pytest

from tests.browser.conftest import _tandem_cmd
from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n% a labour contract\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
EMPLOYEE_PASSWORD = "Own-page-2026!"


def _set_password(served, username: str, password: str) -> None:
    """The demo's users have no usable password: the operator sets one (as `tandem manage`
    would), so the employee can log in through the login page."""
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
    env["TANDEM_DATA_DIR"] = str(served["data_dir"])
    code = (
        "from tandem.core.models import User\n"
        "from tandem.core.services import user_password_set\n"
        f"user_password_set(user=User.objects.get(username={username!r}), password={password!r})"
    )
    subprocess.run(
        [*_tandem_cmd(), "manage", "shell", "-c", code],
        env=env,
        cwd=served["data_dir"],
        check=True,
        capture_output=True,
        timeout=300,
    )


def test_hr_uploads_a_contract_on_the_employee_page_and_sees_it_listed(served, page):
    from playwright.sync_api import expect

    log_in(page, served)
    page.goto(served["url"] + "/hr/employees/?q=E0030")
    page.get_by_role("link", name="E0030").first.click()
    expect(page.locator("#document-table")).to_contain_text("No documents yet.")

    form = page.locator("#document-form")
    form.locator("select[name=kind]").select_option(label="Contract")
    form.locator("input[name=title]").fill("Labour contract 2026")
    form.locator("input[name=valid_to]").fill(f"{date.today() + timedelta(days=12):%Y-%m-%d}")
    form.locator("input[name=file]").set_input_files(
        {"name": "contract-E0030.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    form.get_by_role("button", name="Upload").click()

    expect(page.get_by_text("The document is attached.")).to_be_visible()
    row = page.locator("#document-table tbody tr", has_text="Labour contract 2026")
    expect(row.locator(".kind")).to_have_text("Contract")
    expect(row).to_contain_text("contract-E0030.pdf")
    expect(row.locator(".expiry")).to_contain_text("Expires in")
    with page.expect_download() as download:
        row.get_by_role("link", name="Labour contract 2026").click()
    assert download.value.suggested_filename == "contract-E0030.pdf"
    with open(download.value.path(), "rb") as handle:
        assert handle.read() == PDF

    # a file that is not a PDF, PNG or JPEG is refused on the page and not listed
    form.locator("select[name=kind]").select_option(label="Other")
    form.locator("input[name=title]").fill("Not a document")
    form.locator("input[name=file]").set_input_files(
        {"name": "run.pdf", "mimeType": "application/pdf", "buffer": b"#!/bin/sh\necho\n"}
    )
    form.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("The file must be a PDF, PNG or JPEG.")).to_be_visible()
    expect(page.locator("#document-table tbody tr", has_text="Not a document")).to_have_count(0)

    page.locator("nav.tabs").get_by_role("link", name="HR", exact=True).click()
    expect(page.locator("#expiring-documents")).to_contain_text("Labour contract 2026")


def test_an_employee_sees_their_own_payslips_and_leave_and_asks_for_leave(served, page):
    from playwright.sync_api import expect

    _set_password(served, "li.na", EMPLOYEE_PASSWORD)
    log_in(page, served, username="li.na", password=EMPLOYEE_PASSWORD)
    page.locator("nav.sidebar").get_by_role("link", name="HR", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("My page")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Li Na")
    expect(page.locator("#leave-balances")).to_contain_text("Annual leave")
    slips = page.locator("#payslip-list tbody tr")
    expect(slips.first).to_contain_text("Computed")
    assert slips.count() >= 3  # the demo's three posted months
    # documents: read-only on the employee's own page
    expect(page.locator("#document-table")).to_be_visible()
    expect(page.locator("#document-form")).to_have_count(0)

    submitted = page.locator("#leave-table .state", has_text="Submitted")
    before = submitted.count()
    form = page.locator("#leave-form")
    form.locator("select[name=leave_type]").select_option(label="年假 Annual leave")
    # a Tuesday and Wednesday about seven weeks ahead, set in the page's own date inputs
    page.evaluate(
        """() => {
            const d = new Date(); d.setDate(d.getDate() + 49);
            while (d.getDay() !== 2) d.setDate(d.getDate() + 1);
            const iso = x => x.toISOString().slice(0, 10);
            const e = new Date(d); e.setDate(e.getDate() + 1);
            document.querySelector('#leave-form input[name=start]').value = iso(d);
            document.querySelector('#leave-form input[name=end]').value = iso(e);
        }"""
    )
    form.get_by_role("button", name="Submit request").click()
    expect(page.get_by_text("The leave request is saved.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("My page")
    expect(submitted).to_have_count(before + 1)

    slips.first.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Payslip")).to_be_visible()
    expect(page.locator("#payslip-net")).not_to_have_text("")
    with page.expect_response(lambda r: "/pdf/" in r.url) as response:
        page.evaluate("url => fetch(url)", page.locator("#payslip-pdf-zh").get_attribute("href"))
    assert response.value.status == 200
    assert response.value.headers["content-type"] == "application/pdf"
    # HR's pages stay closed to the employee
    answer = page.goto(served["url"] + "/hr/employees/")
    assert answer.status == 403
