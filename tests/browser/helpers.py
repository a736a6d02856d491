"""What every browser test does first: log in through the login page, in a chosen language."""

import re


def log_in(page, served, *, username="admin", password=None, language="en"):
    """Log in as `username` (the demo's admin by default) and make sure the pages are in
    `language`: the language toggle is a per-user setting, and an earlier test may have left
    it on the other one."""
    page.goto(served["url"] + "/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password or served["password"])
    page.get_by_role("button", name=re.compile("Log in|登录")).click()
    page.wait_for_load_state()
    wanted, other = ("lang-zh", "lang-en") if language == "zh-hans" else ("lang-en", "lang-zh")
    if page.get_by_test_id(wanted).is_visible():
        page.get_by_test_id(wanted).click()
    page.get_by_test_id(other).wait_for()
