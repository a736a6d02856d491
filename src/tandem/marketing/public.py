"""The public, token-signed pages a recipient reaches from an email: no login, no CSRF (the
signed token is the credential), idempotent, and a neutral page for a bad or expired token."""

import contextlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from tandem.parties.models import Party

from . import services
from .errors import TokenInvalid
from .tokens import token_read_int

PIXEL = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:500]


def _neutral(request):
    return render(
        request,
        "marketing/public/message.html",
        {"title": _("Link not valid"), "text": _("This link is not valid or has expired.")},
        status=404,
    )


@csrf_exempt
@never_cache
def unsubscribe(request, token):
    """GET shows a one-button page (a link scanner's GET changes nothing); POST (the RFC 8058
    one-click request, or the button) unsubscribes at once; both are idempotent."""
    try:
        if request.method == "POST":
            services.unsubscribe(token=token, ip=_ip(request), user_agent=_agent(request))
            return render(
                request,
                "marketing/public/message.html",
                {
                    "title": _("Unsubscribed"),
                    "text": _("You will no longer receive these emails."),
                },
            )
        token_read_int("unsubscribe", token)
    except TokenInvalid:
        return _neutral(request)
    return render(request, "marketing/public/unsubscribe.html", {"token": token})


@never_cache
def open_pixel(request, token):
    with contextlib.suppress(TokenInvalid):  # the same pixel: a bad token learns nothing
        services.open_record(token=token, user_agent=_agent(request))
    return HttpResponse(PIXEL, content_type="image/gif")


def utm(url: str, campaign) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    present = {key for key, _value in query}
    extra = [
        ("utm_source", "tandem"),
        ("utm_medium", "email"),
        ("utm_campaign", campaign.utm_campaign),
    ]
    query += [(k, v) for k, v in extra if k not in present]
    return urlunsplit(parts._replace(query=urlencode(query)))


@never_cache
def click(request, token):
    """Redirect to a URL stored for the token's campaign, never elsewhere."""
    try:
        url, campaign = services.click_record(token=token, user_agent=_agent(request))
    except TokenInvalid:
        return _neutral(request)
    return HttpResponseRedirect(utm(url, campaign))


@csrf_exempt
@never_cache
def preferences(request, token):
    try:
        party = Party.objects.select_related("company").get(pk=token_read_int("preferences", token))
    except (TokenInvalid, Party.DoesNotExist):
        return _neutral(request)
    saved = False
    if request.method == "POST":
        services.preferences_save(
            party=party,
            wanted=set(request.POST.getlist("purpose")),
            everything_off=request.POST.get("all_off") == "1",
            ip=_ip(request),
            user_agent=_agent(request),
        )
        saved = True
    rows = services.preferences_of(party=party)
    return render(
        request,
        "marketing/public/preferences.html",
        {"rows": rows, "saved": saved, "party": party, "token": token},
    )


@csrf_exempt
@never_cache
def optin_confirm(request, token):
    """Double opt-in: GET shows the Confirm button, only its POST grants the consent."""
    if request.method == "POST":
        try:
            services.consent_optin_confirm(token=token, ip=_ip(request), user_agent=_agent(request))
        except TokenInvalid:
            return _neutral(request)
        return render(
            request,
            "marketing/public/message.html",
            {"title": _("Subscription confirmed"), "text": _("Thank you, you are subscribed.")},
        )
    from django.core import signing

    from .services.consent import OPTIN_SALT
    from .tokens import MAX_AGE

    try:
        signing.loads(token, salt=OPTIN_SALT, max_age=MAX_AGE["optin"])
    except (signing.BadSignature, ValueError):
        return _neutral(request)
    return render(request, "marketing/public/optin.html", {"token": token})
