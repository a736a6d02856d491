"""The consent ledger (append-only), double opt-in and the suppression list."""

import re

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core.errors import InvalidReference, ValidationFailed
from tandem.parties.models import Contact, Party

from ..errors import ConsentInvalid, TokenInvalid
from ..models import Channel, Consent, ConsentState, Suppression, SuppressionReason
from ..tokens import MAX_AGE, public_url

PURPOSE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")
OPTIN_SALT = "tandem.marketing.optin"


def address_clean(address: str, *, field: str = "email") -> str:
    address = (address or "").strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationFailed(
            f"{field}: not a valid address", code="email.invalid", field=field
        ) from None
    return address


def purpose_clean(purpose: str) -> str:
    if not isinstance(purpose, str) or not PURPOSE_RE.match(purpose):
        raise ConsentInvalid(
            "purpose: lower-case letters, digits, - and _ (at most 50)",
            code="consent.bad_purpose",
            field="purpose",
        )
    return purpose


def consent_record(
    *,
    company,
    party: Party,
    state: str,
    purpose: str,
    channel: str = Channel.EMAIL,
    contact: Contact | None = None,
    email: str = "",
    source: str,
    ip: str | None = None,
    user_agent: str = "",
    text_version: str = "",
    at=None,
) -> Consent:
    """Append one consent row (granted or withdrawn) with its proof; never updates a row."""
    if party.company_id != company.pk:
        raise InvalidReference("party: not of this company", field="party")
    if contact is not None and contact.party_id != party.pk:
        raise InvalidReference("contact: not a contact of the party", field="contact")
    if state not in ConsentState.values:
        raise ConsentInvalid("state: granted or withdrawn", code="consent.bad_state", field="state")
    if channel not in Channel.values:
        raise ConsentInvalid(
            "channel: email, sms or phone", code="consent.bad_channel", field="channel"
        )
    source = (source or "").strip()
    if not source or len(source) > 50:
        raise ConsentInvalid(
            "source: 1 to 50 characters", code="consent.bad_source", field="source"
        )
    email = address_clean(email) if email else (contact.email if contact else party.email) or ""
    return Consent.objects.create(
        company=company,
        party=party,
        contact=contact,
        email=email.lower(),
        purpose=purpose_clean(purpose),
        channel=channel,
        state=state,
        source=source,
        ip=ip or None,
        user_agent=(user_agent or "")[:500],
        text_version=(text_version or "")[:50],
        at=at or timezone.now(),
    )


def consent_grant(**kwargs) -> Consent:
    return consent_record(state=ConsentState.GRANTED, **kwargs)


def consent_withdraw(**kwargs) -> Consent:
    return consent_record(state=ConsentState.WITHDRAWN, **kwargs)


def consents_current(*, party: Party):
    """The consent in force per purpose and channel of a party (party-level rows)."""
    return Consent.objects.current().filter(party=party, contact__isnull=True).order_by("purpose")


def consent_is_granted(*, party: Party, purpose: str, channel: str = Channel.EMAIL) -> bool:
    return (
        consents_current(party=party)
        .filter(purpose=purpose, channel=channel, state=ConsentState.GRANTED)
        .exists()
    )


# -- double opt-in -----------------------------------------------------------------------


def optin_token(*, party: Party, purpose: str, email: str, text_version: str = "") -> str:
    payload = {"p": party.pk, "u": purpose, "e": email, "v": text_version}
    return signing.dumps(payload, salt=OPTIN_SALT, compress=True)


def consent_optin_request(
    *, party: Party, purpose: str, email: str = "", text_version: str = "", language: str = ""
) -> str:
    """Send the confirmation mail of a double opt-in (after commit); only its link grants.
    Returns the signed, expiring token (7 days)."""
    purpose = purpose_clean(purpose)
    email = address_clean(email or party.email)
    token = optin_token(party=party, purpose=purpose, email=email, text_version=text_version)
    url = public_url() + reverse("marketing:optin_confirm", args=[token])
    subject = _("Please confirm your subscription")
    body = _("Confirm that you want to receive our emails (%(purpose)s):") % {"purpose": purpose}
    message = EmailMultiAlternatives(
        subject, f"{body}\n\n{url}\n", settings.DEFAULT_FROM_EMAIL, [email]
    )
    transaction.on_commit(lambda: message.send(fail_silently=True))
    return token


@transaction.atomic
def consent_optin_confirm(*, token: str, ip: str | None = None, user_agent: str = "") -> Consent:
    """Grant the consent a confirmation link names; a second click adds nothing."""
    try:
        data = signing.loads(token, salt=OPTIN_SALT, max_age=MAX_AGE["optin"])
    except signing.SignatureExpired:
        raise TokenInvalid("expired", code="token.expired") from None
    except (signing.BadSignature, ValueError, TypeError):
        raise TokenInvalid("bad token", code="token.invalid") from None
    party = Party.objects.select_related("company").filter(pk=data.get("p")).first()
    if party is None:
        raise TokenInvalid("bad token", code="token.invalid")
    current = consents_current(party=party).filter(purpose=data["u"], channel=Channel.EMAIL).first()
    if (
        current is not None
        and current.state == ConsentState.GRANTED
        and current.source == ("double_opt_in")
    ):
        return current  # idempotent: the link was used already
    return consent_grant(
        company=party.company,
        party=party,
        purpose=data["u"],
        email=data["e"],
        source="double_opt_in",
        ip=ip,
        user_agent=user_agent,
        text_version=data.get("v", ""),
    )


# -- suppression -------------------------------------------------------------------------


def suppression_add(*, company, address: str, reason: str, note: str = "", at=None):
    """Suppress an address (once: a second call keeps the first row and reason)."""
    if reason not in SuppressionReason.values:
        raise ValidationFailed("reason: not a suppression reason", field="reason")
    address = (address or "").strip().lower()
    if not address:
        return None
    existing = Suppression.objects.filter(company=company, address=address).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Suppression.objects.create(
                company=company,
                address=address,
                reason=reason,
                note=note[:500],
                at=at or timezone.now(),
            )
    except IntegrityError:  # a concurrent add won
        return Suppression.objects.get(company=company, address=address)


def is_suppressed(*, company, address: str) -> bool:
    return Suppression.objects.filter(company=company, address=(address or "").lower()).exists()
