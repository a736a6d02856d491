"""The user's own account: password change, language and time zone, the forced change of a
generated password, and the page django-axes shows when logins are locked."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tandem.core import services as core_services
from tandem.core.errors import DomainError
from tandem.core.models import User


def locked_out(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the lockout page with how long to wait, answered 429."""
    minutes = max(1, round(float(settings.AXES_COOLOFF_TIME) * 60))
    return render(request, "web/locked_out.html", {"minutes": minutes}, status=429)


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(
        label=gettext_lazy("Language"), required=False, choices=[], widget=forms.Select
    )
    time_zone = forms.CharField(
        label=gettext_lazy("Time zone"),
        required=False,
        max_length=64,
        help_text=gettext_lazy("An IANA zone such as Asia/Shanghai; empty for the company's."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = User._meta.get_field("language").choices

    def clean_time_zone(self):
        value = self.cleaned_data["time_zone"].strip()
        if value and not core_services.time_zone_valid(value):
            raise forms.ValidationError(_("Unknown time zone."))
        return value


def preferences_form(user, data=None):
    return PreferencesForm(data, initial={"language": user.language, "time_zone": user.time_zone})


@login_required
@require_POST
def preferences(request):
    form = preferences_form(request.user, request.POST)
    if form.is_valid():
        try:
            core_services.user_preferences_update(user=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    if not form.is_valid():
        from .views import profile_page

        return profile_page(request, preferences=form, status=422)
    language = form.cleaned_data["language"]
    response = redirect("web:profile")
    if language:
        translation.activate(language)
        response.set_cookie("django_language", language, max_age=365 * 24 * 3600, samesite="Lax")
    messages.success(request, _("Preferences saved."))
    return response


@login_required
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        # The form ran the validators; the service sets it and clears a forced change.
        user = core_services.user_password_set(
            user=request.user, password=form.cleaned_data["new_password1"]
        )
        update_session_auth_hash(request, user)  # stay logged in with the new hash
        messages.success(request, _("Your password was changed."))
        return redirect("web:profile")
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "web/password_change.html",
        {"form": form, "forced": request.user.must_change_password},
        status=status,
    )


class PasswordChangeRequiredMiddleware:
    """A user whose password was generated for it is sent to the password change first.

    Only pages: the API (tokens, or a session) and the password page itself, logout,
    language switching and static files stay reachable.
    """

    EXEMPT = ("/api/", "/static/", "/i18n/", "/logout/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The path first: an API request must not load the session user for this.
        if request.path.startswith(self.EXEMPT):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            target = reverse("web:password_change")
            if request.path not in {target, reverse("web:language")}:
                return redirect(target)
        return self.get_response(request)
