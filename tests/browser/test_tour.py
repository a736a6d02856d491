"""A new user's first minutes, in a real headless chromium: log in, switch to Chinese,
create a customer and find it in the list."""

import uuid

import pytest

pytestmark = pytest.mark.browser


def test_login_switch_to_chinese_create_and_find_a_customer(served, page):
    from playwright.sync_api import expect

    page.goto(served["url"] + "/")
    expect(page.get_by_role("heading", name="Log in to Tandem")).to_be_visible()
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(served["password"])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    page.get_by_test_id("lang-zh").click()
    expect(page.get_by_role("heading", name="仪表盘")).to_be_visible()

    page.goto(served["url"] + "/parties/new/")
    page.get_by_label("名称", exact=True).fill("浏览器测试客户有限公司")
    page.get_by_label("客户", exact=True).check()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", name="浏览器测试客户有限公司")).to_be_visible()

    page.goto(served["url"] + "/parties/")
    page.get_by_role("searchbox").fill("浏览器测试")
    page.get_by_role("searchbox").press("Enter")
    expect(page.get_by_role("link", name="浏览器测试客户有限公司")).to_be_visible()
    # the language choice is the user's, not the browser's: a reload keeps Chinese
    page.reload()
    expect(page.get_by_role("link", name="浏览器测试客户有限公司")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")


def _api(served, path, body=None):
    """The served API as the admin (to look up ids the pages do not print)."""
    import json
    import urllib.request

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


def test_web_lead_to_invoice_on_one_customer_timeline(served, page):
    """Issue 6's done-when through the UI: a web-form lead is qualified, dragged across the
    kanban, won into an order that is shipped and invoiced, and the customer page's timeline
    shows each step."""
    from playwright.sync_api import expect

    url = served["url"]
    company = f"Kanban Drag Trading {uuid.uuid4().hex[:8]}"
    page.goto(url + "/crm/forms/DEMO/lead/")
    page.get_by_label("Your name").fill("Wen Browser")
    page.get_by_label("Company").fill(company)
    page.get_by_label("Email").fill(f"wen@{company.split()[-1]}.example")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()

    page.goto(url + "/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(served["password"])
    page.get_by_role("button", name="Log in").click()
    if page.get_by_test_id("lang-en").is_visible():
        page.get_by_test_id("lang-en").click()  # an earlier test may have chosen Chinese

    page.goto(url + "/crm/leads/?search=" + company.split()[-1])
    page.locator('#lead-results td a[href*="/crm/leads/"]').first.click()
    page.get_by_test_id("qualify").click()
    expect(page.get_by_test_id("opportunity-state")).to_be_visible()
    opportunity_id = int(page.url.rstrip("/").rsplit("/", 1)[1])

    # the opportunity's product of interest: a demo product with stock on hand
    stocked = [
        level
        for level in _api(served, "/stock/levels?limit=200")["items"]
        if float(level["available"]) >= 2
    ]
    product_id = stocked[0]["product"]
    page.goto(url + f"/crm/opportunities/{opportunity_id}/edit/")
    page.get_by_label("Products of interest").select_option(str(product_id))
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("opportunity-state")).to_be_visible()

    opportunity = _api(served, f"/opportunities/{opportunity_id}")
    stages = sorted(
        (s for s in _api(served, "/pipeline-stages?limit=100")["items"]
         if s["team"] == opportunity["team"] and not s["is_won"] and not s["is_lost"]),
        key=lambda s: s["sequence"],
    )  # fmt: skip
    target = next(s for s in stages if s["sequence"] > stages[0]["sequence"])
    page.goto(url + "/crm/opportunities/board/")
    card = page.locator(f'.crm-card[data-id="{opportunity_id}"]')
    column = page.locator(f'section[data-stage="{target["id"]}"]')
    # the board's own drag-and-drop handlers, fed the events a mouse drag produces
    transfer = page.evaluate_handle("() => new DataTransfer()")
    card.dispatch_event("dragstart", {"dataTransfer": transfer})
    column.dispatch_event("dragover", {"dataTransfer": transfer})
    column.dispatch_event("drop", {"dataTransfer": transfer})
    card.dispatch_event("dragend", {"dataTransfer": transfer})
    expect(column.locator(f'.crm-card[data-id="{opportunity_id}"]')).to_be_visible()
    page.reload()  # the move was POSTed: a fresh board shows the card in its new stage
    expect(column.locator(f'.crm-card[data-id="{opportunity_id}"]')).to_be_visible()
    assert _api(served, f"/opportunities/{opportunity_id}")["stage"] == target["id"]

    page.goto(url + f"/crm/opportunities/{opportunity_id}/")
    expect(page.get_by_test_id("win-create-order")).to_be_checked()
    page.get_by_test_id("win").click()
    page.get_by_test_id("sales-order").get_by_role("link").click()
    page.get_by_test_id("confirm-order").click()
    for step in ("Pick", "Pack", "Ship"):
        page.get_by_role("button", name=step, exact=True).click()
    page.get_by_role("button", name="Create invoice").click()
    order_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    order = _api(served, f"/sales-orders/{order_id}")
    assert order["delivery_status"] == "delivered", order
    invoice_id = order["invoices"][0]
    invoice_id = invoice_id["id"] if isinstance(invoice_id, dict) else invoice_id
    page.goto(url + f"/accounting/invoices/{invoice_id}/")
    page.get_by_test_id("post-invoice").click()
    invoice = _api(served, f"/invoices/{invoice_id}")
    assert invoice["state"] == "posted"

    page.goto(url + f"/parties/{opportunity['party']}/")
    timeline = page.locator(".crm-360-timeline")
    for kind in ("opportunity", "order", "delivery", "invoice"):
        expect(timeline.get_by_test_id(f"timeline-{kind}").first).to_be_visible()
    expect(timeline).to_contain_text(order["number"])
    expect(timeline).to_contain_text(invoice["number"])
