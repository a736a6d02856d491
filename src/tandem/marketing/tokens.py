"""Signed tokens of the public links (unsubscribe, open pixel, click, preferences, double
opt-in confirmation) and of the VERP bounce address. Each kind has its own salt, so a token of
one kind is refused by another; every token carries its signing time and expires."""

from django.conf import settings
from django.core import signing

from .errors import TokenInvalid

SEP = "."  # allowed in a URL path and in the local part of an address

DAY = 86_400
MAX_AGE = {
    "unsubscribe": 400 * DAY,
    "open": 400 * DAY,
    "click": 400 * DAY,
    "preferences": 400 * DAY,
    "optin": 7 * DAY,
    "verp": 400 * DAY,
}


def _signer(kind: str) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"tandem.marketing.{kind}", sep=SEP)


def token_make(kind: str, value: str | int) -> str:
    return _signer(kind).sign(str(value))


def token_read(kind: str, token: str, *, max_age: int | None = None) -> str:
    """The signed value, or TokenInvalid (tampered, of another kind, or expired)."""
    if not isinstance(token, str) or len(token) > 2000:
        raise TokenInvalid("bad token", code="token.invalid")
    age = MAX_AGE[kind] if max_age is None else max_age
    try:
        return _signer(kind).unsign(token, max_age=age)
    except signing.SignatureExpired:
        raise TokenInvalid("expired token", code="token.expired") from None
    except signing.BadSignature:
        raise TokenInvalid("bad token", code="token.invalid") from None


def token_read_int(kind: str, token: str) -> int:
    value = token_read(kind, token)
    try:
        return int(value)
    except ValueError:
        raise TokenInvalid("bad token", code="token.invalid") from None


def public_url() -> str:
    """The base URL recipients reach the public links at (TANDEM_BASE_URL, API.md)."""
    return getattr(settings, "BASE_URL", "http://localhost:8000").rstrip("/")


def bounce_domain() -> str:
    domain = getattr(settings, "MARKETING_BOUNCE_DOMAIN", "")
    if domain:
        return domain
    sender = getattr(settings, "DEFAULT_FROM_EMAIL", "tandem@localhost")
    return sender.rpartition("@")[2].strip(">") or "localhost"


def verp_address(trace_id: int) -> str:
    return f"bounce+{token_make('verp', trace_id)}@{bounce_domain()}"


def unsubscribe_mailto(trace_id: int) -> str:
    return f"unsubscribe+{token_make('unsubscribe', trace_id)}@{bounce_domain()}"
