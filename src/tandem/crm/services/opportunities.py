"""Opportunities: create, change, move through the pipeline, win, lose."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.catalog.models import Product
from tandem.core import events
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company
from tandem.parties.models import Contact, Party
from tandem.parties.validation import FieldErrors, clean_currency

from ..errors import (
    InUse,
    InvalidReference,
    NothingToOrder,
    OpportunityClosed,
    PipelineIncomplete,
    StageInvalid,
)
from ..models import (
    Lead,
    LostReason,
    Opportunity,
    OpportunityStageChange,
    OpportunityState,
    PipelineStage,
    SalesTeam,
    Source,
)
from ._common import UNSET, a_date, choice, locked, member, revenue, same_company, text
from ._common import probability as clean_probability
from .pipeline import closing_stage, pipeline_stages, stage_for

OPPORTUNITY_FIELDS = (
    "name",
    "party",
    "contact",
    "owner",
    "team",
    "expected_revenue",
    "currency",
    "probability",
    "close_date",
    "products",
    "source",
)


def _products(company: Company, values) -> list[Product]:
    ids = []
    for value in values or ():
        pk = value.pk if isinstance(value, Product) else value
        try:
            ids.append(int(pk))
        except (TypeError, ValueError, OverflowError):
            raise InvalidReference(
                _("No such product in this company."), field="products"
            ) from None
    ids = list(dict.fromkeys(ids))
    found = {p.pk: p for p in Product.objects.filter(company=company, pk__in=ids)}
    if len(found) != len(ids):
        raise InvalidReference(_("No such product in this company."), field="products")
    return [found[pk] for pk in ids]


def _contact(company: Company, contact, party: Party | None) -> Contact | None:
    contact = same_company(company, contact, field="contact", model=Contact)
    if contact is not None and party is not None and contact.party_id != party.pk:
        raise InvalidReference(
            _("This contact person does not belong to the customer."), field="contact"
        )
    return contact


def _clean(company: Company, data: dict, current: Opportunity | None) -> dict:
    errors = FieldErrors()
    clean: dict = {}
    if "name" in data:
        clean["name"] = errors.check(
            text, data["name"], field="name", max_length=200, required=True
        )
    if "party" in data:
        if data["party"] is None:
            errors.failures.append(
                ValidationFailed(
                    _("Choose the customer."), code="validation.required", field="party"
                )
            )
        else:
            clean["party"] = errors.check(
                same_company, company, data["party"], field="party", model=Party
            )
    if "owner" in data:
        clean["owner"] = errors.check(member, company, data["owner"], field="owner")
    if "team" in data:
        clean["team"] = errors.check(
            same_company, company, data["team"], field="team", model=SalesTeam
        )
    if "currency" in data:
        clean["currency"] = errors.check(
            clean_currency, data["currency"] if data["currency"] is not None else company.currency
        )
    if "close_date" in data:
        clean["close_date"] = errors.check(a_date, data["close_date"], field="close_date")
    if "source" in data:
        value = data["source"] or ""
        clean["source"] = value and errors.check(choice, value, Source, field="source")
    if "probability" in data and data["probability"] is not None:
        clean["probability"] = errors.check(clean_probability, data["probability"])
    if "products" in data:
        clean["products"] = errors.check(_products, company, data["products"])
    errors.raise_any()
    party = clean.get("party", getattr(current, "party", None))
    if "contact" in data:
        clean["contact"] = _contact(company, data["contact"], party)
    elif (
        "party" in clean
        and current is not None
        and current.contact_id
        and current.contact.party_id != party.pk
    ):
        clean["contact"] = None  # a new customer: the old contact person does not work there
    if "expected_revenue" in data:
        currency = clean.get("currency") or getattr(current, "currency", None) or company.currency
        clean["expected_revenue"] = revenue(data["expected_revenue"], currency=currency.code)
    return clean


def _log_move(opp: Opportunity, from_stage, to_stage, *, user, when) -> None:
    OpportunityStageChange.objects.create(
        company_id=opp.company_id,
        opportunity=opp,
        from_stage=from_stage,
        to_stage=to_stage,
        changed_at=when,
        changed_by=user if user is not None and user.is_authenticated else None,
    )


@transaction.atomic
def opportunity_create(
    *,
    company: Company,
    name: str,
    party,
    stage=None,
    contact=None,
    owner=None,
    team=None,
    expected_revenue=0,
    currency=None,
    probability: int | None = None,
    close_date=None,
    products=(),
    source: str = "",
    lead: Lead | None = None,
    user=None,
) -> Opportunity:
    """Open an opportunity in `stage` (default: the first open stage of the team's pipeline).

    The probability follows the stage unless given. Raises 422 naming the field: `stage.invalid`
    for a stage outside the pipeline (or a won/lost stage), `reference.invalid` for a row of
    another company.
    """
    clean = _clean(
        company,
        {
            "name": name,
            "party": party,
            "contact": contact,
            "owner": owner,
            "team": team,
            "expected_revenue": expected_revenue,
            "currency": currency,
            "probability": probability,
            "close_date": close_date,
            "products": products,
            "source": source,
        },
        None,
    )
    the_stage = stage_for(company=company, team=clean["team"], stage=stage)
    if the_stage.is_closing:
        raise StageInvalid(
            _("An opportunity starts in an open stage; win or lose it afterwards."), field="stage"
        )
    lead = same_company(company, lead, field="lead", model=Lead)
    product_rows = clean.pop("products")
    manual = "probability" in clean
    opp = Opportunity.objects.create(
        company=company,
        stage=the_stage,
        probability=clean.pop("probability", the_stage.probability),
        probability_manual=manual,
        lead=lead,
        **clean,
    )
    if product_rows:
        opp.products.set(product_rows)
    _log_move(opp, None, the_stage, user=user, when=opp.created_at)
    events.publish("opportunity.created", opportunity_id=opp.pk, company_id=company.pk)
    return opp


def _refuse_closed(opp: Opportunity) -> None:
    if opp.is_closed:
        raise OpportunityClosed(
            _("This opportunity is %(state)s; it cannot change any more.")
            % {"state": opp.get_state_display().lower()},
            extra={"state": opp.state},
        )


@transaction.atomic
def opportunity_update(*, opportunity: Opportunity, **changes) -> Opportunity:
    """Change an open opportunity (409 `opportunity.closed` otherwise). `probability: None`
    lets the probability follow the stage again. The stage changes only by a move."""
    unknown = set(changes) - set(OPPORTUNITY_FIELDS)
    if unknown:
        raise TypeError(f"unknown opportunity fields: {', '.join(sorted(unknown))}")
    opp = locked(Opportunity, opportunity.pk)
    _refuse_closed(opp)
    company = opp.company
    clean = _clean(company, changes, opp)
    if "team" in clean and clean["team"] != opp.team:
        in_pipeline = pipeline_stages(company=company, team=clean["team"]).filter(pk=opp.stage_id)
        if not in_pipeline.exists():
            raise StageInvalid(
                _("The opportunity's stage is not in that team's pipeline."), field="team"
            )
    product_rows = clean.pop("products", None)
    if "probability" in changes:
        if changes["probability"] is None:
            clean["probability"], clean["probability_manual"] = opp.stage.probability, False
        else:
            clean["probability_manual"] = True
    for field, value in clean.items():
        setattr(opp, field, value)
    opp.save()
    if product_rows is not None:
        opp.products.set(product_rows)
    return opp


@transaction.atomic
def opportunity_delete(*, opportunity: Opportunity) -> None:
    """Only an open opportunity that did not come from a lead can be deleted."""
    opp = locked(Opportunity, opportunity.pk)
    _refuse_closed(opp)
    try:
        with transaction.atomic():
            opp.delete()
    except (ProtectedError, RestrictedError):
        raise InUse(
            _("This opportunity came from a lead; lose it instead of deleting it."),
            code="opportunity.in_use",
        ) from None


def _close(opp, *, won: bool, user, now) -> PipelineStage:
    target = closing_stage(pipeline_of=opp.stage, won=won)
    if target is None:
        raise PipelineIncomplete(
            _("This pipeline has no won stage.") if won else _("This pipeline has no lost stage.")
        )
    if target.pk != opp.stage_id:
        _log_move(opp, opp.stage, target, user=user, when=now)
    opp.stage = target
    return target


def _win(opp: Opportunity, *, user, now: datetime) -> Opportunity:
    _close(opp, won=True, user=user, now=now)
    opp.state = OpportunityState.WON
    opp.won_at = now
    opp.probability = 100
    opp.save()
    events.publish("opportunity.won", opportunity_id=opp.pk, company_id=opp.company_id)
    return opp


def _lost_reason(company: Company, reason, *, field: str) -> LostReason:
    if reason is None or reason == "":
        raise ValidationFailed(
            _("Give the reason the opportunity was lost."),
            code="validation.required",
            field=field,
        )
    reason = same_company(company, reason, field=field, model=LostReason)
    if not reason.active:
        raise InvalidReference(_("This lost reason is no longer in use."), field=field)
    return reason


def _lose(opp: Opportunity, *, reason: LostReason, note: str, user, now) -> Opportunity:
    _close(opp, won=False, user=user, now=now)
    opp.state = OpportunityState.LOST
    opp.lost_at = now
    opp.lost_reason = reason
    opp.lost_note = note
    opp.probability = 0
    opp.save()
    events.publish(
        "opportunity.lost",
        opportunity_id=opp.pk,
        lost_reason_id=reason.pk,
        company_id=opp.company_id,
    )
    return opp


@transaction.atomic
def opportunity_move(
    *,
    opportunity: Opportunity,
    stage,
    user=None,
    lost_reason=None,
    lost_note: str = "",
    now: datetime | None = None,
) -> Opportunity:
    """Move an open opportunity to another stage of its pipeline and log the change.

    The probability takes the stage's default unless it was set by hand. A move to the won
    stage wins the opportunity; to the lost stage loses it (`lost_reason` required). Refused
    with 409 `opportunity.closed` once won or lost, 422 `stage.invalid` for a stage of another
    pipeline.
    """
    opp = locked(Opportunity, opportunity.pk)
    _refuse_closed(opp)
    current = opp.stage
    target_id = stage.pk if isinstance(stage, PipelineStage) else stage
    try:
        target = PipelineStage.objects.filter(
            company_id=opp.company_id, team=current.team_id, pk=int(target_id)
        ).first()
    except (TypeError, ValueError, OverflowError):
        target = None
    if target is None:
        raise StageInvalid(_("This stage is not in the opportunity's pipeline."), field="stage")
    now = now or timezone.now()
    if target.is_won:
        return _win(opp, user=user, now=now)
    if target.is_lost:
        reason = _lost_reason(opp.company, lost_reason, field="lost_reason")
        note = text(lost_note, field="lost_note", max_length=500)
        return _lose(opp, reason=reason, note=note, user=user, now=now)
    if target.pk == current.pk:
        return opp
    _log_move(opp, current, target, user=user, when=now)
    opp.stage = target
    if not opp.probability_manual:
        opp.probability = target.probability
    opp.save()
    events.publish(
        "opportunity.moved",
        opportunity_id=opp.pk,
        from_stage_id=current.pk,
        to_stage_id=target.pk,
        company_id=opp.company_id,
    )
    return opp


def _order_from(opp: Opportunity, products: list[Product], *, user):
    """A draft sales order for the opportunity's customer: each product of interest once, at
    the price `price_for` quotes, in the opportunity's currency."""
    from tandem.sales.services import sales_order_create

    fields = {"currency": opp.currency_id, "note": opp.name}
    if opp.owner_id:
        fields["salesperson"] = opp.owner
    return sales_order_create(
        company=opp.company,
        party=opp.party,
        lines=[{"product": product} for product in products],
        user=user,
        **fields,
    )


@transaction.atomic
def opportunity_win(
    *,
    opportunity: Opportunity,
    user=None,
    now: datetime | None = None,
    create_order: bool = False,
) -> Opportunity:
    """Move to the pipeline's won stage and publish `opportunity.won` (on commit).

    With `create_order`, also make a draft sales order of the products of interest and link
    it (`sales_order`); refused with 409 `opportunity.no_products` when there is nothing to
    order. (The customer is required on every opportunity.) Any refusal of the sales service
    (an archived customer, a product that cannot be sold) leaves the opportunity open.
    """
    opp = locked(Opportunity, opportunity.pk)
    _refuse_closed(opp)
    if create_order:
        products = list(opp.products.select_related("uom").order_by("pk"))
        if not products:
            raise NothingToOrder(
                _("This opportunity has no products of interest to put on an order."),
                field="products",
            )
        opp.sales_order = _order_from(opp, products, user=user)
        events.publish(
            "opportunity.order_created",
            opportunity_id=opp.pk,
            sales_order_id=opp.sales_order.pk,
            company_id=opp.company_id,
        )
    return _win(opp, user=user, now=now or timezone.now())


@transaction.atomic
def opportunity_lose(
    *,
    opportunity: Opportunity,
    reason,
    note: str = "",
    user=None,
    now: datetime | None = None,
) -> Opportunity:
    """Move to the pipeline's lost stage with a reason; publishes `opportunity.lost`."""
    opp = locked(Opportunity, opportunity.pk)
    _refuse_closed(opp)
    reason = _lost_reason(opp.company, reason, field="reason")
    note = text(note, field="note", max_length=500)
    return _lose(opp, reason=reason, note=note, user=user, now=now or timezone.now())


__all__ = [
    "OPPORTUNITY_FIELDS",
    "UNSET",
    "opportunity_create",
    "opportunity_delete",
    "opportunity_lose",
    "opportunity_move",
    "opportunity_update",
    "opportunity_win",
]
