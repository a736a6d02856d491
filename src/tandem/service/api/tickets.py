"""/tickets and their actions, /tickets/{id}/messages, /reports/service."""

from datetime import datetime

from ninja import Query, Status

from tandem.api.context import company_of, get_ref, get_scoped, page_of, paginate, require_perm
from tandem.catalog.models import Product
from tandem.core.models import User
from tandem.inventory.models import Lot
from tandem.parties.models import Contact, Party
from tandem.sales.models import SalesOrder

from .. import queries, services
from ..models import CannedResponse, Macro, ServiceTeam, Ticket, TicketEscalation, TicketMessage
from ..schemas import (
    CannedRenderOut,
    CannedResponseIn,
    CannedResponseOut,
    CsatReportOut,
    KbArticleOut,
    MacroIn,
    MacroOut,
    ServiceReportOut,
    TicketAssignIn,
    TicketEscalationOut,
    TicketIn,
    TicketMacroIn,
    TicketMergeIn,
    TicketMessageOut,
    TicketNoteIn,
    TicketOut,
    TicketReplyIn,
    TicketSplitIn,
    TicketStateIn,
)
from . import router

LIMIT = Query(50, ge=1, le=500)
OFFSET = Query(0, ge=0, le=10**12)
SEARCH = Query("", max_length=100, pattern=r"^[^\x00]*$")


def _user_ref(request, pk, *, field):
    if pk is None:
        return None
    user = User.objects.filter(
        pk=pk, memberships__company=company_of(request), memberships__is_active=True
    ).first()
    if user is None:
        from tandem.core.errors import InvalidReference

        raise InvalidReference(f"{field}: no such user with id {pk}", field=field)
    return user


def _ticket(request, ticket_id):
    return get_scoped(Ticket, request, ticket_id, label="ticket")


@router.get("/tickets", response=page_of(TicketOut))
def ticket_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    search: str = SEARCH,
    state: str = Query("", max_length=20),
    priority: str = Query("", max_length=10),
    team: int | None = Query(None, ge=1),
    assignee: int | None = Query(None, ge=1),
    party: int | None = Query(None, ge=1),
    sla_state: str = Query("", max_length=10),
):
    require_perm(request, "service.view_ticket")
    qs = Ticket.objects.filter(company=company_of(request))
    if search.strip():
        qs = qs.filter(subject__icontains=search.strip()) | qs.filter(number=search.strip())
    for name, value in (
        ("state", state),
        ("priority", priority),
        ("team_id", team),
        ("assignee_id", assignee),
        ("party_id", party),
        ("sla_state", sla_state),
    ):
        if value not in ("", None):
            qs = qs.filter(**{name: value})
    return paginate(qs.order_by("-opened_at", "-pk"), limit=limit, offset=offset)


@router.get("/tickets/canned-responses", response=list[CannedResponseOut])
def canned_list(request):
    require_perm(request, "service.view_ticket")
    return list(CannedResponse.objects.filter(company=company_of(request)).order_by("name"))


@router.post("/tickets/canned-responses", response={201: CannedResponseOut})
def canned_add(request, payload: CannedResponseIn):
    require_perm(request, "service.change_ticket")
    canned = services.canned_response_create(
        company=company_of(request),
        name=payload.name,
        body=payload.body,
        team=get_ref(ServiceTeam, request, payload.team, field="team"),
    )
    return Status(201, canned)


@router.get("/tickets/macros", response=list[MacroOut])
def macro_list(request):
    require_perm(request, "service.view_ticket")
    return list(Macro.objects.filter(company=company_of(request)).order_by("name"))


@router.post("/tickets/macros", response={201: MacroOut})
def macro_add(request, payload: MacroIn):
    require_perm(request, "service.change_ticket")
    macro = services.macro_create(
        company=company_of(request),
        name=payload.name,
        priority=payload.priority,
        team=get_ref(ServiceTeam, request, payload.team, field="team"),
        assignee=_user_ref(request, payload.assignee, field="assignee"),
        add_tags=payload.add_tags,
        reply=get_ref(CannedResponse, request, payload.reply, field="reply"),
        state=payload.state,
    )
    return Status(201, macro)


@router.get("/tickets/{ticket_id}", response=TicketOut)
def ticket_read(request, ticket_id: int):
    require_perm(request, "service.view_ticket")
    return _ticket(request, ticket_id)


@router.post("/tickets", response={201: TicketOut})
def ticket_add(request, payload: TicketIn):
    require_perm(request, "service.add_ticket")
    ticket = services.ticket_create(
        company=company_of(request),
        subject=payload.subject,
        channel=payload.channel,
        priority=payload.priority,
        party=get_ref(Party, request, payload.party, field="party"),
        contact=get_ref(Contact, request, payload.contact, field="contact"),
        customer_email=payload.customer_email,
        team=get_ref(ServiceTeam, request, payload.team, field="team"),
        assignee=_user_ref(request, payload.assignee, field="assignee"),
        product=get_ref(Product, request, payload.product, field="product"),
        lot=get_ref(Lot, request, payload.lot, field="lot"),
        sales_order=get_ref(SalesOrder, request, payload.sales_order, field="sales_order"),
        tags=payload.tags,
        defect_code=payload.defect_code,
        language=payload.language,
        body=payload.body,
        user=request.user,
    )
    return Status(201, ticket)


@router.get("/tickets/{ticket_id}/messages", response=page_of(TicketMessageOut))
def ticket_messages(request, ticket_id: int, limit: int = LIMIT, offset: int = OFFSET):
    require_perm(request, "service.view_ticket")
    ticket = _ticket(request, ticket_id)
    return paginate(
        TicketMessage.objects.filter(ticket=ticket).order_by("at", "pk"), limit=limit, offset=offset
    )


@router.get("/tickets/{ticket_id}/canned/{canned_id}", response=CannedRenderOut)
def canned_render(request, ticket_id: int, canned_id: int):
    """The canned response with this ticket's merge fields filled (for the reply box)."""
    require_perm(request, "service.view_ticket")
    ticket = _ticket(request, ticket_id)
    canned = get_scoped(CannedResponse, request, canned_id, label="canned response")
    return {"body": services.render_canned(canned, ticket=ticket, agent=request.user)}


@router.post("/tickets/{ticket_id}/macro", response=TicketOut)
def ticket_macro(request, ticket_id: int, payload: TicketMacroIn):
    require_perm(request, "service.change_ticket")
    ticket = _ticket(request, ticket_id)
    macro = get_ref(Macro, request, payload.macro, field="macro")
    return services.macro_apply(ticket=ticket, macro=macro, user=request.user)


@router.post("/tickets/{ticket_id}/split", response={201: TicketOut})
def ticket_split(request, ticket_id: int, payload: TicketSplitIn):
    """Move some messages to a new ticket keeping the history and the SLA."""
    require_perm(request, "service.change_ticket")
    ticket = _ticket(request, ticket_id)
    new = services.ticket_split(
        ticket=ticket, messages=payload.messages, subject=payload.subject, user=request.user
    )
    return Status(201, new)


@router.post("/tickets/{ticket_id}/kb-draft", response={201: KbArticleOut})
def ticket_kb_draft(request, ticket_id: int):
    """A draft knowledge-base article from a resolved ticket."""
    require_perm(request, "service.add_kbarticle")
    ticket = _ticket(request, ticket_id)
    return Status(201, services.kb_draft_from_ticket(ticket=ticket, user=request.user))


@router.get("/tickets/{ticket_id}/escalations", response=list[TicketEscalationOut])
def ticket_escalations(request, ticket_id: int):
    """The ticket's escalation audit trail, oldest first."""
    require_perm(request, "service.view_ticket")
    ticket = _ticket(request, ticket_id)
    return list(TicketEscalation.objects.filter(ticket=ticket).order_by("fired_at", "pk"))


@router.post("/tickets/{ticket_id}/reply", response={201: TicketMessageOut})
def ticket_reply(request, ticket_id: int, payload: TicketReplyIn):
    require_perm(request, "service.change_ticket")
    message = services.ticket_reply(
        ticket=_ticket(request, ticket_id),
        body=payload.body,
        state=payload.state,
        user=request.user,
    )
    return Status(201, message)


@router.post("/tickets/{ticket_id}/note", response={201: TicketMessageOut})
def ticket_note(request, ticket_id: int, payload: TicketNoteIn):
    require_perm(request, "service.change_ticket")
    message = services.ticket_note(
        ticket=_ticket(request, ticket_id), body=payload.body, user=request.user
    )
    return Status(201, message)


@router.post("/tickets/{ticket_id}/assign", response=TicketOut)
def ticket_assign(request, ticket_id: int, payload: TicketAssignIn):
    require_perm(request, "service.change_ticket")
    ticket = _ticket(request, ticket_id)
    fields = payload.dict(exclude_unset=True)
    changes = {}
    if "assignee" in fields:
        changes["assignee"] = _user_ref(request, payload.assignee, field="assignee")
    if "team" in fields:
        changes["team"] = get_ref(ServiceTeam, request, payload.team, field="team")
    if payload.priority:
        changes["priority"] = payload.priority
    return services.ticket_assign(ticket=ticket, user=request.user, **changes)


@router.post("/tickets/{ticket_id}/resolve", response=TicketOut)
def ticket_resolve(request, ticket_id: int, payload: TicketStateIn | None = None):
    require_perm(request, "service.change_ticket")
    note = payload.note if payload else ""
    return services.ticket_resolve(ticket=_ticket(request, ticket_id), user=request.user, note=note)


@router.post("/tickets/{ticket_id}/close", response=TicketOut)
def ticket_close(request, ticket_id: int):
    require_perm(request, "service.change_ticket")
    return services.ticket_close(ticket=_ticket(request, ticket_id), user=request.user)


@router.post("/tickets/{ticket_id}/reopen", response=TicketOut)
def ticket_reopen(request, ticket_id: int, payload: TicketStateIn | None = None):
    require_perm(request, "service.change_ticket")
    note = payload.note if payload else ""
    return services.ticket_reopen(ticket=_ticket(request, ticket_id), user=request.user, note=note)


@router.post("/tickets/{ticket_id}/merge", response=TicketOut)
def ticket_merge(request, ticket_id: int, payload: TicketMergeIn):
    require_perm(request, "service.change_ticket")
    source = _ticket(request, ticket_id)
    into = get_ref(Ticket, request, payload.into, field="into")
    return services.ticket_merge(ticket=source, into=into, user=request.user)


@router.get("/reports/service", response=ServiceReportOut)
def service_report(request, date_from: datetime | None = None, date_to: datetime | None = None):
    require_perm(request, "service.view_ticket")
    return queries.service_report(company=company_of(request), date_from=date_from, date_to=date_to)


@router.get("/reports/service/csat", response=CsatReportOut)
def csat_report(
    request,
    by: str = Query("agent", pattern="^(agent|team|product|lot)$"),
    date_from: datetime | None = None,
    date_to: datetime | None = None,
):
    """Customer satisfaction by agent, team, product or lot."""
    require_perm(request, "service.view_ticket")
    return queries.csat_report(
        company=company_of(request), by=by, date_from=date_from, date_to=date_to
    )
