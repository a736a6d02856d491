"""Reading an RFC 822 message into the few things the CRM keeps (stdlib `email`, default
policy): decoded headers, the thread ids, and a plain-text body whatever the charset,
falling back from HTML to text."""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from django.utils import timezone
from django.utils.html import strip_tags

BODY_MAX = 10_000
ID_RE = re.compile(r"<[^<>\s]+>")
BLOCK_TAGS = re.compile(r"(?i)<\s*(br|/p|/div|/li|/tr|/h[1-6])\b[^>]*>")
DROPPED = re.compile(r"(?is)<(script|style|head)\b.*?</\1\s*>")


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


def html_to_text(value: str) -> str:
    value = DROPPED.sub("", value)
    value = BLOCK_TAGS.sub("\n", value)
    text = html.unescape(strip_tags(value))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _body(msg: EmailMessage) -> str:
    try:
        part = msg.get_body(preferencelist=("plain", "html"))
    except (KeyError, ValueError, AttributeError):
        part = None
    if part is None:
        if msg.is_multipart():
            return ""
        part = msg
    text = _decoded(part)
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
