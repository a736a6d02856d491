"""The public web-to-lead form: no login, embeddable in any website.

It is exempt from CSRF on purpose: the form is posted cross-site from the company's own
website, where no Tandem session or CSRF cookie exists, and it acts for nobody (it only
creates a lead, like an email to the sales address would). Abuse is held off instead by a
honeypot field (a filled one is answered like a success and creates nothing) and by a rate
limit per client address.
"""

from django.core.cache import cache
from django.shortcuts import get_object_or_404, render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tandem.core.errors import DomainError
from tandem.core.models import Company

from .. import services
from ..forms import HONEYPOT, WebLeadForm
from ..models import Source

RATE_LIMIT = 5  # submissions
RATE_WINDOW = 60  # seconds, per company and client address


def client_address(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy
    # overwrites it, so trusting it would let a bot pick a new address per request.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


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
