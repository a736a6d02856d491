"""The read side: what the models stored, for pages and the API. Predictions are read, never
computed per request."""

from __future__ import annotations

from django.db.models import ExpressionWrapper, F, FloatField, OuterRef, Subquery

from .models import (
    Forecast,
    LeadScore,
    ModelName,
    ModelRun,
    PartyRecommendation,
    PartyScore,
    ProductPair,
    ReorderSuggestion,
    RunState,
    Segment,
)

MAX_HORIZON = 12


def model_overview(company) -> list[ModelRun]:
    """Per model: its active run, else its latest run (failed or training), in a fixed order.
    Two queries."""
    active = {
        run.name: run for run in ModelRun.objects.filter(company=company, state=RunState.ACTIVE)
    }
    latest_ids = (
        ModelRun.objects.filter(company=company, name=OuterRef("name"))
        .order_by("-pk")
        .values("pk")[:1]
    )
    latest = {
        run.name: run
        for run in ModelRun.objects.filter(company=company)
        .exclude(state=RunState.SUPERSEDED)
        .filter(pk=Subquery(latest_ids))
    }
    out = []
    for name in ModelName.values:
        run = active.get(name) or latest.get(name)
        if run is not None:
            run.latest = latest.get(name)  # a newer failed run beside the active one
            out.append(run)
    return out


def active_run(company, name: str) -> ModelRun | None:
    return ModelRun.objects.filter(company=company, name=name, state=RunState.ACTIVE).first()


def party_scores(company):
    return (
        PartyScore.objects.filter(
            company=company, run__state=RunState.ACTIVE, run__name=ModelName.RFM
        )
        .select_related("party")
        .order_by("party__name", "party_id")
    )


def customers_at_risk(company, *, limit: int = 20):
    """Customers most likely to stop buying, the most valuable first among equal risk:
    sorted by churn risk x expected value (else by sales)."""
    return (
        party_scores(company)
        .filter(churn_risk__isnull=False)
        .annotate(
            at_stake=ExpressionWrapper(F("churn_risk") * F("monetary"), output_field=FloatField())
        )
        .order_by("-at_stake", "party_id")[:limit]
    )


def segments(company):
    return Segment.objects.filter(
        company=company, run__state=RunState.ACTIVE, run__name=ModelName.SEGMENTS
    ).order_by("index")


def recommendations_for_party(company, party_id: int):
    return (
        PartyRecommendation.objects.filter(
            company=company, party_id=party_id, run__state=RunState.ACTIVE
        )
        .select_related("product")
        .order_by("rank")
    )


def bought_together(company, product_id: int):
    return (
        ProductPair.objects.filter(
            company=company, product_id=product_id, run__state=RunState.ACTIVE
        )
        .select_related("other")
        .order_by("rank")
    )


def forecast(company, *, product_id: int | None, horizon: int):
    name = ModelName.DEMAND_FORECAST if product_id else ModelName.SALES_FORECAST
    return list(
        Forecast.objects.filter(
            company=company, product_id=product_id, run__state=RunState.ACTIVE, run__name=name
        ).order_by("period")[:horizon]
    )


def reorder_suggestion(company, product_id: int) -> ReorderSuggestion | None:
    return ReorderSuggestion.objects.filter(
        company=company, product_id=product_id, run__state=RunState.ACTIVE
    ).first()


def reorder_point_map(company, product_ids) -> dict[int, dict]:
    """{product id: reorder point, safety stock, lead-time demand, lead time and service
    level} of the active demand forecast, for purchasing's reorder rules. One query."""
    rows = ReorderSuggestion.objects.filter(
        company=company, run__state=RunState.ACTIVE, product_id__in=list(product_ids)
    ).values(
        "product_id",
        "reorder_point",
        "safety_stock",
        "lead_time_demand",
        "lead_time_days",
        "service_level",
    )
    return {row.pop("product_id"): row for row in rows}


def lead_scores(company):
    return LeadScore.objects.filter(company=company, run__state=RunState.ACTIVE)


def lead_score_map(company, kind: str, ids) -> dict[int, dict]:
    """{lead or opportunity id: {"score", "tier", "factors"}} of the active lead model, for
    the CRM's lists (`kind`: "lead" or "opportunity"). One query."""
    field = "lead_id" if kind == "lead" else "opportunity_id"
    rows = lead_scores(company).filter(**{f"{field}__in": list(ids)})
    return {
        row[field]: {"score": row["probability"], "tier": row["tier"], "factors": row["factors"]}
        for row in rows.values(field, "probability", "tier", "factors")
    }


def party_score_map(company, ids) -> dict[int, dict]:
    """{party id: {"churn_risk", "clv", "band", "segment"}} of the active customer models, for
    the customer page and /parties/{id}/overview. One query."""
    rows = PartyScore.objects.filter(
        company=company,
        run__state=RunState.ACTIVE,
        run__name=ModelName.RFM,
        party_id__in=list(ids),
    ).values("party_id", "churn_risk", "clv", "band", "cluster")
    return {
        row["party_id"]: {
            "churn_risk": row["churn_risk"],
            "clv": row["clv"],
            "band": row["band"],
            "segment": row["cluster"],
        }
        for row in rows
    }


def order_suggestions(company, *, party_id: int | None, product_ids, limit: int = 5) -> dict:
    """The quotation editor's "Suggested" panel, from the stored predictions: "for this
    customer" (the active run's list for `party_id`) and "bought together" (the stored pairs of
    the products already on the lines, their scores summed), leaving out the products already
    on the order and repeating none. Each item carries its typical quantity, the available
    stock (on hand - reserved in internal locations) and `short` when goods cannot cover it.
    Three queries, whatever the number of lines."""
    from django.db.models import Sum

    from tandem.catalog.models import ProductType
    from tandem.inventory.models import LocationUsage, StockLevel

    on_order = {int(pk) for pk in product_ids}
    mine = []
    if party_id:
        recs = (
            PartyRecommendation.objects.filter(
                company=company,
                party_id=party_id,
                run__state=RunState.ACTIVE,
                product__active=True,
            )
            .exclude(product_id__in=on_order)
            .select_related("product")
            .order_by("rank")[:limit]
        )
        mine = [
            {"product": row.product, "quantity": row.quantity, "reason": row.reason, "s": row.score}
            for row in recs
        ]
    together: dict[int, dict] = {}
    if on_order:
        shown = {item["product"].pk for item in mine}
        pairs = (
            ProductPair.objects.filter(
                company=company,
                product_id__in=on_order,
                run__state=RunState.ACTIVE,
                other__active=True,
            )
            .exclude(other_id__in=on_order | shown)
            .select_related("other")
        )
        for pair in pairs:
            item = together.setdefault(
                pair.other_id,
                {"product": pair.other, "quantity": pair.quantity, "reason": "together", "s": 0},
            )
            item["s"] += pair.score
    together_list = sorted(together.values(), key=lambda i: (-i["s"], i["product"].pk))[:limit]
    items = mine + together_list
    goods = [i["product"].pk for i in items if i["product"].type != ProductType.SERVICE]
    available = {
        row["product_id"]: row["total"]
        for row in StockLevel.objects.filter(
            company=company, product_id__in=goods, location__usage=LocationUsage.INTERNAL
        )
        .values("product_id")
        .annotate(total=Sum(F("on_hand") - F("reserved")))
    }
    for item in items:
        item["score"] = item.pop("s", None)
        product = item["product"]
        if product.type == ProductType.SERVICE:
            item["available"], item["short"] = None, False
            continue
        item["available"] = available.get(product.pk) or 0
        item["short"] = item["available"] < (item["quantity"] or 1)
    return {"for_customer": mine, "bought_together": together_list}


def product_bought_together(company, product_id: int, *, limit: int = 10) -> list[dict]:
    """The product page's "Bought together": the stored pairs of `product_id` (active others
    only), best first, each with its score, typical quantity and stock flag, as in the
    quotation editor's panel (the same query). Two queries."""
    return order_suggestions(company, party_id=None, product_ids=[product_id], limit=limit)[
        "bought_together"
    ]


def customer_insight(company, party_id: int, *, limit: int = 5) -> dict | None:
    """The customer page's analytics panel: the stored RFM/churn/value row of the party, the
    description of its segment, and "for this customer" with stock flags. Four queries; None
    when nothing is stored for the party."""
    score = (
        PartyScore.objects.filter(
            company=company,
            run__state=RunState.ACTIVE,
            run__name=ModelName.RFM,
            party_id=party_id,
        )
        .select_related("run")
        .first()
    )
    segment = None
    if score is not None and score.cluster is not None:
        segment = segments(company).filter(index=score.cluster).first()
    recommended = order_suggestions(company, party_id=party_id, product_ids=[], limit=limit)[
        "for_customer"
    ]
    if score is None and not recommended:
        return None
    return {"score": score, "segment": segment, "recommended": recommended}


CUSTOMER_SORTS = {
    # key: ordering (the tie-breaker keeps pages stable)
    "at_stake": ("-at_stake", "party_id"),
    "risk": ("-churn_risk", "-clv", "party_id"),
    "value": ("-clv", "churn_risk", "party_id"),
    "recency": ("-recency_days", "party_id"),
    "name": ("party__name", "party_id"),
}


def customers_ranked(company, *, sort: str = "at_stake", band: str = ""):
    """Every scored customer, sortable: at stake (churn risk x expected 12-month value, else
    x past sales when no value is stored), churn risk, expected value, days since the last
    order, name; optionally one RFM band. Nulls last."""
    from django.db.models import Case, DecimalField, When

    rows = party_scores(company).annotate(
        at_stake=ExpressionWrapper(
            F("churn_risk")
            * Case(
                When(clv__isnull=False, then=F("clv")),
                default=F("monetary"),
                output_field=DecimalField(max_digits=18, decimal_places=2),
            ),
            output_field=FloatField(),
        )
    )
    if band:
        rows = rows.filter(band=band)
    order = CUSTOMER_SORTS.get(sort, CUSTOMER_SORTS["at_stake"])
    fields = [
        F(key[1:]).desc(nulls_last=True) if key.startswith("-") else F(key).asc(nulls_last=True)
        for key in order
    ]
    return rows.order_by(*fields)
