"""Reading an RFC 822 message into the few things the CRM keeps (stdlib `email`, default
policy): decoded headers, the thread ids, and a plain-text body whatever the charset,
falling back from HTML to text.

Mail comes from anyone, so the body's cost is bounded before any parsing: the decoded part
is cut to RAW_MAX characters first, and HTML is converted by lxml's HTML parser (libxml2,
linear in its input) walking the tree once and stopping at BODY_MAX characters of text.
Backtracking regexes over the HTML (the old converter: seconds for 80 KB of unclosed tags)
and the standard library's html.parser (quadratic on `<a <a <a ...` in Python 3.11.7:
half a second for 4 KB) are both avoided on purpose.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from django.utils import timezone
from lxml import etree

BODY_MAX = 10_000
# What is read of a decoded body part: newsletters put a hundred KB or more of inline CSS
# before their first word of text, so the cap on the HTML is well above BODY_MAX; it is what
# bounds the parser's time and memory whatever the size of the message (up to 10 MB).
RAW_MAX = 512 * 1024
ID_RE = re.compile(r"<[^<>\s]+>")
# Line breaks: after these elements end (and at every <br>), as mail clients render them.
BLOCK_TAGS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})
DROPPED_TAGS = frozenset({"script", "style", "head"})
# libxml2 takes no control characters (and they mean nothing in a mail body).
_NOT_XML = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF])


@dataclass
class ParsedMail:
    message_id: str
    in_reply_to: str
    references: list[str] = field(default_factory=list)
    from_name: str = ""
    from_address: str = ""
    to: str = ""
    subject: str = ""
    date: datetime | None = None
    body: str = ""

    @property
    def thread_ids(self) -> list[str]:
        """The earlier messages this one answers, nearest first."""
        ids = ([self.in_reply_to] if self.in_reply_to else []) + self.references[::-1]
        return list(dict.fromkeys(ids))


def _header(msg: EmailMessage, name: str) -> str:
    try:
        value = msg.get(name)
    except (ValueError, IndexError, TypeError, AttributeError):  # a malformed header
        value = msg.get_all(name, [None])[0] if hasattr(msg, "get_all") else None
    if value is None:
        return ""
    return " ".join(str(value).replace("\x00", "").split())


def _ids(value: str) -> list[str]:
    return ID_RE.findall(value or "")


def _decoded(part) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, AssertionError, KeyError, ValueError):
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", errors="replace")
    if isinstance(content, bytes):
        content = content.decode("utf-8", errors="replace")
    return content


class _Lines:
    """Text collected into whitespace-collapsed lines, at most one empty line in a row,
    taking no more once `limit` characters are held (so a huge body costs no more). Each
    piece is collapsed as it comes, remembering whether it began or ended with whitespace,
    so `<b>he</b>llo` stays one word and the work is linear."""

    def __init__(self, limit: int):
        self.limit = limit
        self.lines: list[str] = []
        self.line: list[str] = []
        self.space = False  # whitespace seen since the last word of the line
        self.size = 0

    @property
    def full(self) -> bool:
        return self.size >= self.limit

    def add(self, text: str | None) -> None:
        if not text or self.full:
            return
        first, *rest = text.split("\n")
        self._segment(first)
        for segment in rest:
            self.newline()
            self._segment(segment)

    def _segment(self, segment: str) -> None:
        core = " ".join(segment.split())
        if not core:
            self.space = self.space or bool(segment)
            return
        if self.line and (self.space or segment[0].isspace()):
            core = " " + core
        self.line.append(core)
        self.size += len(core)
        self.space = segment[-1].isspace()

    def newline(self) -> None:
        line = "".join(self.line)
        self.line = []
        self.space = False
        if line or (self.lines and self.lines[-1]):
            self.lines.append(line)
            self.size += 1

    def text(self) -> str:
        self.newline()
        return "\n".join(self.lines).strip()


def html_to_text(value: str, *, limit: int = BODY_MAX) -> str:
    """The text of an HTML body: script, style and head dropped, a line break at each block,
    entities decoded, whitespace collapsed; linear in `value` (cut to RAW_MAX first) and
    stops collecting at `limit` characters."""
    data = value[:RAW_MAX].translate(_NOT_XML).encode("utf-8", errors="replace")
    if not data.strip():
        return ""
    parser = etree.HTMLParser(
        encoding="utf-8",
        recover=True,
        no_network=True,
        remove_comments=True,
        remove_pis=True,
        remove_blank_text=False,
    )
    try:
        root = etree.fromstring(data, parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return ""
    if root is None:
        return ""
    out = _Lines(limit)
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, element in walker:
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in DROPPED_TAGS:
                walker.skip_subtree()  # its "end" still comes, which adds its tail
            elif tag == "br":
                out.newline()
            else:
                out.add(element.text)
        else:
            if tag in BLOCK_TAGS and tag != "br":
                out.newline()
            if element is not root:
                out.add(element.tail)
        if out.full:
            break
    return out.text()[:limit]


def _body(msg: EmailMessage) -> str:
    try:
        part = msg.get_body(preferencelist=("plain", "html"))
    except (KeyError, ValueError, AttributeError):
        part = None
    if part is None:
        if msg.is_multipart():
            return ""
        part = msg
    text = _decoded(part)[:RAW_MAX]
    if part.get_content_type() == "text/html":
        text = html_to_text(text)
    return text.replace("\x00", "").replace("\r\n", "\n").strip()[:BODY_MAX]


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return when if timezone.is_aware(when) else timezone.make_aware(when, timezone.UTC)


def parse_message(raw: bytes | str) -> ParsedMail:
    """Never raises on a malformed message: what cannot be read is left empty. Without a
    Message-ID, the message's hash stands in, so the same message fed twice is one."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", errors="replace")
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    message_ids = _ids(_header(msg, "Message-ID"))
    message_id = (
        message_ids[0]
        if message_ids
        else f"<{hashlib.sha256(raw).hexdigest()[:40]}@tandem.invalid>"
    )
    in_reply_to = (_ids(_header(msg, "In-Reply-To")) or [""])[0]
    senders = getaddresses([_header(msg, "From")])
    from_name, from_address = senders[0] if senders else ("", "")
    if "@" not in from_address:
        from_address = ""
    return ParsedMail(
        message_id=message_id[:255],
        in_reply_to=in_reply_to[:255],
        references=_ids(_header(msg, "References")),
        from_name=from_name[:200],
        from_address=from_address.strip().lower()[:254],
        to=_header(msg, "To")[:1000],
        subject=_header(msg, "Subject")[:200],
        date=_date(_header(msg, "Date")),
        body=_body(msg),
    )
