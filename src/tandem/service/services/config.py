"""Teams, SLA policies, the knowledge base and quality issues."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tandem.core.errors import InvalidTransition, ValidationFailed
from tandem.core.services import sequence_next

from ..models import (
    QUALITY_TRANSITIONS,
    AssignmentMethod,
    BadRatingAction,
    KbArticle,
    KbArticleVersion,
    KbState,
    Priority,
    QualityAction,
    QualityActionKind,
    QualityIssue,
    ServiceTeam,
    SlaPolicy,
    Ticket,
    TicketState,
)
from .mail import service_config_changed
from .sla import sla_refresh_open
from .tickets import _email, _member, _same_company, _text

# --------------------------------------------------------------------------- teams


def _calendar_usable(company, calendar) -> None:
    if calendar is None:
        return
    _same_company(company, calendar, field="calendar")
    if not any((calendar.week or {}).get(str(d)) for d in range(7)):
        raise ValidationFailed(
            "calendar: it has no working hours", code="calendar.no_working_hours", field="calendar"
        )


def _assignment(value) -> str:
    if value not in AssignmentMethod.values:
        raise ValidationFailed(
            "assignment: manual, round_robin, load_balanced or skills",
            code="validation.choice",
            field="assignment",
        )
    return value


def _bad_rating(value) -> str:
    if value not in BadRatingAction.values:
        raise ValidationFailed(
            "bad_rating: none, reopen or alert", code="validation.choice", field="bad_rating"
        )
    return value


@transaction.atomic
def team_create(
    *,
    company,
    name: str,
    calendar=None,
    support_address: str = "",
    lead=None,
    members=(),
    assignment: str = "manual",
    sticky: bool = False,
    bad_rating: str = "alert",
) -> ServiceTeam:
    service_config_changed()
    name = _text(name, field="name", max_length=100, required=True)
    address = _email(support_address, field="support_address")
    _calendar_usable(company, calendar)
    _member(company, lead, field="lead")
    for m in members:
        _member(company, m, field="members")
    if ServiceTeam.objects.filter(company=company, name=name).exists():
        raise ValidationFailed("name: a team of this name exists", code="duplicate", field="name")
    if address and ServiceTeam.objects.filter(company=company, support_address=address).exists():
        raise ValidationFailed(
            "support_address: used by another team", code="duplicate", field="support_address"
        )
    team = ServiceTeam.objects.create(
        company=company,
        name=name,
        calendar=calendar,
        support_address=address,
        lead=lead,
        assignment=_assignment(assignment),
        sticky=bool(sticky),
        bad_rating=_bad_rating(bad_rating),
    )
    if members:
        team.members.set(members)
    return team


@transaction.atomic
def team_update(*, team: ServiceTeam, **changes) -> ServiceTeam:
    service_config_changed()
    team = ServiceTeam.objects.select_for_update().get(pk=team.pk)
    company = team.company
    if "name" in changes:
        team.name = _text(changes["name"], field="name", max_length=100, required=True)
        if ServiceTeam.objects.filter(company=company, name=team.name).exclude(pk=team.pk).exists():
            raise ValidationFailed("name: a team of this name exists", code="duplicate")
    if "support_address" in changes:
        team.support_address = _email(changes["support_address"], field="support_address")
        clash = ServiceTeam.objects.filter(company=company, support_address=team.support_address)
        if team.support_address and clash.exclude(pk=team.pk).exists():
            raise ValidationFailed("support_address: used by another team", code="duplicate")
    if "calendar" in changes:
        _calendar_usable(company, changes["calendar"])
        team.calendar = changes["calendar"]
    if "lead" in changes:
        _member(company, changes["lead"], field="lead")
        team.lead = changes["lead"]
    if "active" in changes:
        team.active = bool(changes["active"])
    if "assignment" in changes:
        team.assignment = _assignment(changes["assignment"])
    if "sticky" in changes:
        team.sticky = bool(changes["sticky"])
    if "bad_rating" in changes:
        team.bad_rating = _bad_rating(changes["bad_rating"])
    team.save()
    if "members" in changes:
        for m in changes["members"]:
            _member(company, m, field="members")
        team.members.set(changes["members"])
    if "calendar" in changes:
        sla_refresh_open(company=company)
    return team


# --------------------------------------------------------------------------- SLA policies


def _hours(value, *, field: str, required: bool = True) -> Decimal | None:
    if value is None and not required:
        return None
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationFailed(f"{field}: a number of hours", field=field) from None
    if not hours.is_finite() or hours <= 0 or hours > Decimal("100000"):
        raise ValidationFailed(
            f"{field}: more than 0 hours", code="sla.invalid_target", field=field
        )
    return hours.quantize(Decimal("0.01"))


_PAUSABLE = {TicketState.NEW, TicketState.OPEN, TicketState.WAITING_CUSTOMER}


def _policy_values(company, data: dict, current: SlaPolicy | None = None) -> dict:
    out = {}
    if "name" in data:
        out["name"] = _text(data["name"], field="name", max_length=100, required=True)
    if "priority" in data:
        if data["priority"] not in Priority.values:
            raise ValidationFailed(
                "priority: low, normal, high or urgent", code="validation.choice", field="priority"
            )
        out["priority"] = data["priority"]
    for field in ("first_response_hours", "resolution_hours"):
        if field in data:
            out[field] = _hours(data[field], field=field)
    if "next_response_hours" in data:
        out["next_response_hours"] = _hours(
            data["next_response_hours"], field="next_response_hours", required=False
        )
    if "calendar" in data:
        _calendar_usable(company, data["calendar"])
        out["calendar"] = data["calendar"]
    if "team" in data:
        _same_company(company, data["team"], field="team")
        out["team"] = data["team"]
    if "pause_states" in data:
        states = list(dict.fromkeys(data["pause_states"] or []))
        if any(s not in _PAUSABLE for s in states):
            raise ValidationFailed(
                "pause_states: new, open or waiting_customer",
                code="validation.choice",
                field="pause_states",
            )
        out["pause_states"] = states
    if "warn_percent" in data:
        warn = data["warn_percent"]
        if not isinstance(warn, int) or not 1 <= warn <= 100:
            raise ValidationFailed("warn_percent: 1 to 100", field="warn_percent")
        out["warn_percent"] = warn
    if "escalation" in data:
        from .escalation import validate_ladder

        out["escalation"] = validate_ladder(data["escalation"])
    if "active" in data:
        out["active"] = bool(data["active"])
    return out


@transaction.atomic
def sla_policy_create(*, company, **data) -> SlaPolicy:
    service_config_changed()
    for required in ("name", "priority", "first_response_hours", "resolution_hours"):
        if data.get(required) in (None, ""):
            raise ValidationFailed(f"{required}: required", code="validation.required")
    return SlaPolicy.objects.create(company=company, **_policy_values(company, data))


@transaction.atomic
def sla_policy_update(*, policy: SlaPolicy, **data) -> SlaPolicy:
    service_config_changed()
    policy = SlaPolicy.objects.select_for_update().get(pk=policy.pk)
    for field, value in _policy_values(policy.company, data, policy).items():
        setattr(policy, field, value)
    policy.save()
    sla_refresh_open(company=policy.company)
    return policy


# --------------------------------------------------------------------------- knowledge base


LANGUAGES = ("en", "zh-hans")


@transaction.atomic
def kb_article_create(
    *, company, title: str, body: str, language: str = "en", public: bool = False, user=None
) -> KbArticle:
    if language not in LANGUAGES:
        raise ValidationFailed("language: en or zh-hans", code="validation.choice")
    article = KbArticle.objects.create(
        company=company,
        title=_text(title, field="title", max_length=200, required=True),
        body=_text(body, field="body", max_length=200_000, required=True),
        language=language,
        public=bool(public),
    )
    KbArticleVersion.objects.create(
        company=company,
        article=article,
        version=1,
        title=article.title,
        body=article.body,
        author=user,
    )
    return article


@transaction.atomic
def kb_article_update(*, article: KbArticle, user=None, **changes) -> KbArticle:
    """Changing the title or body makes a new version; state and visibility do not."""
    article = KbArticle.objects.select_for_update().get(pk=article.pk)
    new_text = False
    if "title" in changes:
        title = _text(changes["title"], field="title", max_length=200, required=True)
        new_text |= title != article.title
        article.title = title
    if "body" in changes:
        body = _text(changes["body"], field="body", max_length=200_000, required=True)
        new_text |= body != article.body
        article.body = body
    if "language" in changes:
        if changes["language"] not in LANGUAGES:
            raise ValidationFailed("language: en or zh-hans", code="validation.choice")
        article.language = changes["language"]
    if "public" in changes:
        article.public = bool(changes["public"])
    if "state" in changes:
        if changes["state"] not in KbState.values:
            raise ValidationFailed(
                "state: draft, published or archived", code="validation.choice", field="state"
            )
        article.state = changes["state"]
    if new_text:
        article.version = F("version") + 1
    article.save()
    article.refresh_from_db()
    if new_text:
        KbArticleVersion.objects.create(
            company=article.company,
            article=article,
            version=article.version,
            title=article.title,
            body=article.body,
            author=user,
        )
    return article


# --------------------------------------------------------------------------- quality


@transaction.atomic
def quality_issue_create(
    *,
    company,
    title: str = "",
    product=None,
    lot=None,
    tickets=(),
    defect_code: str = "",
    root_cause: str = "",
    user=None,
) -> QualityIssue:
    """A quality issue for a product (and lot); the tickets' product and lot fill the gaps
    and must agree with them."""
    tickets = list(tickets)
    for t in tickets:
        _same_company(company, t, field="tickets")
    if product is None and tickets:
        product = tickets[0].product
    if lot is None and tickets:
        lot = next((t.lot for t in tickets if t.lot_id), None)
    if product is None:
        raise ValidationFailed("product: required", code="validation.required", field="product")
    _same_company(company, product, field="product")
    _same_company(company, lot, field="lot")
    if lot is not None and lot.product_id != product.pk:
        raise ValidationFailed("lot: not a lot of this product", code="ticket.lot_mismatch")
    for t in tickets:
        if t.product_id and t.product_id != product.pk:
            raise ValidationFailed(
                f"tickets: {t.number} is about another product", code="quality.product_mismatch"
            )
    issue = QualityIssue.objects.create(
        company=company,
        number=sequence_next(
            company=company,
            code="service:quality",
            on_date=timezone.localdate(),
            prefix="QI{year}-",
        ),
        title=_text(
            title or (tickets[0].subject if tickets else product.name),
            field="title",
            max_length=200,
            required=True,
        ),
        product=product,
        lot=lot,
        defect_code=_text(
            defect_code or (tickets[0].defect_code if tickets else ""),
            field="defect_code",
            max_length=40,
        ),
        root_cause=_text(root_cause, field="root_cause", max_length=10_000),
    )
    if tickets:
        issue.tickets.set(tickets)
    return issue


@transaction.atomic
def quality_issue_update(*, issue: QualityIssue, **changes) -> QualityIssue:
    issue = QualityIssue.objects.select_for_update().get(pk=issue.pk)
    if "state" in changes and changes["state"] != issue.state:
        if changes["state"] not in QUALITY_TRANSITIONS.get(issue.state, set()):
            raise InvalidTransition(
                f"A {issue.state} issue cannot become {changes['state']}",
                code="quality.invalid_transition",
            )
        issue.state = changes["state"]
    if "root_cause" in changes:
        issue.root_cause = _text(changes["root_cause"], field="root_cause", max_length=10_000)
    if "title" in changes:
        issue.title = _text(changes["title"], field="title", max_length=200, required=True)
    if "defect_code" in changes:
        issue.defect_code = _text(changes["defect_code"], field="defect_code", max_length=40)
    issue.save()
    if "tickets" in changes:
        for t in changes["tickets"]:
            _same_company(issue.company, t, field="tickets")
        issue.tickets.set(changes["tickets"])
    return issue


@transaction.atomic
def quality_action_add(
    *, issue: QualityIssue, kind: str, description: str, owner=None, due_date=None
) -> QualityAction:
    if kind not in QualityActionKind.values:
        raise ValidationFailed(
            "kind: return, credit_note or corrective", code="validation.choice", field="kind"
        )
    _member(issue.company, owner, field="owner")
    return QualityAction.objects.create(
        company_id=issue.company_id,
        issue=issue,
        kind=kind,
        description=_text(description, field="description", max_length=500, required=True),
        owner=owner,
        due_date=due_date,
    )


def ticket_quality_issue(*, ticket: Ticket, user=None) -> QualityIssue:
    """One click on a complaint: the open issue of the same product and lot gains the
    ticket, or a new issue is made."""
    if ticket.product_id is None:
        raise ValidationFailed(
            "The ticket names no product", code="quality.no_product", field="product"
        )
    with transaction.atomic():
        existing = (
            QualityIssue.objects.select_for_update()
            .filter(
                company_id=ticket.company_id,
                product_id=ticket.product_id,
                lot_id=ticket.lot_id,
                state__in=["open", "investigating"],
            )
            .order_by("pk")
            .first()
        )
        from .quality import quality_alert_check

        if existing is not None:
            existing.tickets.add(ticket)
            quality_alert_check(ticket=ticket)
            return existing
        issue = quality_issue_create(company=ticket.company, tickets=[ticket], user=user)
        quality_alert_check(ticket=ticket)
        return issue
