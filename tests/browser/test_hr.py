"""Issue 18: an HR user opens an employee of the demo, asks for two days of annual leave
for them, submits and approves it, then opens a posted payslip and
its PDF."""

import pytest

from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser


def test_hr_opens_an_employee_approves_leave_and_opens_a_payslip(served, page):
    from playwright.sync_api import expect

    log_in(page, served)
    page.goto(served["url"] + "/hr/employees/?q=E0020")
    page.get_by_role("link", name="E0020").first.click()
    expect(page.locator("#leave-balances")).to_contain_text("Annual leave")
    form = page.locator("#leave-form")
    form.locator("select[name=leave_type]").select_option(label="年假 Annual leave")
    # a Monday and Tuesday three weeks ahead, found by the page's own date input
    page.evaluate(
        """() => {
            const d = new Date(); d.setDate(d.getDate() + 21);
            while (d.getDay() !== 1) d.setDate(d.getDate() + 1);
            const iso = x => x.toISOString().slice(0, 10);
            const e = new Date(d); e.setDate(e.getDate() + 1);
            document.querySelector('#leave-form input[name=start]').value = iso(d);
            document.querySelector('#leave-form input[name=end]').value = iso(e);
        }"""
    )
    form.get_by_role("button", name="Submit request").click()
    row = page.locator("#leave-table tbody tr").first
    expect(row.locator(".state")).to_have_text("Submitted")
    row.get_by_role("button", name="Approve").click()
    expect(page.locator("#leave-table tbody tr").first.locator(".state")).to_have_text("Approved")

    slip_link = page.locator("table a[href*='/hr/payslips/']").first
    slip_link.click()
    expect(page.get_by_role("heading", name="Payslip")).to_be_visible()
    expect(page.locator("#payslip-net")).not_to_have_text("")
    with page.expect_response(lambda r: "/pdf/" in r.url) as response:
        page.evaluate("url => fetch(url)", page.locator("#payslip-pdf-zh").get_attribute("href"))
    assert response.value.status == 200
    assert response.value.headers["content-type"] == "application/pdf"


def test_a_manager_rates_a_review_by_clicking(served, page):
    """HR (the demo's admin) opens the demo's review cycle, picks a rating in an employee's
    manager-review form and submits it: the row shows the rating, the form is gone."""
    from playwright.sync_api import expect

    log_in(page, served)
    page.goto(served["url"] + "/hr/")
    page.get_by_role("link", name="Reviews").first.click()
    page.locator("#cycle-table tbody tr a").first.click()
    button = page.get_by_role("button", name="Submit manager review")
    row = page.locator("#review-table tbody tr", has=button).first
    number = row.get_attribute("data-employee")
    row.locator("select[name=rating]").select_option("5")
    row.locator("input[name=comment]").fill("Clicked in the browser")
    row.get_by_role("button", name="Submit manager review").click()
    rated = page.locator(f"#review-table tbody tr[data-employee='{number}']")
    expect(rated.locator(".manager-review .rating")).to_have_text("5")
    expect(rated.get_by_role("button", name="Submit manager review")).to_have_count(0)


def test_hr_runs_a_payroll_month_from_the_page(served, page):
    """HR creates the March 2026 run of the PRC structure on the payroll page, computes it
    (a job whose progress the run's page shows), opens a payslip from the run and posts the
    run: the page shows it posted with its ledger entry, and a second compute is not
    offered."""
    from playwright.sync_api import expect

    log_in(page, served)
    page.on("dialog", lambda dialog: dialog.accept())  # "Post this payroll run?"
    page.goto(served["url"] + "/hr/")
    page.get_by_role("link", name="Payroll runs").first.click()
    form = page.locator("#run-create")
    form.locator("input[name=period]").fill("2026-03")
    form.locator("select[name=structure]").select_option(label="中国工资 PRC payroll")
    form.get_by_role("button", name="New payroll run").click()
    expect(page.locator("#run-state")).to_have_text("Draft")
    expect(page.locator("#payslip-table")).to_contain_text("Not computed yet.")

    page.locator("#run-compute").click()
    expect(page.locator("#run-job [data-testid=job-progress]")).to_have_attribute(
        "data-state", "done", timeout=60_000
    )
    expect(page.locator("#run-job")).to_contain_text("100%")
    page.locator("#run-job").get_by_role("link", name="Payslips").click()
    expect(page.locator("#run-state")).to_have_text("Computed")
    rows = page.locator("#payslip-table tbody tr")
    expect(rows.first).to_contain_text("Computed")
    assert rows.count() >= 50

    rows.first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Payslip")).to_be_visible()
    expect(page.locator("#payslip-net")).not_to_have_text("")
    page.go_back()

    page.locator("#run-post").click()
    expect(page.locator("#run-state")).to_have_text("Posted")
    expect(page.locator("#run-entry")).not_to_have_text("")
    expect(page.locator("#run-compute")).to_have_count(0)
    expect(page.locator("#run-bank-file")).to_be_visible()
