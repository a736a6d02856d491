"""A new user's first minutes, in a real headless chromium: log in, switch to Chinese,
create a customer and find it in the list."""

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def page(served):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(locale="en-US")
        page = context.new_page()
        page.set_default_timeout(20000)
        yield page
        context.close()
        browser.close()


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
