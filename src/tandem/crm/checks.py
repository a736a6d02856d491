"""CRM invariants behind `tandem check-integrity` (set-based, one query per rule)."""

from django.db.models import F, Q

from tandem.core.integrity import register

from .models import (
    Activity,
    Interaction,
    Lead,
    Opportunity,
    OpportunityStageChange,
    PipelineStage,
)


@register("crm: qualified leads have an opportunity, others none")
def leads_and_opportunities():
    rows = (
        Lead.objects.filter(
            Q(state="qualified", opportunity__isnull=True)
            | (~Q(state="qualified") & Q(opportunity__isnull=False))
        )
        .order_by("pk")
        .values_list("pk", "state")
    )
    for pk, state in rows:
        yield f"lead {pk}: {state} but opportunity does not match the state"
    mismatched = (
        Lead.objects.filter(opportunity__isnull=False)
        .exclude(opportunity__lead=F("pk"))
        .order_by("pk")
        .values_list("pk", "opportunity_id")
    )
    for pk, opp_id in mismatched:
        yield f"lead {pk}: opportunity {opp_id} names another lead"


@register("crm: won/lost opportunities sit in a won/lost stage, open ones in neither")
def opportunity_states_match_stages():
    rows = (
        Opportunity.objects.filter(
            (Q(state="won") & Q(stage__is_won=False))
            | (Q(state="lost") & Q(stage__is_lost=False))
            | (Q(state="open") & (Q(stage__is_won=True) | Q(stage__is_lost=True)))
        )
        .order_by("pk")
        .values_list("pk", "state", "stage__name")
    )
    for pk, state, stage in rows:
        yield f"opportunity {pk}: {state} in stage {stage}"
    off_pipeline = (
        Opportunity.objects.filter(stage__team__isnull=False)
        .exclude(stage__team=F("team"))
        .order_by("pk")
        .values_list("pk", "stage_id")
    )
    for pk, stage_id in off_pipeline:
        yield f"opportunity {pk}: stage {stage_id} belongs to another team's pipeline"


@register("crm: an opportunity's sales order is for its customer and the opportunity is won")
def opportunity_orders():
    rows = (
        Opportunity.objects.filter(sales_order__isnull=False)
        .filter(~Q(sales_order__party=F("party")) | ~Q(state="won"))
        .order_by("pk")
        .values_list("pk", "sales_order_id")
    )
    for pk, order_id in rows:
        yield f"opportunity {pk}: sales order {order_id} is for another customer or not won"


# (model, foreign keys that must point at a row of the same company)
_REFERENCES = [
    (PipelineStage, ["team"]),
    (Lead, ["team", "matched_party", "matched_contact", "opportunity"]),
    (
        Opportunity,
        ["party", "contact", "team", "stage", "lost_reason", "lead", "sales_order"],
    ),
    (OpportunityStageChange, ["opportunity", "from_stage", "to_stage"]),
    (Activity, ["party", "lead", "opportunity"]),
    (Interaction, ["party", "lead", "opportunity"]),
]


@register("crm: rows reference rows of their own company")
def references_in_company():
    for model, fields in _REFERENCES:
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__isnull": False}) & ~Q(
                **{f"{field}__company": F("company")}
            )
        rows = model.objects.filter(condition).order_by("pk").values_list("pk", flat=True)
        for pk in rows:
            yield f"{model._meta.label} {pk}: refers to a row of another company"
    products = (
        Opportunity.products.through.objects.exclude(product__company=F("opportunity__company"))
        .order_by("pk")
        .values_list("opportunity_id", "product_id")
    )
    for opp_id, product_id in products:
        yield f"opportunity {opp_id}: product {product_id} belongs to another company"
