"""The agent's tools as pages: canned responses and macros (list, add, edit) and the reply
box's "insert a canned response" (filled with the ticket's merge fields)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.core.errors import DomainError
from tandem.core.middleware import request_has_perm
from tandem.core.models import User
from tandem.core.views import company_view

from . import services
from .models import CannedResponse, Macro, Priority, ServiceTeam, Ticket
from .services.helpdesk import MERGE_FIELDS

MACRO_STATES = [
    ("open", gettext_lazy("Open")),
    ("waiting_customer", gettext_lazy("Waiting on customer")),
    ("resolved", gettext_lazy("Resolved")),
]


def _teams(request):
    return ServiceTeam.objects.filter(company=request.company).order_by("name")


def _members(request):
    return User.objects.filter(
        memberships__company=request.company, memberships__is_active=True
    ).order_by("username")


def _pick(qs, value):
    """The row of this company named by a form's id, or None for an empty choice (a foreign
    id is None too: the service then sees no team, never another company's row)."""
    return qs.filter(pk=value).first() if str(value or "").isdigit() else None


@company_view("service.view_ticket")
def canned_list(request):
    rows = CannedResponse.objects.filter(company=request.company).select_related("team")
    return render(request, "service/canned_list.html", {"rows": rows.order_by("name")})


@company_view("service.change_ticket")
def canned_edit(request, pk=None):
    canned = (
        get_object_or_404(CannedResponse.objects.filter(company=request.company), pk=pk)
        if pk
        else None
    )
    form = {
        "name": canned.name if canned else "",
        "body": canned.body if canned else "",
        "team": canned.team_id if canned else None,
    }
    if request.method == "POST":
        data = request.POST
        form = {"name": data.get("name", ""), "body": data.get("body", "")}
        team = _pick(_teams(request), data.get("team"))
        form["team"] = team.pk if team else None
        try:
            if canned is None:
                services.canned_response_create(
                    company=request.company, name=form["name"], body=form["body"], team=team
                )
            else:
                services.canned_response_update(
                    canned=canned, name=form["name"], body=form["body"], team=team
                )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Canned response saved."))
            return redirect("service:canned_list")
    return render(
        request,
        "service/canned_edit.html",
        {
            "canned": canned,
            "form": form,
            "teams": _teams(request),
            "fields": ["{{ " + f + " }}" for f in MERGE_FIELDS],
        },
    )


@company_view("service.view_ticket")
def macro_list(request):
    rows = Macro.objects.filter(company=request.company).select_related("team", "assignee", "reply")
    return render(request, "service/macro_list.html", {"rows": rows.order_by("name")})


@company_view("service.change_ticket")
def macro_edit(request, pk=None):
    macro = get_object_or_404(Macro.objects.filter(company=request.company), pk=pk) if pk else None
    canned = CannedResponse.objects.filter(company=request.company).order_by("name")
    form = {
        "name": macro.name if macro else "",
        "priority": macro.priority if macro else "",
        "team": macro.team_id if macro else None,
        "assignee": macro.assignee_id if macro else None,
        "tags": ", ".join(macro.add_tags) if macro else "",
        "reply": macro.reply_id if macro else None,
        "state": macro.state if macro else "",
    }
    if request.method == "POST":
        data = request.POST
        team = _pick(_teams(request), data.get("team"))
        assignee = _pick(_members(request), data.get("assignee"))
        reply = _pick(canned, data.get("reply"))
        form = {
            "name": data.get("name", ""),
            "priority": data.get("priority", ""),
            "team": team.pk if team else None,
            "assignee": assignee.pk if assignee else None,
            "tags": data.get("tags", ""),
            "reply": reply.pk if reply else None,
            "state": data.get("state", ""),
        }
        values = {
            "name": form["name"],
            "priority": form["priority"],
            "team": team,
            "assignee": assignee,
            "add_tags": [t for t in form["tags"].split(",") if t.strip()],
            "reply": reply,
            "state": form["state"],
        }
        try:
            if macro is None:
                services.macro_create(company=request.company, **values)
            else:
                services.macro_update(macro=macro, **values)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Macro saved."))
            return redirect("service:macro_list")
    return render(
        request,
        "service/macro_edit.html",
        {
            "macro": macro,
            "form": form,
            "teams": _teams(request),
            "members": _members(request),
            "canned": canned,
            "priorities": Priority.choices,
            "states": MACRO_STATES,
        },
    )


@company_view("service.view_ticket")
def canned_insert(request, pk):
    """The reply box again, with the chosen canned response (merge fields filled for this
    ticket and agent) added after what the agent already typed; HTMX swaps it in place."""
    ticket = get_object_or_404(
        Ticket.objects.filter(company=request.company).select_related(
            "party", "contact", "product", "lot", "team"
        ),
        pk=pk,
    )
    body = request.GET.get("body", "").rstrip()
    canned = _pick(
        CannedResponse.objects.filter(company=request.company), request.GET.get("canned")
    )
    if canned is not None:
        filled = services.render_canned(canned, ticket=ticket, agent=request.user)
        body = f"{body}\n\n{filled}" if body else filled
    return render(request, "service/_reply_body.html", {"body": body})


def _local_instant(value: str, zone):
    """A `datetime-local` form value read in `zone`, or None when empty or malformed."""
    from datetime import datetime

    try:
        naive = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return naive.replace(tzinfo=zone) if naive.tzinfo is None else naive


@company_view("service.view_serviceteam")
def team_agents(request, pk):
    """A team's agents: the hours assignment uses for each (own calendar, the HR employee's,
    or the team's), who is at work or absent now, the next shift; set an agent's own hours
    and languages, and add an absence."""
    from zoneinfo import ZoneInfo

    from tandem.core.models import BusinessCalendar

    from .models import AgentAbsence

    team = get_object_or_404(_teams(request).select_related("calendar"), pk=pk)
    zone = ZoneInfo(team.calendar.time_zone if team.calendar else request.company.time_zone)
    if request.method == "POST":
        if not _can_change(request):
            raise PermissionDenied
        data = request.POST
        user = _pick(team.members.all(), data.get("user"))
        try:
            if user is None:
                raise DomainError(_("Pick an agent of this team."))
            if data.get("action") == "absence":
                services.agent_absence_add(
                    company=request.company,
                    user=user,
                    start=_local_instant(data.get("start", ""), zone),
                    end=_local_instant(data.get("end", ""), zone),
                    note=data.get("note", ""),
                )
                messages.success(request, _("Absence added."))
            else:
                agent = next(r for r in services.team_agents_hours(team) if r["user"].pk == user.pk)
                calendar = _pick(
                    BusinessCalendar.objects.filter(company=request.company),
                    data.get("calendar"),
                )
                languages = [
                    x.strip() for x in data.get("languages", "").replace(";", ",").split(",")
                ]
                services.team_agent_set(
                    team=team,
                    user=user,
                    languages=[x for x in languages if x],
                    categories=_categories_of(agent["categories"]),
                    calendar=calendar,
                )
                messages.success(request, _("Working hours saved."))
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("service:team_agents", pk=team.pk)
    rows = services.team_agents_hours(team)
    absences = (
        AgentAbsence.objects.filter(company=request.company, user__in=team.members.all())
        .select_related("user")
        .order_by("-start", "pk")[:50]
    )
    calendars = BusinessCalendar.objects.filter(company=request.company).order_by("name")
    return render(
        request,
        "service/team_agents.html",
        {
            "team": team,
            "rows": rows,
            "absences": absences,
            "calendars": calendars,
            "zone": zone,
            "can_change": _can_change(request),
        },
    )


def _can_change(request) -> bool:
    return request_has_perm(request, "service.change_serviceteam")


def _categories_of(pks):
    from tandem.catalog.models import ProductCategory

    return list(ProductCategory.objects.filter(pk__in=pks))
