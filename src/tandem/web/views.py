from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.catalog.models import Product
from tandem.core import services as core_services
from tandem.core.middleware import SESSION_COMPANY_KEY
from tandem.parties.models import Party

from .context import AREAS


def _back(request, fallback="web:home"):
    target = request.POST.get("next") or request.META.get("HTTP_REFERER")
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return redirect(fallback)


def healthz(request):
    return JsonResponse({"status": "ok"})


@login_required
def home(request):
    company = request.company
    counts = {}
    if company is not None:
        parties = Party.objects.filter(company=company)
        counts = {
            "customers": parties.filter(is_customer=True).count(),
            "suppliers": parties.filter(is_supplier=True).count(),
            "products": Product.objects.filter(company=company).count(),
        }
    return render(request, "web/home.html", {"counts": counts})


@login_required
def area(request, area):
    labels = {key: label for key, label, url_name in AREAS if url_name is None}
    if area not in labels:
        raise Http404
    return render(request, "web/area.html", {"area_label": labels[area]})


@require_POST
def language_switch(request):
    language = request.POST.get("language", "")
    if language not in {"en", "zh-hans"}:
        messages.error(request, _("Unknown language."))
        return _back(request)
    if request.user.is_authenticated:
        request.user.language = language
        request.user.save(update_fields=["language", "updated_at"])
    translation.activate(language)
    response = _back(request)
    response.set_cookie("django_language", language, max_age=365 * 24 * 3600, samesite="Lax")
    return response


@login_required
@require_POST
def company_switch(request):
    company = core_services.company_for_user(request.user, request.POST.get("company", ""))
    if company is None:
        messages.error(request, _("You are not a member of that company."))
    else:
        request.session[SESSION_COMPANY_KEY] = company.code
    return redirect("web:home")


@login_required
def profile(request):
    tokens = request.user.api_tokens.all()
    return render(
        request,
        "web/profile.html",
        {
            "tokens": tokens,
            "new_token": request.session.pop("new_token", None),
        },
    )


@login_required
@require_POST
def token_add(request):
    name = request.POST.get("name", "").strip()[:100]
    _token, raw = core_services.token_create(user=request.user, name=name)
    # Shown once on the next page; only the hash is stored.
    request.session["new_token"] = raw
    messages.success(request, _("API token created. Copy it now: it is shown only once."))
    return redirect("web:profile")


@login_required
@require_POST
def token_revoke(request, token_id):
    core_services.token_revoke(user=request.user, token_id=token_id)
    messages.success(request, _("API token revoked."))
    return redirect("web:profile")
