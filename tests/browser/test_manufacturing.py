"""Issue 17: a production user builds a BOM, makes an order, confirms, reserves, produces
and completes it on its page (the stock made and its cost on screen), runs MRP from the MRP
page and sees what it plans and advises, then records a failed quality check on the shop's
quality page and releases the lot.

Everything is made through the pages from the demo's stocked products (SKU-00009 USB-C hub
and SKU-00010 Wireless mouse are received by inventory's demo), so the test does not depend
on the manufacturing demo being loaded.
"""

import re

import pytest

from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser

FINISHED = "SKU-00012"  # the demo's docking station, made here from a hub and two mice


def _pick(page, select: str, text: str) -> None:
    """Choose the option of `select` whose label contains `text`."""
    value = page.locator(f"{select} option", has_text=text).first.get_attribute("value")
    page.locator(select).select_option(value)


def _bom(page, base) -> None:
    """A BOM made on its page: one hub and two mice make a docking station."""
    from playwright.sync_api import expect

    page.goto(base + "/boms/new/")
    _pick(page, "select[name=product]", FINISHED)
    _pick(page, "select[name=lines-0-product]", "SKU-00009")
    page.locator("input[name=lines-0-quantity]").fill("1")
    _pick(page, "select[name=lines-1-product]", "SKU-00010")
    page.locator("input[name=lines-1-quantity]").fill("2")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("body")).to_contain_text("Bill of materials saved.")


def test_an_order_is_made_on_its_page_and_mrp_runs_from_its_page(served, page):
    from playwright.sync_api import expect

    page.on("dialog", lambda dialog: dialog.accept())  # the "Mark done?" question
    log_in(page, served)
    base = served["url"] + "/manufacturing"
    _bom(page, base)
    # an order for 3, confirmed, reserved, produced and done
    page.goto(base + "/orders/new/")
    _pick(page, "select[name=bom]", FINISHED)
    page.locator("input[name=quantity]").fill("3")
    page.get_by_role("button", name="Save").click()
    state = page.locator('[data-cell="state"]')
    expect(state).to_have_text("Draft")
    page.get_by_role("button", name="Confirm").click()
    expect(state).to_have_text("Confirmed")
    page.get_by_role("button", name="Reserve components").click()
    expect(page.locator("body")).to_contain_text("Components reserved.")
    page.locator("input[name=quantity]").first.fill("3")
    page.get_by_role("button", name="Produce", exact=True).click()
    expect(state).to_have_text("In progress")
    outputs = page.locator("h2:has-text('Outputs') + table tbody tr").first
    expect(outputs).to_contain_text(FINISHED)
    expect(outputs.locator("td").nth(2)).to_have_text("3")  # produced
    expect(outputs.locator("td").nth(4)).not_to_have_text(re.compile(r"^\D*0\.00$"))  # valued
    page.get_by_role("button", name="Mark done").click()
    expect(state).to_have_text("Done")
    expect(page.locator('[data-cell="wip"]')).to_contain_text("0.00")
    # the ledger lines shown: components into work in progress, and out of it into the lamp
    expect(page.locator("table").last).to_contain_text("work in progress")
    # a big draft order is demand for more hubs than the shelf holds
    page.goto(base + "/orders/new/")
    _pick(page, "select[name=bom]", FINISHED)
    page.locator("input[name=quantity]").fill("5000")
    page.get_by_role("button", name="Save").click()
    expect(state).to_have_text("Draft")
    page.get_by_role("button", name="Confirm").click()
    expect(state).to_have_text("Confirmed")
    # MRP from its page: the job runs, its plan and advice are on the page
    page.goto(base + "/mrp/")
    page.get_by_role("button", name="Run MRP").click()
    progress = page.get_by_test_id("job-progress")
    expect(progress).to_have_attribute("data-state", "done", timeout=120000)
    page.goto(base + "/mrp/?kind=purchase")
    expect(page.locator("#planned-orders")).to_contain_text("SKU-00009")
    expect(page.locator("#mrp-messages")).to_be_visible()
    expect(page.locator("#mrp-last-run")).to_contain_text("Regenerative")


def test_a_quality_point_a_failed_check_holds_the_lot_until_released(served, page):
    from playwright.sync_api import expect

    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, served)
    base = served["url"] + "/manufacturing"
    _bom(page, base)  # its own, so this test also runs alone
    page.goto(base + "/quality/")
    form = page.locator("#point-form")
    form.locator("input[name=name]").fill("Dock casing")
    form.locator("select[name=trigger]").select_option("production")
    _pick(page, "#point-form select[name=product]", FINISHED)
    form.get_by_role("button", name="Save control point").click()
    expect(page.locator("#quality-points")).to_contain_text("Dock casing")
    # an order of one docking station, made: its check is on its page
    page.goto(base + "/orders/new/")
    _pick(page, "select[name=bom]", FINISHED)
    page.locator("input[name=quantity]").fill("1")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Confirm").click()
    page.locator("input[name=quantity]").first.fill("1")
    page.get_by_role("button", name="Produce", exact=True).click()
    checks = page.locator("#order-checks")
    expect(checks).to_contain_text("Dock casing")
    checks.locator("select[name=result]").select_option("fail")
    checks.get_by_role("button", name="Record").click()
    expect(page.locator("#order-checks [data-cell=check-state]")).to_contain_text("Failed")
    page.get_by_role("button", name="Mark done").click()
    expect(page.locator("body")).to_contain_text("failed; release or scrap first")
    page.get_by_role("button", name="Release lot").click()
    expect(page.locator("#order-checks [data-cell=check-state]")).to_contain_text("Released")
    page.get_by_role("button", name="Mark done").click()
    expect(page.locator('[data-cell="state"]')).to_have_text("Done")


def test_a_work_centre_gets_a_working_calendar_and_the_capacity_chart_follows_it(served, page):
    """The paint line's calendar (two shifts, Monday to Saturday, from the manufacturing
    demo) chosen for a new centre on its form: the list names it, and the capacity page
    counts six working days in a week without a public holiday (the company calendar's
    centres five)."""
    from playwright.sync_api import expect

    log_in(page, served)
    base = served["url"] + "/manufacturing"
    page.goto(base + "/work-centers/")
    page.get_by_role("link", name="New work centre").click()
    page.locator("input[name=code]").fill("NGT")
    page.locator("input[name=name]").fill("Night line")
    page.locator("input[name=capacity_hours_per_day]").fill("16")
    _pick(page, "select[name=calendar]", "Paint line shifts")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("body")).to_contain_text("Work centre saved.")
    expect(page.locator("tr", has_text="Night line")).to_contain_text("Paint line shifts")
    page.get_by_role("link", name="Capacity").first.click()
    night = page.locator("#capacity-NGT")
    expect(night.locator("[data-calendar]")).to_contain_text("Paint line shifts")
    expect(night.locator("[data-calendar]")).to_contain_text("16")
    # eight weeks shown: at least one has no public holiday
    six = night.locator("tr", has=page.locator("td[data-working-days]", has_text="6")).first
    expect(six).to_be_visible()
    expect(six.locator("td").nth(3)).to_have_text("96")  # 6 days x 16 h
    assembly = page.locator("#capacity-ASM")
    expect(assembly.locator("td[data-working-days]", has_text="5").first).to_be_visible()
    expect(assembly.locator("[data-calendar]")).to_contain_text("Company calendar")
