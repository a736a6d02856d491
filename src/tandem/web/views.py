from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.core import services as core_services
from tandem.core.errors import DomainError
from tandem.core.middleware import SESSION_COMPANY_KEY

from .context import AREAS
from .dashboard import dashboard


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
    context = {}
    if company is not None:
        context = dashboard(request)
    return render(request, "web/home.html", context)


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


def profile_page(request, *, preferences=None, status=200):
    from .auth_views import preferences_form

    user = request.user
    return render(
        request,
        "web/profile.html",
        {
            "tokens": user.api_tokens.all(),
            "new_token": request.session.pop("new_token", None),
            "preferences": preferences or preferences_form(user),
            "zone": core_services.user_zone(user, request.company),
            "token_days": TOKEN_DAYS,
        },
        status=status,
    )


@login_required
def profile(request):
    return profile_page(request)


TOKEN_DAYS = (30, 90, 365)  # the expiry choices offered on the page (the API takes any)


@login_required
@require_POST
def token_add(request):
    name = request.POST.get("name", "").strip()[:100]
    scope = request.POST.get("scope", "read-write")
    days = request.POST.get("expires_days", "")
    expires_at = None
    if days.isdigit() and int(days) in TOKEN_DAYS:
        expires_at = timezone.now() + timedelta(days=int(days))
    try:
        _token, raw = core_services.token_create(
            user=request.user, name=name, scope=scope, expires_at=expires_at
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("web:profile")
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
