"""Reading the company's history set-based: one query per source, straight into columns."""

from __future__ import annotations

from datetime import date

from tandem.crm.models import Lead, LeadState, Opportunity, OpportunityState
from tandem.purchasing.models import SupplierPrice
from tandem.sales.models import OrderState, SalesOrderLine

SOLD = (OrderState.CONFIRMED, OrderState.DONE)


def sales_lines(company, *, until: date | None = None) -> list[tuple]:
    """(party, order, order date, product, quantity, untaxed amount) of confirmed and done
    orders, oldest first: one query."""
    lines = SalesOrderLine.objects.filter(company=company, order__state__in=SOLD)
    if until is not None:
        lines = lines.filter(order__order_date__lte=until)
    return list(
        lines.exclude(product__isnull=True)
        .order_by("order__order_date", "order_id", "id")
        .values_list(
            "order__party_id",
            "order_id",
            "order__order_date",
            "product_id",
            "quantity",
            "untaxed_amount",
        )
    )


OPPORTUNITY_FIELDS = ("source", "team_id", "owner_id", "expected_revenue", "party__kind")


def opportunities(company) -> list[dict]:
    """Every opportunity with the fields a lead score learns from: one query."""
    return list(
        Opportunity.objects.filter(company=company)
        .order_by("created_at", "id")
        .values("id", "state", "created_at", *OPPORTUNITY_FIELDS)
    )


def open_leads(company) -> list[dict]:
    return list(
        Lead.objects.filter(company=company, state=LeadState.NEW)
        .order_by("id")
        .values("id", "source", "team_id", "owner_id", "company_name")
    )


def features_of_opportunity(row: dict) -> dict:
    return {
        "source": row["source"] or "unknown",
        "team": str(row["team_id"] or ""),
        "owner": str(row["owner_id"] or ""),
        "expected_revenue": float(row["expected_revenue"] or 0),
        "party_kind": row.get("party__kind") or "",
    }


def features_of_lead(row: dict) -> dict:
    return {
        "source": row["source"] or "unknown",
        "team": str(row["team_id"] or ""),
        "owner": str(row["owner_id"] or ""),
        "expected_revenue": None,
        "party_kind": "organization" if row.get("company_name") else "person",
    }


def lead_times(company) -> dict[int, int]:
    """The shortest supplier lead time (days) per product: one query."""
    out: dict[int, int] = {}
    for product, days in SupplierPrice.objects.filter(company=company).values_list(
        "product_id", "lead_time_days"
    ):
        if days and (product not in out or days < out[product]):
            out[product] = days
    return out


CLOSED = (OpportunityState.WON, OpportunityState.LOST)
