"""/service-teams, /ticket-sla-policies, /kb-articles, /quality-issues (+ where-used)."""

from ninja import Query, Status

from tandem.api.context import (
    company_of,
    get_ref,
    get_refs,
    get_scoped,
    page_of,
    paginate,
    require_perm,
)
from tandem.catalog.models import Product, ProductCategory
from tandem.core.errors import InvalidReference, NotFound
from tandem.core.models import BusinessCalendar
from tandem.inventory.models import Lot

from .. import queries, services
from ..models import (
    AgentAbsence,
    KbArticle,
    QualityAlert,
    QualityIssue,
    ServiceTeam,
    SlaPolicy,
    Ticket,
)
from ..schemas import (
    KbArticleIn,
    KbArticleOut,
    KbArticlePatch,
    KbVoteIn,
    KbVotesOut,
    ParetoOut,
    QualityActionIn,
    QualityActionOut,
    QualityAlertOut,
    QualityAlertRuleIn,
    QualityAlertRuleOut,
    QualityIssueIn,
    QualityIssueOut,
    QualityIssuePatch,
    ServiceAbsenceIn,
    ServiceAbsenceOut,
    ServiceAgentOut,
    ServiceAgentPatch,
    ServiceTeamIn,
    ServiceTeamOut,
    ServiceTeamPatch,
    TicketSlaPolicyIn,
    TicketSlaPolicyOut,
    TicketSlaPolicyPatch,
    WhereUsedOut,
)
from . import router
from .tickets import _user_ref

LIMIT = Query(50, ge=1, le=500)
OFFSET = Query(0, ge=0, le=10**12)
SEARCH = Query("", max_length=100, pattern=r"^[^\x00]*$")


def _calendar(request, pk):
    return get_ref(BusinessCalendar, request, pk, field="calendar")


# -- teams ----------------------------------------------------------------------------------


@router.get("/service-teams", response=page_of(ServiceTeamOut))
def team_list(request, limit: int = LIMIT, offset: int = OFFSET):
    require_perm(request, "service.view_serviceteam")
    qs = ServiceTeam.objects.filter(company=company_of(request)).prefetch_related("members")
    return paginate(qs.order_by("name", "pk"), limit=limit, offset=offset)


@router.get("/service-teams/{team_id}", response=ServiceTeamOut)
def team_read(request, team_id: int):
    require_perm(request, "service.view_serviceteam")
    return get_scoped(ServiceTeam, request, team_id, label="service team")


@router.post("/service-teams", response={201: ServiceTeamOut})
def team_add(request, payload: ServiceTeamIn):
    require_perm(request, "service.add_serviceteam")
    team = services.team_create(
        company=company_of(request),
        name=payload.name,
        calendar=get_ref(BusinessCalendar, request, payload.calendar, field="calendar"),
        support_address=payload.support_address,
        lead=_user_ref(request, payload.lead, field="lead"),
        members=[_user_ref(request, pk, field="members") for pk in payload.members],
        assignment=payload.assignment,
        sticky=payload.sticky,
        bad_rating=payload.bad_rating,
    )
    return Status(201, team)


@router.patch("/service-teams/{team_id}", response=ServiceTeamOut)
def team_patch(request, team_id: int, payload: ServiceTeamPatch):
    require_perm(request, "service.change_serviceteam")
    team = get_scoped(ServiceTeam, request, team_id, label="service team")
    changes = payload.dict(exclude_unset=True)
    if "calendar" in changes:
        changes["calendar"] = get_ref(
            BusinessCalendar, request, changes["calendar"], field="calendar"
        )
    if "lead" in changes:
        changes["lead"] = _user_ref(request, changes["lead"], field="lead")
    if "members" in changes:
        changes["members"] = [
            _user_ref(request, pk, field="members") for pk in changes["members"] or []
        ]
    return services.team_update(team=team, **changes)


# -- agents: skills and working hours; absences -----------------------------------------------


def _agent_row(team, user_id: int) -> dict:
    for row in services.team_agents_hours(team):
        if row["user"].pk == user_id:
            return row
    raise NotFound(f"No agent {user_id} in this team.")


@router.get("/service-teams/{team_id}/agents", response=page_of(ServiceAgentOut))
def team_agent_list(request, team_id: int):
    """Every member with its own calendar, the hours assignment uses and their source, and
    whether it is absent or at work now."""
    require_perm(request, "service.view_serviceteam")
    team = get_scoped(ServiceTeam, request, team_id, label="service team")
    rows = services.team_agents_hours(team)
    return {"items": rows, "count": len(rows)}


@router.get("/service-teams/{team_id}/agents/{user_id}", response=ServiceAgentOut)
def team_agent_read(request, team_id: int, user_id: int):
    require_perm(request, "service.view_serviceteam")
    team = get_scoped(ServiceTeam, request, team_id, label="service team")
    return _agent_row(team, user_id)


@router.patch("/service-teams/{team_id}/agents/{user_id}", response=ServiceAgentOut)
def team_agent_patch(request, team_id: int, user_id: int, payload: ServiceAgentPatch):
    """Set a member's own working hours (`calendar`, null: the HR employee's or the team's),
    languages and product lines; fields left out keep their value."""
    require_perm(request, "service.change_serviceteam")
    team = get_scoped(ServiceTeam, request, team_id, label="service team")
    row = _agent_row(team, user_id)
    changes = payload.dict(exclude_unset=True)
    calendar = (
        get_ref(BusinessCalendar, request, changes["calendar"], field="calendar")
        if "calendar" in changes
        else row["calendar"]
    )
    categories = (
        get_refs(ProductCategory, request, changes["categories"] or [], field="categories")
        if "categories" in changes
        else list(ProductCategory.objects.filter(pk__in=row["categories"]))
    )
    languages = changes.get("languages")
    services.team_agent_set(
        team=team,
        user=row["user"],
        languages=row["languages"] if languages is None else languages,
        categories=categories,
        calendar=calendar,
    )
    return _agent_row(team, user_id)


@router.get("/service-teams/{team_id}/absences", response=page_of(ServiceAbsenceOut))
def team_absence_list(request, team_id: int, limit: int = LIMIT, offset: int = OFFSET):
    """The absences of the team's members (agents without a linked HR employee)."""
    require_perm(request, "service.view_serviceteam")
    team = get_scoped(ServiceTeam, request, team_id, label="service team")
    qs = AgentAbsence.objects.filter(company=team.company, user__in=team.members.all()).order_by(
        "start", "pk"
    )
    return paginate(qs, limit=limit, offset=offset)


@router.post("/service-teams/{team_id}/absences", response={201: ServiceAbsenceOut})
def team_absence_add(request, team_id: int, payload: ServiceAbsenceIn):
    require_perm(request, "service.change_serviceteam")
    team = get_scoped(ServiceTeam, request, team_id, label="service team")
    user = team.members.filter(pk=payload.user).first()
    if user is None:
        raise InvalidReference(f"user: {payload.user} is not a member of this team", field="user")
    absence = services.agent_absence_add(
        company=team.company, user=user, start=payload.start, end=payload.end, note=payload.note
    )
    return Status(201, absence)


# -- SLA policies ---------------------------------------------------------------------------


@router.get("/ticket-sla-policies", response=page_of(TicketSlaPolicyOut))
def policy_list(request, limit: int = LIMIT, offset: int = OFFSET):
    require_perm(request, "service.view_slapolicy")
    qs = SlaPolicy.objects.filter(company=company_of(request))
    return paginate(qs.order_by("name", "pk"), limit=limit, offset=offset)


@router.get("/ticket-sla-policies/{policy_id}", response=TicketSlaPolicyOut)
def policy_read(request, policy_id: int):
    require_perm(request, "service.view_slapolicy")
    return get_scoped(SlaPolicy, request, policy_id, label="SLA policy")


@router.post("/ticket-sla-policies", response={201: TicketSlaPolicyOut})
def policy_add(request, payload: TicketSlaPolicyIn):
    require_perm(request, "service.add_slapolicy")
    data = payload.dict()
    data["calendar"] = get_ref(BusinessCalendar, request, data["calendar"], field="calendar")
    data["team"] = get_ref(ServiceTeam, request, data["team"], field="team")
    return Status(201, services.sla_policy_create(company=company_of(request), **data))


@router.patch("/ticket-sla-policies/{policy_id}", response=TicketSlaPolicyOut)
def policy_patch(request, policy_id: int, payload: TicketSlaPolicyPatch):
    require_perm(request, "service.change_slapolicy")
    policy = get_scoped(SlaPolicy, request, policy_id, label="SLA policy")
    changes = payload.dict(exclude_unset=True)
    if "calendar" in changes:
        changes["calendar"] = get_ref(
            BusinessCalendar, request, changes["calendar"], field="calendar"
        )
    return services.sla_policy_update(policy=policy, **changes)


# -- knowledge base -------------------------------------------------------------------------


@router.get("/kb-articles", response=page_of(KbArticleOut))
def kb_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    search: str = SEARCH,
    language: str = Query("", max_length=10),
    public: bool | None = None,
):
    require_perm(request, "service.view_kbarticle")
    qs = KbArticle.objects.filter(company=company_of(request))
    if search.strip():
        term = search.strip()
        qs = qs.filter(title__icontains=term) | qs.filter(body__icontains=term)
    if language:
        qs = qs.filter(language=language)
    if public is not None:
        qs = qs.filter(public=public)
    return paginate(qs.order_by("title", "pk"), limit=limit, offset=offset)


@router.get("/kb-articles/search", response=list[KbArticleOut])
def kb_search(
    request,
    q: str = Query(..., min_length=1, max_length=200, pattern=r"^[^\x00]*$"),
    public: bool = False,
):
    """Published articles ranked by full text (+ trigram on PostgreSQL), at most ten."""
    require_perm(request, "service.view_kbarticle")
    return queries.kb_search(company=company_of(request), q=q, public_only=public, limit=10)


@router.post("/kb-articles/{article_id}/vote", response=KbVotesOut)
def kb_vote(request, article_id: int, payload: KbVoteIn):
    """A "was this helpful?" answer."""
    require_perm(request, "service.view_kbarticle")
    article = get_scoped(KbArticle, request, article_id, label="article")
    services.kb_vote(article=article, helpful=payload.helpful)
    article.refresh_from_db()
    return article


@router.get("/kb-articles/{article_id}", response=KbArticleOut)
def kb_read(request, article_id: int):
    require_perm(request, "service.view_kbarticle")
    return get_scoped(KbArticle, request, article_id, label="article")


@router.post("/kb-articles", response={201: KbArticleOut})
def kb_add(request, payload: KbArticleIn):
    require_perm(request, "service.add_kbarticle")
    article = services.kb_article_create(
        company=company_of(request), user=request.user, **payload.dict()
    )
    return Status(201, article)


@router.patch("/kb-articles/{article_id}", response=KbArticleOut)
def kb_patch(request, article_id: int, payload: KbArticlePatch):
    require_perm(request, "service.change_kbarticle")
    article = get_scoped(KbArticle, request, article_id, label="article")
    return services.kb_article_update(
        article=article, user=request.user, **payload.dict(exclude_unset=True)
    )


# -- quality issues -------------------------------------------------------------------------


@router.get("/quality-issues/alerts", response=list[QualityAlertOut])
def quality_alerts(request):
    """Lots whose complaints reached the alert rule's threshold, newest first."""
    require_perm(request, "service.view_qualityissue")
    return list(QualityAlert.objects.filter(company=company_of(request))[:200])


@router.post("/quality-issues/alert-rule", response=QualityAlertRuleOut)
def quality_alert_rule(request, payload: QualityAlertRuleIn):
    require_perm(request, "service.change_qualityissue")
    return services.quality_alert_rule_set(
        company=company_of(request),
        threshold=payload.threshold,
        window_days=payload.window_days,
        notify=_user_ref(request, payload.notify, field="notify"),
        active=payload.active,
    )


@router.get("/reports/service/complaints", response=ParetoOut)
def complaints_pareto(request, by: str = Query("product", pattern="^(product|lot|supplier)$")):
    """Complaints by product, lot or supplier with the cumulative share (Pareto)."""
    require_perm(request, "service.view_ticket")
    return queries.complaints_pareto(company=company_of(request), by=by)


def _issues(request):
    return QualityIssue.objects.filter(company=company_of(request)).prefetch_related(
        "tickets", "actions"
    )


@router.get("/quality-issues", response=page_of(QualityIssueOut))
def quality_list(request, limit: int = LIMIT, offset: int = OFFSET):
    require_perm(request, "service.view_qualityissue")
    return paginate(_issues(request).order_by("-created_at", "-pk"), limit=limit, offset=offset)


@router.get("/quality-issues/{issue_id}", response=QualityIssueOut)
def quality_read(request, issue_id: int):
    require_perm(request, "service.view_qualityissue")
    return get_scoped(_issues(request), request, issue_id, label="quality issue")


@router.post("/quality-issues", response={201: QualityIssueOut})
def quality_add(request, payload: QualityIssueIn):
    require_perm(request, "service.add_qualityissue")
    issue = services.quality_issue_create(
        company=company_of(request),
        title=payload.title,
        product=get_ref(Product, request, payload.product, field="product"),
        lot=get_ref(Lot, request, payload.lot, field="lot"),
        tickets=get_refs(Ticket, request, payload.tickets, field="tickets"),
        defect_code=payload.defect_code,
        root_cause=payload.root_cause,
        user=request.user,
    )
    for action in payload.actions:
        services.quality_action_add(
            issue=issue,
            kind=action.kind,
            description=action.description,
            owner=_user_ref(request, action.owner, field="actions.owner"),
            due_date=action.due_date,
        )
    return Status(201, get_scoped(_issues(request), request, issue.pk))


@router.patch("/quality-issues/{issue_id}", response=QualityIssueOut)
def quality_patch(request, issue_id: int, payload: QualityIssuePatch):
    require_perm(request, "service.change_qualityissue")
    issue = get_scoped(QualityIssue, request, issue_id, label="quality issue")
    changes = payload.dict(exclude_unset=True)
    if "tickets" in changes:
        changes["tickets"] = get_refs(Ticket, request, changes["tickets"] or [], field="tickets")
    services.quality_issue_update(issue=issue, **changes)
    return get_scoped(_issues(request), request, issue.pk)


@router.post("/quality-issues/{issue_id}/actions", response={201: QualityActionOut})
def quality_action(request, issue_id: int, payload: QualityActionIn):
    require_perm(request, "service.change_qualityissue")
    issue = get_scoped(QualityIssue, request, issue_id, label="quality issue")
    action = services.quality_action_add(
        issue=issue,
        kind=payload.kind,
        description=payload.description,
        owner=_user_ref(request, payload.owner, field="owner"),
        due_date=payload.due_date,
    )
    return Status(201, action)


@router.get("/quality-issues/{issue_id}/where-used", response=WhereUsedOut)
def quality_where_used(request, issue_id: int):
    require_perm(request, "service.view_qualityissue")
    issue = get_scoped(QualityIssue, request, issue_id, label="quality issue")
    return queries.where_used(issue)
