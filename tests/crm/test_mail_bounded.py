"""Inbound mail bodies cost time linear in what is kept: the decoded HTML is cut to RAW_MAX
before lxml parses it, and the text stops at BODY_MAX. Issue 14, hole 1: the old regexes
took 12 s on 80 KB of `<script>` repeated, and Django's strip_tags raised on `<a <a ...`."""

import json
import subprocess
import sys

import pytest

from tandem.crm.mail import BODY_MAX, RAW_MAX, html_to_text, parse_message

TEN_MB = 10 * 1024 * 1024

# Runs in a fresh interpreter so a hang is a timeout there, not a stuck test worker.
CHILD = """
import json, sys
from tandem.crm.mail import parse_message

n = int(sys.argv[1])
bodies = {
    "unclosed_attrs": "<a " * (n // 3),
    "unclosed_script": "<p>hello</p><script>" + "x<" * (n // 2),
    "many_scripts": "<script>" * (n // 8),
    "nested": "<div>" * (n // 5) + "deep",
    "lt": "<" * n,
    "text_then_tags": "<p>" + "word " * (n // 10) + "</p>" + "<b" * (n // 4),
}
out = {}
for kind, body in bodies.items():
    raw = (
        "From: x@y.test\\r\\nMessage-ID: <m@x>\\r\\n"
        "Content-Type: text/html; charset=utf-8\\r\\n\\r\\n" + body
    ).encode()
    out[kind] = len(parse_message(raw).body)
print(json.dumps(out))
"""


def test_crafted_ten_megabyte_html_bodies_finish_in_bounded_time():
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(TEN_MB)],
        capture_output=True,
        text=True,
        timeout=120,  # generous: each body takes about a second; the old code took days
    )

    assert done.returncode == 0, done.stderr
    lengths = json.loads(done.stdout)
    assert lengths["unclosed_attrs"] == 0
    assert lengths["unclosed_script"] == len("hello")
    assert lengths["many_scripts"] == 0
    assert lengths["lt"] <= BODY_MAX
    assert BODY_MAX - 1 <= lengths["text_then_tags"] <= BODY_MAX  # less a stripped space


def test_unclosed_tags_are_not_an_error():
    # Django's strip_tags raised SuspiciousOperation here, crashing the mail-in job
    raw = b"Message-ID: <m@x>\r\nContent-Type: text/html\r\n\r\n" + b"<a " * 30_000 + b"ok"

    assert parse_message(raw).body == ""


def test_text_past_the_raw_cap_is_not_read():
    head = "<style>" + "p{}" * (RAW_MAX // 3) + "</style>"

    assert html_to_text(head + "<p>late</p>") == ""
    assert html_to_text("<p>early</p>" + head) == "early"


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>你好&amp;欢迎</p><p>第二行</p>", "你好&欢迎\n第二行"),
        ("a<br>b<br/><br><br><br>c", "a\nb\n\nc"),
        ("<ul><li>one</li><li>two</li></ul>", "one\ntwo"),
        ("<table><tr><td>a</td><td> b</td></tr><tr><td>c</td></tr></table>", "a b\nc"),
        ("<h1>Title</h1><div>body  text\n  here</div>", "Title\nbody text\nhere"),
        ("<b>he</b>llo <i>wor</i> ld&nbsp;!", "hello wor ld !"),
        ("<head><title>t</title></head><script>alert(1)</script>after<style>p{}</style>", "after"),
        ("x<!-- hidden --> y", "x y"),
        ("a\x00b\x01c", "abc"),
        ("", ""),
    ],
)
def test_html_becomes_text(html, text):
    assert html_to_text(html) == text


def test_the_text_stops_at_the_limit():
    text = html_to_text("<p>word</p>" * 50_000)

    assert BODY_MAX - 1 <= len(text) <= BODY_MAX  # less the stripped last line break
    assert set(text.split("\n")) == {"word"}
