"""Tickets, SLA policies, the knowledge base and quality issues: the pages."""

from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.core.charts import bar_chart
from tandem.core.errors import DomainError
from tandem.core.models import User
from tandem.core.views import company_view
from tandem.parties.models import Party

from . import queries, services
from .models import (
    DONE_STATES,
    CannedResponse,
    KbArticle,
    Macro,
    Priority,
    QualityAlert,
    QualityIssue,
    ServiceTeam,
    SlaPolicy,
    SlaState,
    Ticket,
    TicketState,
)


def _rows(request, model):
    return model.objects.filter(company=request.company)


def _members(request):
    return User.objects.filter(
        memberships__company=request.company, memberships__is_active=True
    ).order_by("username")


def _int(value) -> int:
    """A form's id as an int; anything else is 0, which matches no row."""
    value = str(value or "").strip()
    return int(value) if value.isdigit() else 0


def _pct(fraction):
    return None if fraction is None else (fraction * 100).quantize(Decimal("0.1"))


@company_view("service.view_ticket")
def home(request):
    report = queries.service_report(company=request.company)
    for row in report["attainment_by_policy"]:
        row["pct"] = _pct(row["attainment"])
    open_tickets = _rows(request, Ticket).exclude(state__in=DONE_STATES)
    by_sla = dict(
        open_tickets.values_list("sla_state").annotate(n=Count("pk")).values_list("sla_state", "n")
    )
    urgent = (
        open_tickets.filter(sla_state__in=[SlaState.AT_RISK, SlaState.BREACHED])
        .select_related("party", "assignee")
        .order_by("resolution_due", "pk")[:10]
    )
    trend = queries.csat_trend(company=request.company)
    trend_chart = bar_chart([(t["month"][2:], t["average"] or 0, "") for t in trend])
    return render(
        request,
        "service/home.html",
        {
            "trend": trend,
            "trend_chart": trend_chart,
            "report": report,
            "pct": _pct(report["sla_attainment"]),
            "by_sla": by_sla,
            "urgent": urgent,
        },
    )


@company_view("service.view_ticket")
def ticket_list(request):
    qs = _rows(request, Ticket).select_related("party", "assignee", "team")
    keys = ("q", "state", "priority", "team", "sla", "party")
    f = {k: request.GET.get(k, "").strip() for k in keys}
    if f["party"].isdigit():  # from the customer page's ticket panel
        qs = qs.filter(party_id=int(f["party"]))
    if f["q"]:
        qs = qs.filter(Q(subject__icontains=f["q"]) | Q(number__iexact=f["q"]))
    if f["state"] == "active":
        qs = qs.exclude(state__in=DONE_STATES)
    elif f["state"] in TicketState.values:
        qs = qs.filter(state=f["state"])
    if f["priority"] in Priority.values:
        qs = qs.filter(priority=f["priority"])
    if f["team"].isdigit():
        qs = qs.filter(team_id=int(f["team"]))
    if f["sla"] in SlaState.values:
        qs = qs.filter(sla_state=f["sla"])
    page = Paginator(qs.order_by("-opened_at", "-pk"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "service/ticket_list.html",
        {
            "page": page,
            "f": f,
            "states": TicketState.choices,
            "priorities": Priority.choices,
            "sla_states": SlaState.choices,
            "teams": _rows(request, ServiceTeam).order_by("name"),
        },
    )


def _detail_context(request, ticket):
    return {
        "ticket": ticket,
        "thread": ticket.messages.select_related("author").prefetch_related("attachments"),
        "members": _members(request),
        "teams": _rows(request, ServiceTeam).filter(active=True).order_by("name"),
        "priorities": Priority.choices,
        "issues": ticket.quality_issues.all(),
        "canned": CannedResponse.objects.filter(company=request.company).order_by("name"),
        "macros": Macro.objects.filter(company=request.company).order_by("name"),
        "escalations": ticket.escalations.order_by("fired_at", "pk"),
    }


@company_view("service.view_ticket")
def ticket_detail(request, pk):
    ticket = get_object_or_404(
        _rows(request, Ticket).select_related(
            "party", "contact", "team", "assignee", "policy", "product", "lot"
        ),
        pk=pk,
    )
    return render(request, "service/ticket_detail.html", _detail_context(request, ticket))


@company_view("service.add_ticket")
def ticket_new(request):
    parties = _rows(request, Party).filter(is_customer=True).order_by("name")[:500]
    teams = _rows(request, ServiceTeam).filter(active=True).order_by("name")
    if request.method == "POST":
        data = request.POST
        try:
            party = parties.model.objects.filter(
                company=request.company, pk=data.get("party") or 0
            ).first()
            team = teams.filter(pk=data.get("team") or 0).first()
            ticket = services.ticket_create(
                company=request.company,
                subject=data.get("subject", ""),
                channel=data.get("channel") or "phone",
                priority=data.get("priority") or "normal",
                party=party,
                team=team,
                customer_email=data.get("customer_email", ""),
                body=data.get("body", ""),
                user=request.user,
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            return redirect("service:ticket_detail", pk=ticket.pk)
    return render(
        request,
        "service/ticket_new.html",
        {"parties": parties, "teams": teams, "priorities": Priority.choices},
    )


ACTIONS = {"reply", "note", "assign", "resolve", "close", "reopen", "quality", "macro", "split"}


@require_POST
@company_view("service.change_ticket")
def ticket_action(request, pk, action):
    if action not in ACTIONS:
        raise Http404
    ticket = get_object_or_404(_rows(request, Ticket), pk=pk)
    data = request.POST
    try:
        if action == "reply":
            services.ticket_reply(
                ticket=ticket,
                body=data.get("body", ""),
                user=request.user,
                state=data.get("state") or None,
            )
            messages.success(request, _("Reply sent."))
        elif action == "note":
            services.ticket_note(ticket=ticket, body=data.get("body", ""), user=request.user)
            messages.success(request, _("Note added."))
        elif action == "assign":
            assignee = _members(request).filter(pk=data.get("assignee") or 0).first()
            team = _rows(request, ServiceTeam).filter(pk=data.get("team") or 0).first()
            services.ticket_assign(
                ticket=ticket,
                assignee=assignee,
                team=team,
                priority=data.get("priority") or None,
                user=request.user,
            )
            messages.success(request, _("Ticket updated."))
        elif action == "resolve":
            services.ticket_resolve(ticket=ticket, user=request.user)
            messages.success(request, _("Ticket resolved."))
        elif action == "close":
            services.ticket_close(ticket=ticket, user=request.user)
        elif action == "reopen":
            services.ticket_reopen(ticket=ticket, user=request.user)
        elif action == "macro":
            macro = _rows(request, Macro).filter(pk=_int(data.get("macro"))).first()
            if macro is None:
                messages.error(request, _("Choose a macro."))
            else:
                services.macro_apply(ticket=ticket, macro=macro, user=request.user)
                messages.success(request, _("Macro %(name)s applied.") % {"name": macro.name})
        elif action == "split":
            new = services.ticket_split(
                ticket=ticket,
                messages=[_int(v) for v in data.getlist("messages")],
                subject=data.get("subject", ""),
                user=request.user,
            )
            messages.success(request, _("Split from %(number)s.") % {"number": ticket.number})
            return redirect("service:ticket_detail", pk=new.pk)
        elif action == "quality":
            issue = services.ticket_quality_issue(ticket=ticket, user=request.user)
            return redirect("service:quality_detail", pk=issue.pk)
    except DomainError as error:
        messages.error(request, error.message)
    if request.htmx:
        ticket = (
            _rows(request, Ticket)
            .select_related("party", "contact", "team", "assignee", "policy", "product", "lot")
            .get(pk=pk)
        )
        return render(request, "service/_ticket_main.html", _detail_context(request, ticket))
    return redirect("service:ticket_detail", pk=pk)


@company_view("service.view_serviceteam")
def team_list(request):
    teams = (
        _rows(request, ServiceTeam)
        .select_related("calendar", "lead")
        .annotate(open=Count("tickets", filter=~Q(tickets__state__in=DONE_STATES)))
        .order_by("name")
    )
    policies = _rows(request, SlaPolicy).select_related("team", "calendar").order_by("name")
    return render(request, "service/team_list.html", {"teams": teams, "policies": policies})


@company_view("service.view_kbarticle")
def kb_list(request):
    q = request.GET.get("q", "").strip()
    qs = _rows(request, KbArticle)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(body__icontains=q))
    return render(request, "service/kb_list.html", {"articles": qs.order_by("title"), "q": q})


@company_view("service.change_kbarticle")
def kb_edit(request, pk=None):
    article = get_object_or_404(_rows(request, KbArticle), pk=pk) if pk else None
    if request.method == "POST":
        data = request.POST
        fields = {
            "title": data.get("title", ""),
            "body": data.get("body", ""),
            "language": data.get("language") or "en",
            "public": data.get("public") == "on",
        }
        try:
            if article is None:
                article = services.kb_article_create(
                    company=request.company, user=request.user, **fields
                )
            else:
                article = services.kb_article_update(
                    article=article,
                    user=request.user,
                    state=data.get("state") or "draft",
                    **fields,
                )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Article saved."))
            return redirect("service:kb_list")
    return render(request, "service/kb_edit.html", {"article": article})


@company_view("service.view_qualityissue")
def quality_list(request):
    issues = (
        _rows(request, QualityIssue)
        .select_related("product", "lot")
        .annotate(complaints=Count("tickets"))
        .order_by("-created_at", "-pk")
    )
    return render(request, "service/quality_list.html", {"issues": issues})


@company_view("service.view_qualityissue")
def quality_detail(request, pk):
    issue = get_object_or_404(_rows(request, QualityIssue).select_related("product", "lot"), pk=pk)
    return render(
        request,
        "service/quality_detail.html",
        {
            "issue": issue,
            "used": queries.where_used(issue),
            "tickets": issue.tickets.select_related("party").order_by("opened_at"),
            "actions": issue.actions.select_related("owner"),
        },
    )


@company_view("service.view_ticket")
def csat(request):
    """Satisfaction by agent, team, product or lot, with a bar chart of the averages."""
    by = request.GET.get("by", "agent")
    if by not in queries.CSAT_GROUPS:
        by = "agent"
    report = queries.csat_report(company=request.company, by=by)
    url = reverse("service:csat") + f"?by={by}"
    chart = bar_chart(
        [(r["name"] or "–", r["average"] or Decimal(0), url) for r in report["rows"][:12]]
    )
    return render(
        request,
        "service/csat.html",
        {
            "report": report,
            "by": by,
            "groups": [
                ("agent", _("Agent")),
                ("team", _("Team")),
                ("product", _("Product")),
                ("lot", _("Lot")),
            ],
            "chart": chart,
        },
    )


@company_view("service.view_qualityissue")
def pareto(request):
    """Complaints by product, lot or supplier, largest first, with the cumulative share."""
    by = request.GET.get("by", "product")
    if by not in queries.PARETO_GROUPS:
        by = "product"
    report = queries.complaints_pareto(company=request.company, by=by)
    url = reverse("service:pareto") + f"?by={by}"
    chart = bar_chart(
        [(r["name"] or "–", Decimal(r["complaints"]), url) for r in report["rows"][:12]]
    )
    for r in report["rows"]:
        r["share_pct"] = _pct(r["share"])
        r["cumulative_pct"] = _pct(r["cumulative"])
    alerts = QualityAlert.objects.filter(company=request.company).select_related("lot", "product")[
        :20
    ]
    return render(
        request,
        "service/pareto.html",
        {
            "report": report,
            "by": by,
            "groups": [("product", _("Product")), ("lot", _("Lot")), ("supplier", _("Supplier"))],
            "chart": chart,
            "alerts": alerts,
        },
    )
