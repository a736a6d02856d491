"""Pydantic shapes of the marketing API (see API.md "Marketing")."""

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from tandem.purchasing.schemas import Id, Number


class SegmentIn(Schema):
    name: str = Field(max_length=200)
    kind: Literal["dynamic", "static"] = "dynamic"
    rules: dict[str, Any] = Field(default_factory=dict)
    description: str = Field("", max_length=2000)
    members: list[Id] | None = Field(None, max_length=100_000)


class SegmentPatch(Schema):
    name: str | None = Field(None, max_length=200)
    rules: dict[str, Any] | None = None
    description: str | None = Field(None, max_length=2000)
    members: list[Id] | None = Field(None, max_length=100_000)


class SegmentOut(Schema):
    id: int
    name: str
    kind: str
    rules: dict[str, Any]
    description: str
    member_count: int


class PreviewIn(Schema):
    rules: dict[str, Any] = Field(default_factory=dict)
    limit: int = Field(10, ge=0, le=100)


class MemberOut(Schema):
    id: int
    name: str
    email: str


class PreviewOut(Schema):
    count: int
    members: list[MemberOut]


class ConsentIn(Schema):
    party: Id
    contact: Id | None = None
    email: str = Field("", max_length=254)
    purpose: str = Field(max_length=50)
    channel: Literal["email", "sms", "phone"] = "email"
    state: Literal["granted", "withdrawn"]
    source: str = Field(max_length=50)
    ip: str | None = Field(None, max_length=45)
    user_agent: str = Field("", max_length=500)
    text_version: str = Field("", max_length=50)
    at: datetime | None = None
    double_opt_in: bool = False


class ConsentOut(Schema):
    id: int
    party: int = Field(alias="party_id")
    contact: int | None = Field(None, alias="contact_id")
    email: str
    purpose: str
    channel: str
    state: str
    source: str
    ip: str | None
    user_agent: str
    text_version: str
    at: datetime


class OptInOut(Schema):
    state: Literal["confirmation_sent"]
    email: str


class TemplateIn(Schema):
    name: str = Field(max_length=200)
    language: str = Field("en", max_length=10)
    subject: str = Field(max_length=300)
    format: Literal["html", "mjml"] = "html"
    source: str = Field("", max_length=500_000, description="the MJML, when format is mjml")
    body_html: str = Field("", max_length=500_000, description="compiled from an MJML source")
    body_text: str = Field("", max_length=500_000)


class TemplatePatch(Schema):
    name: str | None = Field(None, max_length=200)
    language: str | None = Field(None, max_length=10)
    subject: str | None = Field(None, max_length=300)
    format: Literal["html", "mjml"] | None = None
    source: str | None = Field(None, max_length=500_000)
    body_html: str | None = Field(None, max_length=500_000)
    body_text: str | None = Field(None, max_length=500_000)


class TemplateOut(Schema):
    id: int
    name: str
    language: str
    subject: str
    format: str
    source: str
    body_html: str
    body_text: str


class VariantIn(Schema):
    subject: str = Field("", max_length=300)
    template: Id | None = None


class AbIn(Schema):
    """An A/B test: variants A, B, ... in order; an empty list removes the test."""

    variants: list[VariantIn] = Field(default_factory=list, max_length=5)
    share: int = Field(20, description="percent of the reachable audience in the test")
    metric: Literal["open", "click"] = "open"
    wait_hours: int = 4
    fallback: str = Field("A", max_length=1)


class VariantOut(Schema):
    label: str
    subject: str
    template: int | None = Field(None, alias="template_id")


class CampaignIn(Schema):
    name: str = Field(max_length=200)
    segment: Id
    template: Id
    purpose: str = Field("newsletter", max_length=50)
    cost: Number = Decimal("0")
    privacy: Literal["identified", "anonymous", "off"] = "identified"
    sender: str = Field("", max_length=254)
    ab: AbIn | None = None


class CampaignPatch(Schema):
    name: str | None = Field(None, max_length=200)
    segment: Id | None = None
    template: Id | None = None
    purpose: str | None = Field(None, max_length=50)
    cost: Number | None = None
    privacy: Literal["identified", "anonymous", "off"] | None = None
    sender: str | None = Field(None, max_length=254)
    ab: AbIn | None = None


class CampaignOut(Schema):
    id: int
    name: str
    segment: int = Field(alias="segment_id")
    template: int = Field(alias="template_id")
    purpose: str
    state: str
    scheduled_at: datetime | None
    started_at: datetime | None
    sent_at: datetime | None
    cost: Decimal
    privacy: str
    sender: str
    job: int | None = Field(None, alias="job_id")
    variants: list[VariantOut] = Field(default_factory=list)
    ab_share: int
    ab_metric: str
    ab_wait_hours: int
    ab_fallback: str
    ab_decide_at: datetime | None
    ab_winner: str
    ab_result: dict[str, Any]


class ScheduleIn(Schema):
    scheduled_at: datetime


class TestIn(Schema):
    addresses: list[str] = Field(min_length=1, max_length=20)


class TestSampleOut(Schema):
    party_id: int | None
    name: str
    chosen: str  # recommended | first | none


class TestOut(Schema):
    sent: int
    sample: TestSampleOut


class AttributionModelOut(Schema):
    leads: int
    orders: int
    invoices: int
    credit_notes: int = 0
    revenue: Decimal
    margin: Decimal
    roi: Decimal | None


class AttributionOut(Schema):
    window_days: int
    last_touch: AttributionModelOut
    first_touch: AttributionModelOut


class TouchOut(Schema):
    id: int
    recipient: int = Field(alias="recipient_id")
    party: int = Field(alias="party_id")
    kind: str
    at: datetime


class StatsOut(Schema):
    recipients: int
    sent: int
    delivered: int
    bounced: int
    suppressed: int
    failed: int
    queued: int
    held: int = 0
    opened: int
    machine_opened: int
    clicked: int
    unsubscribed: int
    capped: int = 0
    leads: int
    orders: int
    attributed_revenue: Decimal
    attributed_margin: Decimal
    cost: Decimal
    roi: Decimal | None
    attribution: AttributionOut
    bounce_rate: Decimal | None
    open_rate: Decimal | None
    click_rate: Decimal | None
    ab: dict[str, Any] | None = None


class RecipientOut(Schema):
    id: int
    party: int = Field(alias="party_id")
    email: str
    language: str
    state: str
    reason: str
    message_id: str
    sent_at: datetime | None
    opened_at: datetime | None
    human_open: bool
    clicked_at: datetime | None
    unsubscribed_at: datetime | None
    bounced_at: datetime | None
    bounce_kind: str


class AutomationIn(Schema):
    name: str = Field(max_length=200)
    trigger: Literal["segment_entry", "event", "date"]
    segment: Id | None = None
    event: str = Field("", max_length=60)
    date_field: str = Field("", max_length=40)
    date_offset_days: int = 0
    steps: list[dict[str, Any]] = Field(default_factory=list, max_length=50)
    purpose: str = Field("newsletter", max_length=50)
    reentry: Literal["once", "after_days"] = "once"
    reentry_days: int = 30
    active: bool = False


class AutomationOut(Schema):
    id: int
    name: str
    active: bool
    trigger: str
    segment: int | None = Field(None, alias="segment_id")
    event: str
    date_field: str
    date_offset_days: int
    steps: list[dict[str, Any]]
    purpose: str
    reentry: str
    reentry_days: int


class DryRunIn(Schema):
    party: Id
    assume: dict[Literal["opened", "clicked", "bought"], bool] = Field(default_factory=dict)


class DryRunOut(Schema):
    steps: list[dict[str, Any]]


class AutomationRunOut(Schema):
    id: int
    party: int = Field(alias="party_id")
    state: str
    step: int
    due_at: datetime
    started_at: datetime
    finished_at: datetime | None
    log: list[dict[str, Any]]
