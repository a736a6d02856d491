"""Service API schemas (component names are unique across apps: TicketSla..., ServiceTeam...)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import AwareDatetime, Field

from tandem.purchasing.schemas import Id, Number, Text

PriorityName = Literal["low", "normal", "high", "urgent"]
ChannelName = Literal["email", "portal", "api", "phone"]
StateName = Literal["new", "open", "waiting_customer", "resolved", "closed"]


class TicketOut(Schema):
    id: int
    number: str
    subject: str
    party: int | None = Field(validation_alias="party_id")
    contact: int | None = Field(validation_alias="contact_id")
    customer_email: str
    language: str
    channel: str
    priority: str
    state: str
    team: int | None = Field(validation_alias="team_id")
    assignee: int | None = Field(validation_alias="assignee_id")
    product: int | None = Field(validation_alias="product_id")
    lot: int | None = Field(validation_alias="lot_id")
    sales_order: int | None = Field(validation_alias="sales_order_id")
    tags: list[str]
    defect_code: str
    policy: int | None = Field(validation_alias="policy_id")
    opened_at: datetime
    first_response_due: datetime | None
    resolution_due: datetime | None
    next_response_due: datetime | None
    next_response_breached: bool
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    sla_state: str
    rating: int | None
    merged_into: int | None = Field(validation_alias="merged_into_id")


class TicketIn(Schema):
    subject: Text(200, min_length=1)
    language: Text(10) = ""
    channel: Literal["api", "phone", "portal"] = "api"
    priority: PriorityName = "normal"
    party: Id | None = None
    contact: Id | None = None
    customer_email: Text(254) = ""
    team: Id | None = None
    assignee: Id | None = None
    product: Id | None = None
    lot: Id | None = None
    sales_order: Id | None = None
    tags: list[Text(40)] = Field(default_factory=list, max_length=20)
    defect_code: Text(40) = ""
    body: Text(100_000) = ""


class TicketReplyIn(Schema):
    body: Text(100_000, min_length=1)
    state: Literal["open", "waiting_customer", "resolved"] | None = None


class TicketNoteIn(Schema):
    body: Text(100_000, min_length=1)


class TicketAssignIn(Schema):
    assignee: Id | None = None
    team: Id | None = None
    priority: PriorityName | None = None


class TicketStateIn(Schema):
    note: Text(200) = ""


class TicketMergeIn(Schema):
    into: Id


class TicketMessageOut(Schema):
    id: int
    kind: str
    author: int | None = Field(validation_alias="author_id")
    message_id: str
    in_reply_to: str
    references: str
    from_address: str
    to: str
    cc: str
    subject: str
    body: str
    body_html: str
    at: datetime


class ServiceTeamOut(Schema):
    id: int
    name: str
    calendar: int | None = Field(validation_alias="calendar_id")
    support_address: str
    lead: int | None = Field(validation_alias="lead_id")
    members: list[int]
    active: bool
    assignment: str
    sticky: bool
    bad_rating: str

    @staticmethod
    def resolve_members(obj):
        return sorted(m.pk for m in obj.members.all())


class ServiceTeamIn(Schema):
    name: Text(100, min_length=1)
    calendar: Id | None = None
    support_address: Text(254) = ""
    lead: Id | None = None
    members: list[Id] = Field(default_factory=list, max_length=500)
    assignment: Literal["manual", "round_robin", "load_balanced", "skills"] = "manual"
    sticky: bool = False
    bad_rating: Literal["none", "reopen", "alert"] = "alert"


class ServiceTeamPatch(Schema):
    name: Text(100, min_length=1) | None = None
    calendar: Id | None = None
    support_address: Text(254) | None = None
    lead: Id | None = None
    members: list[Id] | None = Field(default=None, max_length=500)
    active: bool | None = None
    assignment: Literal["manual", "round_robin", "load_balanced", "skills"] | None = None
    sticky: bool | None = None
    bad_rating: Literal["none", "reopen", "alert"] | None = None


class ServiceAgentOut(Schema):
    """A team member's skills and working hours: `calendar` is the agent's own (null: none
    set in the team); `hours` is the calendar assignment uses and `hours_source` where it
    comes from (`agent`, `employee` (the linked HR employee's), `team`, `none`: always at
    work); `at_work` and `next_shift` are at the time of the request."""

    user: int
    name: str
    languages: list[str]
    categories: list[int]
    calendar: int | None
    hours: int | None
    hours_name: str
    hours_source: Literal["agent", "employee", "team", "none"]
    absent: bool
    at_work: bool
    next_shift: datetime | None

    @staticmethod
    def resolve_user(obj):
        return obj["user"].pk

    @staticmethod
    def resolve_name(obj):
        user = obj["user"]
        return user.get_full_name() or user.username

    @staticmethod
    def resolve_calendar(obj):
        return obj["calendar"].pk if obj["calendar"] else None

    @staticmethod
    def resolve_hours(obj):
        return obj["hours"].pk if obj["hours"] else None

    @staticmethod
    def resolve_hours_name(obj):
        return obj["hours"].name if obj["hours"] else ""


class ServiceAgentPatch(Schema):
    calendar: Id | None = None
    languages: list[Text(10, min_length=1)] | None = Field(default=None, max_length=10)
    categories: list[Id] | None = Field(default=None, max_length=100)


class ServiceAbsenceIn(Schema):
    user: Id
    start: AwareDatetime
    end: AwareDatetime
    note: Text(200) = ""


class ServiceAbsenceOut(Schema):
    id: int
    user: int = Field(validation_alias="user_id")
    start: datetime
    end: datetime
    note: str


class EscalationStep(Schema):
    action: Literal["notify_lead", "reassign", "raise_priority", "notify_owner"]
    after_minutes: int = Field(0, ge=0, le=100_000)


class TicketEscalationOut(Schema):
    id: int
    clock: str
    window_start: datetime
    step: int
    action: str
    due_at: datetime
    fired_at: datetime
    detail: str


class TicketSlaPolicyOut(Schema):
    id: int
    name: str
    priority: str
    team: int | None = Field(validation_alias="team_id")
    first_response_hours: Decimal
    next_response_hours: Decimal | None
    resolution_hours: Decimal
    calendar: int | None = Field(validation_alias="calendar_id")
    pause_states: list[str]
    warn_percent: int
    escalation: list[EscalationStep]
    active: bool


class TicketSlaPolicyIn(Schema):
    name: Text(100, min_length=1)
    priority: PriorityName
    team: Id | None = None
    first_response_hours: Number
    next_response_hours: Number | None = None
    resolution_hours: Number
    calendar: Id | None = None
    pause_states: list[Literal["new", "open", "waiting_customer"]] = ["waiting_customer"]
    warn_percent: int = Field(80, ge=1, le=100)
    escalation: list[EscalationStep] = Field(default_factory=list, max_length=20)


class TicketSlaPolicyPatch(Schema):
    name: Text(100, min_length=1) | None = None
    priority: PriorityName | None = None
    first_response_hours: Number | None = None
    next_response_hours: Number | None = None
    resolution_hours: Number | None = None
    calendar: Id | None = None
    pause_states: list[Literal["new", "open", "waiting_customer"]] | None = None
    warn_percent: int | None = Field(None, ge=1, le=100)
    escalation: list[EscalationStep] | None = Field(default=None, max_length=20)
    active: bool | None = None


class KbArticleOut(Schema):
    id: int
    title: str
    body: str
    language: str
    public: bool
    state: str
    version: int
    updated_at: datetime


class KbArticleIn(Schema):
    title: Text(200, min_length=1)
    body: Text(200_000, min_length=1)
    language: Literal["en", "zh-hans"] = "en"
    public: bool = False


class KbArticlePatch(Schema):
    title: Text(200, min_length=1) | None = None
    body: Text(200_000, min_length=1) | None = None
    language: Literal["en", "zh-hans"] | None = None
    public: bool | None = None
    state: Literal["draft", "published", "archived"] | None = None


class QualityActionOut(Schema):
    id: int
    kind: str
    description: str
    owner: int | None = Field(validation_alias="owner_id")
    due_date: date | None
    done: bool


class QualityActionIn(Schema):
    kind: Literal["return", "credit_note", "corrective"]
    description: Text(500, min_length=1)
    owner: Id | None = None
    due_date: date | None = None


class QualityIssueOut(Schema):
    id: int
    number: str
    title: str
    product: int = Field(validation_alias="product_id")
    lot: int | None = Field(validation_alias="lot_id")
    tickets: list[int]
    state: str
    defect_code: str
    root_cause: str
    actions: list[QualityActionOut]

    @staticmethod
    def resolve_tickets(obj):
        return sorted(t.pk for t in obj.tickets.all())

    @staticmethod
    def resolve_actions(obj):
        return list(obj.actions.all())


class QualityIssueIn(Schema):
    title: Text(200) = ""
    product: Id | None = None
    lot: Id | None = None
    tickets: list[Id] = Field(default_factory=list, max_length=500)
    defect_code: Text(40) = ""
    root_cause: Text(10_000) = ""
    actions: list[QualityActionIn] = Field(default_factory=list, max_length=50)


class QualityIssuePatch(Schema):
    title: Text(200, min_length=1) | None = None
    state: Literal["open", "investigating", "resolved", "closed"] | None = None
    defect_code: Text(40) | None = None
    root_cause: Text(10_000) | None = None
    tickets: list[Id] | None = Field(default=None, max_length=500)


class WhereUsedCustomer(Schema):
    party: int
    name: str
    quantity: Decimal
    deliveries: int
    complained: bool


class WhereUsedReceipt(Schema):
    transfer: int | None
    number: str | None
    supplier: int | None
    supplier_name: str
    origin: str
    quantity: Decimal
    date: datetime | None


class WhereUsedOut(Schema):
    lot: int | None
    customers: list[WhereUsedCustomer]
    receipts: list[WhereUsedReceipt]


class ServicePolicyFigure(Schema):
    policy: int
    name: str
    met: int
    breached: int
    attainment: Decimal | None


class ServiceTeamFigure(Schema):
    team: int | None
    name: str
    tickets: int
    rated: int
    average: Decimal | None


class ServiceReportOut(Schema):
    tickets: int
    first_response_p50_hours: Decimal | None
    first_response_p90_hours: Decimal | None
    resolution_p50_hours: Decimal | None
    resolution_p90_hours: Decimal | None
    sla_met: int
    sla_breached: int
    sla_attainment: Decimal | None
    attainment_by_policy: list[ServicePolicyFigure]
    backlog: int
    backlog_by_age: dict[str, int]
    csat_average: Decimal | None
    csat_by_team: list[ServiceTeamFigure]


class CsatRow(Schema):
    key: int | None
    name: str
    responses: int
    average: Decimal | None
    satisfied: int
    bad: int


class CsatReportOut(Schema):
    by: str
    responses: int
    average: Decimal | None
    rows: list[CsatRow]


class KbVoteIn(Schema):
    helpful: bool


class KbVotesOut(Schema):
    id: int
    helpful_yes: int
    helpful_no: int
    deflections: int


class TicketSplitIn(Schema):
    messages: list[Id] = Field(min_length=1, max_length=500)
    subject: Text(200) = ""


class TicketMacroIn(Schema):
    macro: Id


class CannedResponseIn(Schema):
    name: Text(100, min_length=1)
    body: Text(50_000, min_length=1)
    team: Id | None = None


class CannedResponseOut(Schema):
    id: int
    name: str
    body: str
    team: int | None = Field(validation_alias="team_id")


class CannedRenderOut(Schema):
    body: str


class MacroIn(Schema):
    name: Text(100, min_length=1)
    priority: Literal["", "low", "normal", "high", "urgent"] = ""
    team: Id | None = None
    assignee: Id | None = None
    add_tags: list[Text(40)] = Field(default_factory=list, max_length=20)
    reply: Id | None = None
    state: Literal["", "open", "waiting_customer", "resolved"] = ""


class MacroOut(Schema):
    id: int
    name: str
    priority: str
    team: int | None = Field(validation_alias="team_id")
    assignee: int | None = Field(validation_alias="assignee_id")
    add_tags: list[str]
    reply: int | None = Field(validation_alias="reply_id")
    state: str


class ParetoRow(Schema):
    key: int | None
    name: str
    complaints: int
    share: Decimal
    cumulative: Decimal


class ParetoOut(Schema):
    by: str
    total: int
    rows: list[ParetoRow]


class QualityAlertRuleIn(Schema):
    threshold: int = Field(ge=2, le=10_000)
    window_days: int = Field(ge=1, le=3650)
    notify: Id | None = None
    active: bool = True


class QualityAlertRuleOut(Schema):
    threshold: int
    window_days: int
    notify: int | None = Field(validation_alias="notify_id")
    active: bool


class QualityAlertOut(Schema):
    id: int
    lot: int = Field(validation_alias="lot_id")
    product: int = Field(validation_alias="product_id")
    complaints: int
    since: datetime
    raised_at: datetime
