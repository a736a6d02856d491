"""JSON shapes of the CRM API. Lengths and formats are checked again by the services."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import AfterValidator, Field, StringConstraints

from tandem.inventory.schemas import Money

NO_NUL = r"^[^\x00]*$"  # PostgreSQL refuses NUL characters in text columns
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def Text(max_length: int):  # noqa: N802  (a type factory)
    return Annotated[str, StringConstraints(max_length=max_length, pattern=NO_NUL)]


Amount = Annotated[Decimal, Field(ge=0, max_digits=24, decimal_places=6, allow_inf_nan=False)]
Percent = Annotated[int, Field(ge=0, le=100)]
# sums of invoice-line quantities: the four places of that field, never "2E+2"
InvoiceQty = Annotated[Decimal, AfterValidator(lambda v: v.quantize(Decimal("0.0001")))]
SourceName = Literal[
    "web_form",
    "api",
    "import",
    "manual",
    "referral",
    "campaign",
    "email",
    "phone",
    "event",
    "other",
]
LeadStateName = Literal["new", "qualified", "disqualified"]
OpportunityStateName = Literal["open", "won", "lost"]
ActivityKindName = Literal["call", "email", "meeting", "task"]
ActivityStateName = Literal["planned", "done", "cancelled"]
InteractionKindName = Literal["call", "email", "meeting", "note"]
DirectionName = Literal["in", "out"]


class Stamped(Schema):
    id: int
    created_at: datetime
    updated_at: datetime


class Scoped(Stamped):
    company: int = Field(validation_alias="company_id")


# -- leads -----------------------------------------------------------------------------------


class LeadOut(Scoped):
    name: str
    contact_name: str
    company_name: str
    email: str
    phone: str = Field(description="E.164")
    source: str
    campaign: str
    owner: int | None = Field(validation_alias="owner_id")
    team: int | None = Field(validation_alias="team_id")
    state: str
    disqualify_reason: str
    matched_party: int | None = Field(
        validation_alias="matched_party_id", description="The existing party the lead is about"
    )
    matched_contact: int | None = Field(validation_alias="matched_contact_id")
    match_on: str = Field(description="email, phone or company_name; empty without a match")
    opportunity: int | None = Field(validation_alias="opportunity_id")
    qualified_at: datetime | None
    notes: str
    score: float | None = Field(
        None,
        description="Probability to win (0-1) from the active lead-score model (analytics); "
        "null before a model is trained. Filled on the list and the read",
    )
    score_tier: str = Field("", description="A, B or C from the same model; empty unscored")


class LeadIn(Schema):
    name: Text(200) = Field("", description="Defaults to the company or contact name")
    contact_name: Text(200) = ""
    company_name: Text(200) = ""
    email: Text(254) = ""
    phone: Text(40) = Field("", description="Read in the company's country unless it has a +")
    source: SourceName = "api"
    campaign: Text(100) = ""
    owner: Id | None = None
    team: Id | None = None
    notes: Text(10_000) = ""


class LeadPatch(Schema):
    name: Text(200) | None = None
    contact_name: Text(200) | None = None
    company_name: Text(200) | None = None
    email: Text(254) | None = None
    phone: Text(40) | None = None
    source: SourceName | None = None
    campaign: Text(100) | None = None
    owner: Id | None = None
    team: Id | None = None
    notes: Text(10_000) | None = None


class QualifyIn(Schema):
    party: Id | None = Field(None, description="Default: the matched party, else a new one")
    name: Text(200) | None = Field(None, description="The opportunity's name; default the lead's")
    stage: Id | None = Field(None, description="Default: the pipeline's first stage")
    expected_revenue: Amount = Decimal(0)
    close_date: date | None = None


class DisqualifyIn(Schema):
    reason: Text(500)


# -- opportunities ---------------------------------------------------------------------------


class NextActivityOut(Schema):
    id: int
    due_at: datetime
    summary: str


class OpportunityOut(Scoped):
    name: str
    party: int = Field(validation_alias="party_id")
    party_name: str = Field(validation_alias="party.name")
    contact: int | None = Field(validation_alias="contact_id")
    owner: int | None = Field(validation_alias="owner_id")
    team: int | None = Field(validation_alias="team_id")
    stage: int = Field(validation_alias="stage_id")
    stage_name: str = Field(validation_alias="stage.name")
    expected_revenue: Decimal
    currency: str = Field(validation_alias="currency_id")
    probability: int
    probability_manual: bool = Field(description="false: the probability follows the stage")
    weighted_revenue: Decimal
    close_date: date | None
    products: list[int]
    state: str
    lost_reason: int | None = Field(validation_alias="lost_reason_id")
    lost_note: str
    won_at: datetime | None
    lost_at: datetime | None
    source: str
    lead: int | None = Field(validation_alias="lead_id")
    sales_order: int | None = Field(
        validation_alias="sales_order_id", description="The draft order made when it was won"
    )
    next_activity: NextActivityOut | None
    score: float | None = Field(
        None,
        description="Probability to win (0-1) from the active lead-score model (analytics); "
        "null before a model is trained. Filled on the list and the read",
    )
    score_tier: str = Field("", description="A, B or C from the same model; empty unscored")

    @staticmethod
    def resolve_products(obj) -> list[int]:
        return [product.pk for product in obj.products.all()]

    @staticmethod
    def resolve_next_activity(obj):
        if getattr(obj, "next_activity_id", None) is None:
            return None
        return {
            "id": obj.next_activity_id,
            "due_at": obj.next_activity_due_at,
            "summary": obj.next_activity_summary,
        }


class OpportunityIn(Schema):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NO_NUL)]
    party: Id
    contact: Id | None = None
    owner: Id | None = None
    team: Id | None = None
    stage: Id | None = Field(None, description="Default: the first stage of the team's pipeline")
    expected_revenue: Amount = Decimal(0)
    currency: Text(3) | None = Field(None, description="ISO 4217; default the company's")
    probability: Percent | None = Field(None, description="Default: the stage's probability")
    close_date: date | None = None
    products: list[Id] = Field(default_factory=list, max_length=500)
    source: SourceName | Literal[""] = ""


class OpportunityPatch(Schema):
    name: Text(200) | None = None
    party: Id | None = None
    contact: Id | None = None
    owner: Id | None = None
    team: Id | None = None
    expected_revenue: Amount | None = None
    currency: Text(3) | None = None
    probability: Percent | None = Field(
        None, description="null: follow the stage's probability again"
    )
    close_date: date | None = None
    products: list[Id] | None = Field(None, max_length=500)
    source: SourceName | Literal[""] | None = None


class MoveIn(Schema):
    stage: Id
    lost_reason: Id | None = Field(None, description="Required when moving to the lost stage")
    lost_note: Text(500) = ""


class WinIn(Schema):
    create_order: bool = Field(
        False,
        description="Also make a draft sales order of the products of interest (quantity 1, "
        "price-list price, the opportunity's currency)",
    )


class LoseIn(Schema):
    reason: Id = Field(description="A lost reason's id")
    note: Text(500) = ""


class StageChangeOut(Schema):
    id: int
    from_stage: int | None
    from_stage_name: str | None
    to_stage: int
    to_stage_name: str
    changed_at: datetime
    left_at: datetime | None
    changed_by: int | None
    seconds_in_stage: int | None


# -- pipeline configuration ------------------------------------------------------------------


class StageOut(Scoped):
    team: int | None = Field(validation_alias="team_id")
    name: str
    sequence: int
    probability: int
    is_won: bool
    is_lost: bool
    fold: bool


class StageIn(Schema):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=NO_NUL)]
    team: Id | None = Field(None, description="Empty: the company's default pipeline")
    sequence: int | None = Field(None, ge=0, le=1_000_000)
    probability: Percent = 0
    is_won: bool = False
    is_lost: bool = False
    fold: bool = False


class StagePatch(Schema):
    name: Text(100) | None = None
    sequence: int | None = Field(None, ge=0, le=1_000_000)
    probability: Percent | None = None
    is_won: bool | None = None
    is_lost: bool | None = None
    fold: bool | None = None


class TeamOut(Scoped):
    name: str
    leader: int | None = Field(validation_alias="leader_id")
    members: list[int]
    active: bool

    @staticmethod
    def resolve_members(obj) -> list[int]:
        return [user.pk for user in obj.members.all()]


class TeamIn(Schema):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=NO_NUL)]
    leader: Id | None = None
    members: list[Id] = Field(default_factory=list, max_length=500)
    active: bool = True


class TeamPatch(Schema):
    name: Text(100) | None = None
    leader: Id | None = None
    members: list[Id] | None = Field(None, max_length=500)
    active: bool | None = None


class LostReasonOut(Scoped):
    name: str
    active: bool


class LostReasonIn(Schema):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=NO_NUL)]
    active: bool = True


class LostReasonPatch(Schema):
    name: Text(100) | None = None
    active: bool | None = None


# -- activities and interactions -------------------------------------------------------------


class ActivityOut(Scoped):
    kind: str
    summary: str
    note: str
    due_at: datetime
    owner: int = Field(validation_alias="owner_id")
    party: int | None = Field(validation_alias="party_id")
    lead: int | None = Field(validation_alias="lead_id")
    opportunity: int | None = Field(validation_alias="opportunity_id")
    state: str
    done_at: datetime | None
    outcome: str
    reminded_at: datetime | None
    cadence: int | None = Field(validation_alias="cadence_id")


class ActivityIn(Schema):
    kind: ActivityKindName
    summary: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NO_NUL)]
    due_at: datetime = Field(description="Without a UTC offset: the company's time zone")
    owner: Id | None = Field(None, description="Default: the caller")
    party: Id | None = None
    lead: Id | None = None
    opportunity: Id | None = None
    note: Text(10_000) = ""


class ActivityPatch(Schema):
    kind: ActivityKindName | None = None
    summary: Text(200) | None = None
    due_at: datetime | None = None
    owner: Id | None = None
    note: Text(10_000) | None = None


class DoneIn(Schema):
    outcome: Text(10_000) = ""


class InteractionOut(Scoped):
    kind: str
    direction: str
    occurred_at: datetime
    duration_minutes: int | None
    subject: str
    body: str
    outcome: str
    party: int | None = Field(validation_alias="party_id")
    lead: int | None = Field(validation_alias="lead_id")
    opportunity: int | None = Field(validation_alias="opportunity_id")
    user: int | None = Field(validation_alias="user_id")
    message_id: str
    in_reply_to: str
    email_from: str
    email_to: str


class InteractionIn(Schema):
    kind: InteractionKindName
    direction: DirectionName = "out"
    occurred_at: datetime | None = Field(None, description="Default: now; never in the future")
    duration_minutes: int | None = Field(None, ge=0, le=10_080)
    subject: Text(200) = ""
    body: Text(10_000) = ""
    outcome: Text(500) = ""
    party: Id | None = None
    lead: Id | None = None
    opportunity: Id | None = None
    message_id: Text(255) = ""


class SendEmailIn(Schema):
    to: Text(1000) | list[Text(254)] = Field(
        description="One address, several separated by commas, or a list (at most 20)"
    )
    subject: Text(200)
    body: Text(100_000) = ""
    party: Id | None = Field(None, description="Exactly one of party, lead, opportunity")
    lead: Id | None = None
    opportunity: Id | None = None


class DocumentEmailIn(Schema):
    document: Literal["sales_order", "invoice", "purchase_order", "payment", "delivery"]
    id: Id
    to: Text(1000) | list[Text(254)] = Field(
        description="One address, several separated by commas, or a list (at most 20)"
    )
    cc: Text(1000) | list[Text(254)] | None = None
    subject: Text(200)
    body: Text(10_000) = ""


class DocumentRecipientOut(Schema):
    email: str
    name: str


class DocumentEmailDraftOut(Schema):
    document: str
    id: int
    number: str
    kind: str = Field(description="The template used: quotation, sales_order, invoice, ...")
    language: str
    party: int
    recipients: list[DocumentRecipientOut] = Field(
        description="The party's and its contacts' addresses"
    )
    to: list[str]
    subject: str
    body: str
    attachment: str = Field(description="File name of the PDF that is attached")


class DocumentEmailTemplateIn(Schema):
    subject: Text(200) = Field("", description="Blank subject and body: the built-in wording")
    body: Text(10_000) = ""


class DocumentEmailTemplateOut(Schema):
    kind: str
    language: str
    subject: str
    body: str
    customised: bool


class ImportErrorOut(Schema):
    field: str | None
    message: str
    code: str


class ImportRowOut(Schema):
    row: int = Field(description="The row of the file (the header is row 1)")
    name: str
    errors: list[ImportErrorOut]
    lead: int | None = Field(description="The lead made (a commit only)")
    matched_party: int | None
    match_on: str
    existing_lead: int | None = Field(description="An open lead with the same email")


class ImportTotals(Schema):
    rows: int
    valid: int
    errors: int
    created: int


class LeadImportOut(Schema):
    dry_run: bool
    rows: list[ImportRowOut]
    totals: ImportTotals


# -- reports ---------------------------------------------------------------------------------


class ForecastRow(Schema):
    key: int | str | None = Field(description="YYYY-MM, the owner's id or the stage's id")
    label: str
    team: str | None = None
    count: int
    expected_revenue: Decimal
    weighted_revenue: Decimal
    missing_rate: int = Field(description="Opportunities left out: no exchange rate")


class ForecastTotals(Schema):
    count: int
    expected_revenue: Decimal
    weighted_revenue: Decimal
    missing_rate: int
    currency: str
    average_sales_cycle_days: Decimal | None


class ForecastOut(Schema):
    group_by: str
    rows: list[ForecastRow]
    totals: ForecastTotals


class ConversionRow(Schema):
    from_stage: int
    from_stage_name: str
    to_stage: int
    to_stage_name: str
    entered: int
    advanced: int
    rate: Decimal | None


class ConversionTotals(Schema):
    entered: int
    won: int
    rate: Decimal | None
    average_sales_cycle_days: Decimal | None


class ConversionOut(Schema):
    rows: list[ConversionRow]
    totals: ConversionTotals


class WinRateRow(Schema):
    source: str
    won: int
    lost: int
    open: int
    win_rate: Decimal | None


class WinRateTotals(Schema):
    won: int
    lost: int
    open: int
    win_rate: Decimal | None


class WinRateOut(Schema):
    rows: list[WinRateRow]
    totals: WinRateTotals


# -- follow-up cadences ----------------------------------------------------------------------

CadenceTargetName = Literal["lead", "opportunity", "party"]
IntervalUnitName = Literal["days", "business_days"]


class CadenceOut(Scoped):
    name: str
    applies_to: str = Field(description="lead (new leads), opportunity (open), party (customers)")
    stage: int | None = Field(validation_alias="stage_id")
    tag: int | None = Field(validation_alias="tag_id", description="The segment: a party tag")
    kind: str
    interval: int
    interval_unit: str
    summary_template: str
    repeat: bool
    owner: int | None = Field(validation_alias="owner_id")
    active: bool


class CadenceIn(Schema):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=NO_NUL)]
    applies_to: CadenceTargetName
    stage: Id | None = Field(None, description="Opportunities in this stage only")
    tag: Id | None = Field(None, description="Opportunities and customers of this tag only")
    kind: ActivityKindName = "call"
    interval: int = Field(3, ge=1, le=366)
    interval_unit: IntervalUnitName = "days"
    summary_template: Text(200) = Field(
        "Follow up: {record}", description="{record}, {stage} and {owner} are replaced"
    )
    repeat: bool = True
    owner: Id | None = Field(None, description="Plans for records without an owner")
    active: bool = True


class CadencePatch(Schema):
    name: Text(100) | None = None
    applies_to: CadenceTargetName | None = None
    stage: Id | None = None
    tag: Id | None = None
    kind: ActivityKindName | None = None
    interval: int | None = Field(None, ge=1, le=366)
    interval_unit: IntervalUnitName | None = None
    summary_template: Text(200) | None = None
    repeat: bool | None = None
    owner: Id | None = None
    active: bool | None = None


class CadenceReportRow(Schema):
    kind: str = Field(description="lead, opportunity or party")
    id: int
    name: str
    owner: str | None
    reason: str = Field(description="overdue (a cadence activity is overdue) or no_touch")
    overdue_since: datetime | None
    last_touch: datetime | None


class CadenceReportTotals(Schema):
    overdue: int
    no_touch: int
    count: int


class CadenceReportOut(Schema):
    rows: list[CadenceReportRow]
    totals: CadenceReportTotals
    days: int


# -- email -----------------------------------------------------------------------------------


class MailIn(Schema):
    message: Annotated[str, StringConstraints(min_length=1, max_length=10_000_000)] = Field(
        description="The whole RFC 822 message (headers and body)"
    )


class MailInOut(Schema):
    status: str = Field(
        description="logged; duplicate (the Message-ID was logged before); claimed (another "
        "app took it: a bounce report, a support ticket)"
    )
    interaction: int | None
    matched_by: str = Field(
        description="thread, contact, party, lead or new_lead; for a claimed message what "
        "the claiming app did (bounce, ticket)"
    )
    party: int | None
    lead: int | None
    opportunity: int | None


# -- customer 360 ----------------------------------------------------------------------------


class TimelineItem(Schema):
    kind: str = Field(
        description="interaction, activity, opportunity, stage_change, order, delivery, "
        "invoice, credit_note, payment or campaign (a marketing email sent, opened or clicked)"
    )
    id: int
    at: datetime
    title: str
    detail: str
    amount: Decimal | None
    url: str


class OverviewOpportunity(Schema):
    id: int
    name: str
    stage: str
    expected_revenue: Decimal
    currency: str
    probability: int
    close_date: date | None
    owner: int | None


class TopProduct(Schema):
    product: int
    sku: str
    name: str
    quantity: InvoiceQty
    revenue: Money


class Touch(Schema):
    kind: str
    at: datetime
    title: str


class OverviewOrders(Schema):
    count: int = Field(description="Orders placed: confirmed or done")
    open: int = Field(description="Confirmed orders not yet done")
    quotations: int = Field(description="Draft or sent quotations")


class PartyOverviewOut(Schema):
    party: int
    name: str
    currency: str = Field(description="The company currency every amount is in")
    revenue_basis: str = Field(
        description="untaxed: posted customer invoices minus credit notes, untaxed x rate"
    )
    revenue_this_year: Money
    revenue_last_year: Money
    lifetime_value: Money
    open_balance: Money
    overdue: Money
    average_days_to_pay: Decimal | None
    open_opportunities: list[OverviewOpportunity]
    open_pipeline: Money
    top_products: list[TopProduct]
    orders: OverviewOrders
    last_touch: Touch | None
    next_touch: Touch | None
    timeline: list[TimelineItem]
    timeline_count: int
    churn_risk: float | None = Field(
        description="Probability (0-1) that the customer does not order again, from the active "
        "churn model (analytics); null before one is trained or for a party it did not score"
    )
    customer_value: Decimal | None = Field(
        description="Expected sales of the next 12 months (untaxed, company currency) from "
        "the active value model (BG/NBD x Gamma-Gamma)"
    )
    rfm_band: str | None = Field(description="The RFM band (champions, at_risk, ...)")
    segment: int | None = Field(description="The customer cluster of the segments model")


# -- sales performance -----------------------------------------------------------------------

TargetPeriodName = Literal["month", "quarter", "year"]
TargetMeasureName = Literal["won_revenue", "invoiced_revenue"]


class TargetOut(Scoped):
    user: int | None = Field(validation_alias="user_id")
    team: int | None = Field(validation_alias="team_id")
    period: str
    period_start: date
    measure: str
    amount: Decimal


class TargetIn(Schema):
    user: Id | None = Field(None, description="A rep, or")
    team: Id | None = Field(None, description="a sales team (exactly one of the two)")
    period: TargetPeriodName = "month"
    period_start: date = Field(description="Any day of the period; stored as its first day")
    measure: TargetMeasureName = "won_revenue"
    amount: Amount


class TargetPatch(Schema):
    amount: Amount | None = None


class PerformanceRow(Schema):
    user: int | None
    name: str
    won_count: int
    won_revenue: Decimal
    invoiced_revenue: Decimal
    target: Decimal | None
    achievement: Decimal | None = Field(description="Percent of the target reached so far")
    activities_done: int
    interactions: int
    opportunities_closed: int
    win_rate: Decimal | None = Field(description="Won / (won + lost) in the period, percent")
    leads_assigned: int
    leads_qualified: int
    lead_conversion: Decimal | None = Field(description="Qualified / assigned, percent")


class TeamPerformanceRow(Schema):
    team: int
    name: str
    won_revenue: Decimal
    invoiced_revenue: Decimal
    target: Decimal | None
    achievement: Decimal | None


class PerformanceTotals(Schema):
    won_count: int
    won_revenue: Decimal
    invoiced_revenue: Decimal
    target: Decimal | None
    achievement: Decimal | None


class PerformanceOut(Schema):
    period: str
    start: date
    end: date = Field(description="Exclusive")
    measure: str
    currency: str
    rows: list[PerformanceRow]
    teams: list[TeamPerformanceRow]
    totals: PerformanceTotals
