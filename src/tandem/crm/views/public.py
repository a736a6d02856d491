"""The public web-to-lead form: no login, embeddable in any website.

It is exempt from CSRF on purpose: the form is posted cross-site from the company's own
website, where no Tandem session or CSRF cookie exists, and it acts for nobody (it only
creates a lead, like an email to the sales address would). Abuse is held off instead by a
honeypot field (a filled one is answered like a success and creates nothing) and by a rate
limit per client address.
"""

from django.core.cache import cache
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.crypto import constant_time_compare
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tandem.core import security
from tandem.core.errors import DomainError
from tandem.core.models import Company

from .. import services
from ..forms import HONEYPOT, WebLeadForm
from ..models import CrmSettings, Source

MAIL_MAX_BYTES = 10_000_000
RATE_LIMIT = 5  # submissions
RATE_WINDOW = 60  # seconds, per company and client address


def client_address(request) -> str:
    # X-Forwarded-For only from TANDEM_TRUSTED_PROXY: a client sets it to anything, so
    # trusting it from anyone would let a bot pick a new address per request; not trusting
    # the proxy's would put every visitor behind it in one bucket.
    return security.client_address(request)


def rate_limited(key: str, *, limit: int = RATE_LIMIT, window: int = RATE_WINDOW) -> bool:
    """Count one hit on `key`; True once more than `limit` hits fell in the window."""
    cache.add(key, 0, timeout=window)
    try:
        hits = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        hits = 1
    return hits > limit


@csrf_exempt  # see the module docstring
@xframe_options_exempt
@require_http_methods(["GET", "POST"])
def web_form(request, company_code):
    company = get_object_or_404(Company, code=company_code)
    context = {"company": company}
    if request.method == "GET":
        initial = {"campaign": request.GET.get("campaign", "")[:100]}
        context["form"] = WebLeadForm(initial=initial)
        return render(request, "crm/web_form.html", context)
    key = f"crm:web-form:{company.pk}:{client_address(request)}"
    if rate_limited(key):
        response = render(request, "crm/web_form_thanks.html", {**context, "throttled": True})
        response.status_code = 429
        response["Retry-After"] = str(RATE_WINDOW)
        return response
    if request.POST.get(HONEYPOT):
        # A bot: answer as if it worked, so it learns nothing, and keep nothing.
        return render(request, "crm/web_form_thanks.html", context)
    form = WebLeadForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.lead_create(
                company=company,
                contact_name=data["contact_name"],
                company_name=data["company_name"],
                email=data["email"],
                phone=data["phone"],
                notes=data["message"],
                campaign=data["campaign"],
                source=Source.WEB_FORM,
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            return render(request, "crm/web_form_thanks.html", context)
    context["form"] = form
    return render(request, "crm/web_form.html", context, status=422)


@csrf_exempt
@require_http_methods(["POST"])
def mail_in(request, company_code: str):
    """A mail server pipes one raw message (message/rfc822 or text/plain) here. Exempt from
    CSRF: the caller is a mail server holding the company's inbound token (Authorization:
    Bearer <token>), not a browser session, and the token only lets it log an email."""
    company = Company.objects.filter(code=company_code).first()
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    expected = (
        CrmSettings.objects.filter(company=company).values_list("mail_in_token", flat=True).first()
        if company is not None
        else None
    )
    if not token or not expected or not constant_time_compare(token, expected):
        return JsonResponse({"code": "mail_in.unauthorized"}, status=401)
    content_type = request.content_type or ""
    if content_type not in ("message/rfc822", "text/plain"):
        return JsonResponse({"code": "mail_in.unsupported_media_type"}, status=415)
    if not request.body or len(request.body) > MAIL_MAX_BYTES:
        return JsonResponse({"code": "mail_in.size"}, status=413 if request.body else 400)
    result = services.mail_in(company=company, raw=request.body)
    from ..api.email import mail_in_answer

    return JsonResponse(mail_in_answer(result), status=201 if result.status == "logged" else 200)
