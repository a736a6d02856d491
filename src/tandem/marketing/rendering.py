"""Email template checks and rendering: `{{ field }}` merge fields, balanced HTML, the
generated plain-text part, and the click-tracking rewrite of links.

A template is parsed once (`Compiled`) and rendered per recipient by substituting the merge
values, so a 100,000-recipient send does not re-parse HTML per message."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from .errors import TemplateInvalid

MERGE_FIELDS = {
    "name": "the recipient's name",
    "first_name": "the first word of a person's name (else the name)",
    "last_name": "the last word of a person's name",
    "company": "the recipient organisation's name",
    "email": "the recipient's address",
    "salesperson": "the owner of the recipient's latest opportunity",
    "sender_company": "your company's name",
    "unsubscribe_url": "the one-click unsubscribe link",
    "preferences_url": "the recipient's preference page",
    "products": "a block of up to three products recommended to the recipient (analytics)",
}
FIELD_RE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
BRACES_RE = re.compile(r"\{\{|\}\}")
HREF_RE = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(https?://[^"']+)\2""", re.IGNORECASE)
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
# elements whose end tag HTML allows to be left out; not counted as unbalanced
OPTIONAL_END = {"p", "li", "td", "th", "tr", "thead", "tbody", "tfoot", "option", "dt", "dd"}


class _Balance(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if self.error or tag in VOID:
            return
        while self.stack and self.stack[-1] != tag and self.stack[-1] in OPTIONAL_END:
            self.stack.pop()
        if not self.stack or self.stack[-1] != tag:
            self.error = (
                f"</{tag}> closes nothing open"
                if tag not in self.stack
                else (f"<{self.stack[-1]}> is not closed before </{tag}>")
            )
            return
        self.stack.pop()


def _check_fields(text: str, field: str) -> None:
    for match in FIELD_RE.finditer(text):
        if match.group(1) not in MERGE_FIELDS:
            raise TemplateInvalid(
                f"{field}: unknown merge field {match.group(1)!r}",
                code="template.unknown_field",
                field=field,
            )
    stripped = FIELD_RE.sub("", text)
    if BRACES_RE.search(stripped):
        raise TemplateInvalid(
            f"{field}: a merge field is not of the form {{{{ name }}}}",
            code="template.unbalanced_markup",
            field=field,
        )


def template_check(*, subject: str, body_html: str, body_text: str = "") -> None:
    """Unknown merge fields (`template.unknown_field`), stray braces or unclosed/misnested
    HTML elements (`template.unbalanced_markup`) are refused."""
    for field, text in (("subject", subject), ("body_html", body_html), ("body_text", body_text)):
        _check_fields(text or "", field)
    parser = _Balance()
    parser.feed(body_html or "")
    parser.close()
    rest = [tag for tag in parser.stack if tag not in OPTIONAL_END]
    if parser.error or rest:
        message = parser.error or f"<{rest[-1]}> is never closed"
        raise TemplateInvalid(
            f"body_html: {message}", code="template.unbalanced_markup", field="body_html"
        )


class _Text(HTMLParser):
    """HTML to readable plain text: block elements break lines, links keep their URL."""

    BLOCK = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.href: list[str | None] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script", "head", "title"):
            self.skip += 1
        if tag in self.BLOCK:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")
        if tag == "a":
            self.href.append(dict(attrs).get("href"))

    def handle_endtag(self, tag):
        if tag in ("style", "script", "head", "title"):
            self.skip = max(0, self.skip - 1)
        if tag == "a" and self.href:
            href = self.href.pop()
            if href and href.startswith(("http://", "https://")):
                self.parts.append(f" ({href})")
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip:
            text = " ".join(data.split())
            if data[:1].isspace():
                text = " " + text
            if data[-1:].isspace() and text:
                text += " "
            self.parts.append(text or " ")


def html_to_text(body_html: str) -> str:
    parser = _Text()
    parser.feed(body_html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip() + "\n"


def links_of(body_html: str) -> list[str]:
    """The http(s) link targets of a template's HTML, in order, without duplicates."""
    return list(dict.fromkeys(html.unescape(m.group(3)) for m in HREF_RE.finditer(body_html)))


@dataclass
class Compiled:
    subject: str
    body_html: str
    body_text: str

    def render(self, values: dict, *, link=None) -> tuple[str, str, str]:
        """(subject, html, text) for one recipient; `link(url) -> tracked url` rewrites the
        HTML's links (the text part keeps the tracked links too)."""

        def sub_text(match):
            return str(values.get(match.group(1), ""))

        def sub_html(match):
            value = values.get(match.group(1), "")
            block = getattr(value, "html", None)  # recommend.Block: already HTML
            return block if block is not None else html.escape(str(value))

        subject = " ".join(FIELD_RE.sub(sub_text, self.subject).split())
        # a block's text is several lines: in the subject, one line
        body_html = FIELD_RE.sub(sub_html, self.body_html)
        body_text = FIELD_RE.sub(sub_text, self.body_text)
        if link is not None:
            mapping: dict[str, str] = {}

            def tracked(url):
                if url not in mapping:
                    mapping[url] = link(url)
                return mapping[url]

            body_html = HREF_RE.sub(
                lambda m: (
                    f"{m.group(1)}{m.group(2)}{html.escape(tracked(html.unescape(m.group(3))))}"
                    f"{m.group(2)}"
                ),
                body_html,
            )
            for url in list(mapping):
                body_text = body_text.replace(url, mapping[url])
        return subject, body_html, body_text


STYLE_RE = re.compile(r"<style\b", re.IGNORECASE)


def inline_css(body_html: str) -> str:
    """The rules of the HTML's <style> blocks copied onto the elements' style attributes,
    because many email clients (Gmail's apps, Outlook) drop <style>. The blocks stay for the
    clients that read media queries. HTML without <style> is left as written; without the
    `css_inline` package it is left too (the email still goes, less styled)."""
    if not STYLE_RE.search(body_html):
        return body_html
    try:
        import css_inline
    except ImportError:
        return body_html
    inliner = css_inline.CSSInliner(
        keep_style_tags=True, keep_link_tags=True, load_remote_stylesheets=False
    )
    return inliner.inline(body_html)


def mjml_compile(source: str) -> str:
    """MJML to responsive HTML with the CSS of `<mj-style inline="inline">` inlined (the
    `mjml` package). TemplateInvalid: `template.bad_mjml` (not MJML, or its errors), and
    `template.mjml_unavailable` when the package is not installed (HTML templates work)."""
    try:
        from mjml import mjml_to_html
    except ImportError:
        raise TemplateInvalid(
            "source: MJML is not available on this server; write the template as HTML",
            code="template.mjml_unavailable",
            field="format",
        ) from None
    if not re.match(r"\s*<mjml[\s>]", source or ""):
        raise TemplateInvalid(
            "source: an MJML document starts with <mjml>", code="template.bad_mjml", field="source"
        )
    try:
        result = mjml_to_html(source)
    except Exception as exc:  # noqa: BLE001  (the parser's own errors say what is wrong)
        raise TemplateInvalid(
            f"source: not valid MJML ({exc!r})", code="template.bad_mjml", field="source"
        ) from None
    if result.errors:
        raise TemplateInvalid(
            f"source: {result.errors[0]}", code="template.bad_mjml", field="source"
        )
    return result.html


def compile_template(template) -> Compiled:
    text = template.body_text or html_to_text(template.body_html)
    return Compiled(template.subject, inline_css(template.body_html), text)


def merge_values(*, party_name: str, kind: str, email: str, salesperson: str, sender_company: str):
    words = party_name.split()
    person = kind == "person"
    return {
        "name": party_name,
        "first_name": words[0] if person and words else party_name,
        "last_name": words[-1] if person and len(words) > 1 else "",
        "company": "" if person else party_name,
        "email": email,
        "salesperson": salesperson,
        "sender_company": sender_company,
    }
