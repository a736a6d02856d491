"""Public pages of the service app: the rating links of the satisfaction mail (signed token,
no login) and the customer portal (a known contact logs in by an emailed signed link).

A bad, expired, foreign or reused token only ever gets a neutral page."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.mail import send_mail
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tandem.catalog.models import Product
from tandem.core.errors import DomainError
from tandem.inventory.models import Lot
from tandem.parties.models import Contact

from . import queries, services
from .models import DONE_STATES, Channel, CsatResponse, KbArticle, KbState, MessageKind, ServiceTeam
from .services import csat


def _neutral(request, status=404):
    return render(
        request,
        "service/portal/message.html",
        {"title": _("Link not valid"), "text": _("This link is not valid or has expired.")},
        status=status,
    )


@never_cache
def rate(request, token, rating):
    """The one-click rating: records the first answer, thanks for a repeated one."""
    outcome, _ticket = csat.csat_answer(token=token, rating=rating)
    if outcome == "invalid":
        return _neutral(request)
    if outcome == "already":
        return render(
            request,
            "service/portal/message.html",
            {
                "title": _("Thank you"),
                "text": _("Your answer for this ticket was already recorded."),
            },
        )
    return render(request, "service/portal/rated.html", {"token": token, "rating": rating})


@csrf_exempt  # the signed token is the credential; a forged post can only add one comment
@require_POST
@never_cache
def rate_comment(request, token):
    outcome = csat.csat_comment(token=token, comment=request.POST.get("comment", ""))
    if outcome == "invalid":
        return _neutral(request)
    return render(
        request,
        "service/portal/message.html",
        {"title": _("Thank you"), "text": _("Thank you for your feedback.")},
    )


# --------------------------------------------------------------------------- the portal
#
# /service/portal/<company code>/...: a contact of a customer logs in by a signed link mailed
# to its address (valid one hour); the session holds the contact. The company's primary
# contact is its manager contact and sees all its tickets; the others their own. Another
# company's (or another customer's) ticket is a 404.

LOGIN_SALT = "tandem.service.portal-login"
LOGIN_MAX_AGE = 3600
SESSION_KEY = "service_portal"


def _company(code):
    from tandem.core.models import Company

    company = Company.objects.filter(code=code).first()
    if company is None:
        raise Http404
    return company


def portal_contact(request, company):
    """The logged-in contact of `company`, or None."""
    data = request.session.get(SESSION_KEY) or {}
    if data.get("company") != company.code:
        return None
    return (
        Contact.objects.filter(pk=data.get("contact"), company=company)
        .select_related("party")
        .first()
    )


def portal_view(view):
    @wraps(view)
    def wrapper(request, code, *args, **kwargs):
        company = _company(code)
        contact = portal_contact(request, company)
        if contact is None:
            return redirect("service:portal:login", code=company.code)
        request.portal_company, request.portal_contact = company, contact
        request.portal_manager = contact.is_primary
        return view(request, *args, **kwargs)

    return wrapper


def _render(request, template, context, status=200):
    context = {
        "portal_contact": getattr(request, "portal_contact", None),
        "code": request.portal_company.code if hasattr(request, "portal_company") else "",
        **context,
    }
    return render(request, template, context, status=status)


@never_cache
def login(request, code):
    """An address form: a known contact receives a login link; the answer is the same
    either way (nobody learns which addresses are known)."""
    company = _company(code)
    if request.method == "POST":
        address = (request.POST.get("email") or "").strip().lower()[:254]
        contact = (
            Contact.objects.filter(company=company, email__iexact=address)
            .exclude(email="")
            .order_by("pk")
            .first()
            if "@" in address
            else None
        )
        if contact is not None:
            token = signing.dumps({"k": contact.pk, "c": company.code}, salt=LOGIN_SALT)
            url = settings.BASE_URL + reverse(
                "service:portal:login_link", kwargs={"code": company.code, "token": token}
            )
            subject = _("Your login link")
            body = _("Open this link within an hour to see your tickets:") + "\n\n" + url
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [contact.email], True)
        return render(
            request,
            "service/portal/message.html",
            {
                "title": _("Check your mailbox"),
                "text": _("If this address is known to us, a login link is on its way."),
            },
        )
    return render(request, "service/portal/login.html", {"company": company})


@never_cache
def login_link(request, code, token):
    company = _company(code)
    try:
        data = signing.loads(token, salt=LOGIN_SALT, max_age=LOGIN_MAX_AGE)
    except signing.BadSignature:
        return _neutral(request)
    if not isinstance(data, dict) or data.get("c") != company.code:
        return _neutral(request)
    contact = Contact.objects.filter(pk=data.get("k"), company=company).first()
    if contact is None:
        return _neutral(request)
    request.session.cycle_key()
    request.session[SESSION_KEY] = {"company": company.code, "contact": contact.pk}
    return redirect("service:portal:home", code=company.code)


@require_POST
def logout(request, code):
    request.session.pop(SESSION_KEY, None)
    return redirect("service:portal:login", code=code)


@portal_view
def home(request):
    tickets = (
        queries.portal_tickets(contact=request.portal_contact, manager=request.portal_manager)
        .select_related("contact", "product", "lot")
        .order_by("-opened_at", "-pk")[:200]
    )
    return _render(request, "service/portal/home.html", {"tickets": tickets})


def _visible(request, pk):
    ticket = (
        queries.portal_tickets(contact=request.portal_contact, manager=request.portal_manager)
        .select_related("product", "lot")
        .filter(pk=pk)
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


def _team(company):
    return (
        ServiceTeam.objects.filter(company=company, active=True)
        .order_by("-support_address", "pk")
        .first()
    )


@portal_view
def ticket_new(request):
    company, contact = request.portal_company, request.portal_contact
    delivered = queries.delivered_to(company=company, party=contact.party)
    choices = {f"{d['product']}:{d['lot'] or ''}": d for d in delivered}
    error = ""
    if request.method == "POST":
        subject = request.POST.get("subject", "")
        body = request.POST.get("body", "")
        picked = request.POST.get("item", "")
        item = choices.get(picked) if picked else None
        if picked and item is None:
            error = _("Pick a product from your deliveries.")
        else:
            try:
                ticket = services.ticket_create(
                    company=company,
                    subject=subject,
                    channel=Channel.PORTAL,
                    party=contact.party,
                    contact=contact,
                    customer_email=contact.email,
                    team=_team(company),
                    product=Product.objects.get(pk=item["product"]) if item else None,
                    lot=Lot.objects.get(pk=item["lot"]) if item and item["lot"] else None,
                    body=body,
                    language=request.LANGUAGE_CODE or "",
                )
            except DomainError as exc:
                error = str(exc)
            else:
                messages.success(request, _("Your ticket %(n)s is open.") % {"n": ticket.number})
                return redirect("service:portal:ticket", code=company.code, pk=ticket.pk)
    return _render(
        request,
        "service/portal/ticket_new.html",
        {"delivered": choices, "error": error, "data": request.POST},
        status=422 if error else 200,
    )


@portal_view
def suggest(request):
    """HTMX: published public articles matching what the customer types as the subject."""
    articles = queries.kb_search(
        company=request.portal_company, q=request.GET.get("subject", ""), public_only=True
    )
    return _render(request, "service/portal/_suggest.html", {"articles": articles})


@portal_view
def article(request, pk):
    item = get_object_or_404(
        KbArticle, company=request.portal_company, pk=pk, public=True, state=KbState.PUBLISHED
    )
    if request.method == "POST" and request.POST.get("solved"):
        KbArticle.objects.filter(pk=item.pk).update(deflections=F("deflections") + 1)
        messages.success(request, _("Glad it helped."))
        return redirect("service:portal:home", code=request.portal_company.code)
    return _render(request, "service/portal/article.html", {"article": item})


@portal_view
def ticket(request, pk):
    item = _visible(request, pk)
    contact = request.portal_contact
    error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "reply":
                body = (request.POST.get("body") or "").strip()
                if not body:
                    error = _("Write a message first.")
                else:
                    services.ticket_inbound(
                        ticket=item, body=body[:100_000], from_address=contact.email
                    )
                    messages.success(request, _("Your message was added."))
                    return redirect(
                        "service:portal:ticket", code=request.portal_company.code, pk=pk
                    )
            elif action == "rate":
                rating = request.POST.get("rating", "")
                outcome, _t = csat.csat_answer(
                    token=csat.csat_token(item), rating=int(rating) if rating.isdigit() else 0
                )
                if outcome == "recorded":
                    messages.success(request, _("Thank you for your rating."))
                else:
                    error = _("This ticket was already rated.")
                if outcome == "recorded":
                    return redirect(
                        "service:portal:ticket", code=request.portal_company.code, pk=pk
                    )
        except DomainError as exc:
            error = str(exc)
    item.refresh_from_db()
    thread = item.messages.exclude(kind=MessageKind.NOTE).order_by("at", "pk")
    can_rate = item.state in DONE_STATES and not CsatResponse.objects.filter(ticket=item).exists()
    return _render(
        request,
        "service/portal/ticket.html",
        {"ticket": item, "thread": thread, "can_rate": can_rate, "error": error},
        status=422 if error else 200,
    )
