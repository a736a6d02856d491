"""My day (the CRM's landing page), planning and closing activities, logging interactions,
and the per-user calendar feed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tandem.core.errors import DomainError
from tandem.core.views import company_view

from .. import ics, queries, services
from ..forms import ActivityForm, DoneForm, InteractionForm
from ..models import Activity, CalendarFeed
from ..queries.visibility import visible_touches
from ._common import back, perms

LINKS = ("party", "lead", "opportunity")


def _links(request) -> dict:
    """The records named by the form's hidden fields; the services check their company."""
    return {field: request.POST.get(field) or None for field in LINKS}


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


@company_view("crm.view_activity")
def home(request):
    """My day: the user's overdue activities, those due today, and the next seven days."""
    feed = CalendarFeed.objects.filter(user=request.user).first()
    feed_url = (
        request.build_absolute_uri(reverse("crm:calendar_feed", args=[feed.token]))
        if feed
        else None
    )
    return render(
        request,
        "crm/my_day.html",
        {
            "day": queries.my_day(request.company, request.user),
            "done_form": DoneForm(),
            "feed_url": feed_url,
            "perms_crm": perms(request, "activity"),
        },
    )


@company_view("crm.add_activity")
@require_POST
def activity_create(request):
    form = ActivityForm(request.POST, company=request.company)
    if not form.is_valid():
        _form_errors(request, form)
        return back(request, "crm:home")
    try:
        services.activity_create(
            company=request.company, user=request.user, **form.cleaned_data, **_links(request)
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The activity was planned."))
    return back(request, "crm:home")


def _activity(request, pk) -> Activity:
    qs = visible_touches(
        Activity.objects.filter(company=request.company), request, own_field="owner"
    )
    return get_object_or_404(qs, pk=pk)


@company_view("crm.change_activity")
@require_POST
def activity_done(request, pk):
    activity = _activity(request, pk)
    form = DoneForm(request.POST)
    outcome = form.cleaned_data["outcome"] if form.is_valid() else ""
    try:
        services.activity_done(activity=activity, outcome=outcome, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Done: %(summary)s") % {"summary": activity.summary})
    return back(request, "crm:home")


@company_view("crm.change_activity")
@require_POST
def activity_cancel(request, pk):
    activity = _activity(request, pk)
    try:
        services.activity_cancel(activity=activity)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Cancelled: %(summary)s") % {"summary": activity.summary})
    return back(request, "crm:home")


@company_view("crm.add_interaction")
@require_POST
def interaction_create(request):
    form = InteractionForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return back(request, "crm:home")
    try:
        services.interaction_log(
            company=request.company, user=request.user, **form.cleaned_data, **_links(request)
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The interaction was logged."))
    return back(request, "crm:home")


@login_required
@require_POST
def calendar_feed_regenerate(request):
    """Make the user's secret calendar address, or a new one (the old stops working)."""
    existed = CalendarFeed.objects.filter(user=request.user).exists()
    services.calendar_feed_token(user=request.user, regenerate=existed)
    if existed:
        messages.success(
            request, _("A new calendar address was made; the old one stopped working.")
        )
    return redirect("crm:home")


@require_GET
def calendar_feed(request, token):
    """The user's planned activities as text/calendar. The secret token in the address is
    the credential (calendar apps cannot log in); an unknown token is a 404."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404
    body = ics.calendar(feed.user, name=f"Tandem · {feed.user.get_username()}")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="tandem-activities.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
