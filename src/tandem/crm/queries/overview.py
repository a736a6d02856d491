"""The customer 360: one party's figures (revenue, balance, days to pay, top products), its
open opportunities, last and next touch, and one timeline merging every kind of touch.

Every figure comes from an aggregate; the timeline asks each source for at most
`offset + limit` rows, newest first, so the query count is the same for a customer with
ten events or ten thousand. Revenue is untaxed: posted customer invoices minus posted
credit notes, `untaxed_amount x rate` (the rate they were posted at), in the company
currency.

Sales orders and their done deliveries are sources here (crm sits above sales). Extension
point: a later app adds a timeline source with `register_timeline_source(kind, fn)`;
`fn(company, party, n, scope=None)` returns `(rows, count)`, rows being dicts with the
TimelineItem keys (kind, id, at, title, detail, amount, url).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db.models import (
    Avg,
    Case,
    Count,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    Q,
    Sum,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from tandem.accounting.models import (
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceState,
    Payment,
    PaymentState,
)
from tandem.core.models import Company
from tandem.inventory.models import MoveState, Transfer, TransferKind
from tandem.parties.models import Party
from tandem.sales.models import OrderState, SalesOrder

from ..models import (
    Activity,
    ActivityState,
    Interaction,
    Opportunity,
    OpportunityStageChange,
    OpportunityState,
)
from ..scoring import party_scores
from .visibility import Scope

CENT = Decimal("0.01")
MONEY = DecimalField(max_digits=30, decimal_places=8)
TIMELINE_LIMIT = 20
TOP_PRODUCTS = 5
SALE_KINDS = (InvoiceKind.CUSTOMER_INVOICE, InvoiceKind.CUSTOMER_CREDIT_NOTE)


def _money(value) -> Decimal:
    return (Decimal(value) if value is not None else Decimal(0)).quantize(CENT, ROUND_HALF_UP)


def _plain(value) -> Decimal:
    """`value` without trailing zeros for the panel ("5", "1.5"), but never in exponent
    form: normalize() alone turns 200 into 2E+2."""
    value = Decimal(value).normalize() if value is not None else Decimal(0)
    return value.quantize(Decimal(1)) if value.as_tuple().exponent > 0 else value


def _signed(expression):
    """`expression` on an invoice, negative on a credit note."""
    return Case(
        When(kind=InvoiceKind.CUSTOMER_CREDIT_NOTE, then=-expression),
        default=expression,
        output_field=MONEY,
    )


def figures(company: Company, party: Party, *, today: date) -> dict:
    """Revenue this and last year, lifetime value, open balance, overdue (one query), average
    days to pay (one query)."""
    untaxed = ExpressionWrapper(F("untaxed_amount") * F("rate"), output_field=MONEY)
    posted = Invoice.objects.filter(
        company=company, party=party, state=InvoiceState.POSTED, kind__in=SALE_KINDS
    )
    sums = posted.aggregate(
        this_year=Sum(_signed(untaxed), filter=Q(date__year=today.year)),
        last_year=Sum(_signed(untaxed), filter=Q(date__year=today.year - 1)),
        lifetime=Sum(_signed(untaxed)),
        balance=Sum(_signed(F("residual_company"))),
        overdue=Sum(
            "residual_company",
            filter=Q(kind=InvoiceKind.CUSTOMER_INVOICE, due_date__lt=today),
        ),
    )
    # Days from the invoice date to the payment that settled it, over fully paid invoices.
    paid = (
        posted.filter(kind=InvoiceKind.CUSTOMER_INVOICE, payment_state="paid")
        .annotate(paid_on=Max("allocations__date", filter=Q(allocations__payment__isnull=False)))
        .filter(paid_on__isnull=False)
        .annotate(days=ExpressionWrapper(F("paid_on") - F("date"), output_field=DurationField()))
    )
    average = paid.aggregate(avg=Avg("days"))["avg"]
    return {
        "revenue_this_year": _money(sums["this_year"]),
        "revenue_last_year": _money(sums["last_year"]),
        "lifetime_value": _money(sums["lifetime"]),
        "open_balance": _money(sums["balance"]),
        "overdue": _money(sums["overdue"]),
        "average_days_to_pay": (
            Decimal(average.total_seconds() / 86400).quantize(Decimal("0.1"), ROUND_HALF_UP)
            if average is not None
            else None
        ),
    }


def top_products(company: Company, party: Party, *, limit: int = TOP_PRODUCTS) -> list[dict]:
    lines = InvoiceLine.objects.filter(
        company=company,
        invoice__party=party,
        invoice__state=InvoiceState.POSTED,
        invoice__kind__in=SALE_KINDS,
        product__isnull=False,
    )
    credit = Q(invoice__kind=InvoiceKind.CUSTOMER_CREDIT_NOTE)
    rows = (
        lines.values("product", "product__sku", "product__name")
        .annotate(
            quantity=Sum(Case(When(credit, then=-F("quantity")), default=F("quantity"))),
            revenue=Sum(
                Case(
                    When(credit, then=-F("untaxed_amount") * F("invoice__rate")),
                    default=F("untaxed_amount") * F("invoice__rate"),
                    output_field=MONEY,
                )
            ),
        )
        .order_by("-revenue", "product")[:limit]
    )
    return [
        {
            "product": r["product"],
            "sku": r["product__sku"] or "",
            "name": r["product__name"],
            "quantity": _plain(r["quantity"]),
            "revenue": _money(r["revenue"]),
        }
        for r in rows
    ]


# -- timeline --------------------------------------------------------------------------------


def _day(value: date, zone: ZoneInfo) -> datetime:
    """A document date as a moment: the start of that day in the company's time zone."""
    return datetime.combine(value, time.min, tzinfo=zone)


def _seen(qs, scope, *, own_field: str | None = None):
    """`qs` narrowed by record visibility (`scope` None: everything)."""
    if scope is None:
        return qs
    return qs.filter(scope.touch_condition(own_field) if own_field else scope.condition())


def _interactions(company, party, n, scope=None):
    qs = _seen(Interaction.objects.filter(company=company, party=party), scope, own_field="user")
    rows = [
        {
            "kind": "interaction",
            "id": i.pk,
            "at": i.occurred_at,
            "title": i.subject or i.get_kind_display(),
            "detail": f"{i.get_kind_display()} · {i.get_direction_display()}",
            "amount": None,
            "url": _record_url(i),
        }
        for i in qs.order_by("-occurred_at", "-id")[:n]
    ]
    return rows, qs.count()


def _activities(company, party, n, scope=None):
    qs = _seen(
        Activity.objects.filter(company=company, party=party).exclude(
            state=ActivityState.CANCELLED
        ),
        scope,
        own_field="owner",
    )
    rows = [
        {
            "kind": "activity",
            "id": a.pk,
            "at": a.done_at or a.due_at,
            "title": a.summary,
            "detail": f"{a.get_kind_display()} · {a.get_state_display()}",
            "amount": None,
            "url": _record_url(a),
        }
        for a in qs.order_by("-due_at", "-id")[:n]
    ]
    return rows, qs.count()


def _opportunities(company, party, n, scope=None):
    qs = _seen(Opportunity.objects.filter(company=company, party=party), scope)
    rows = [
        {
            "kind": "opportunity",
            "id": o.pk,
            "at": o.created_at,
            "title": o.name,
            "detail": o.get_state_display(),
            "amount": _money(o.expected_revenue),
            "url": reverse("crm:opportunity_detail", args=[o.pk]),
        }
        for o in qs.order_by("-created_at", "-id")[:n]
    ]
    return rows, qs.count()


def _stage_changes(company, party, n, scope=None):
    # the first row of each opportunity is its creation, shown as the opportunity itself
    qs = OpportunityStageChange.objects.filter(
        company=company, opportunity__party=party, from_stage__isnull=False
    )
    if scope is not None:
        qs = qs.filter(scope.condition("opportunity__"))
    rows = [
        {
            "kind": "stage_change",
            "id": c.pk,
            "at": c.changed_at,
            "title": c.opportunity.name,
            "detail": f"{c.from_stage.name} → {c.to_stage.name}",
            "amount": None,
            "url": reverse("crm:opportunity_detail", args=[c.opportunity_id]),
        }
        for c in qs.select_related("opportunity", "from_stage", "to_stage").order_by(
            "-changed_at", "-id"
        )[:n]
    ]
    return rows, qs.count()


def _invoices(company, party, n, scope=None):
    zone = ZoneInfo(company.time_zone)
    qs = Invoice.objects.filter(
        company=company, party=party, state=InvoiceState.POSTED, kind__in=SALE_KINDS
    )
    rows = [
        {
            "kind": "credit_note" if inv.kind == InvoiceKind.CUSTOMER_CREDIT_NOTE else "invoice",
            "id": inv.pk,
            "at": _day(inv.date, zone),
            "title": inv.number,
            "detail": inv.get_payment_state_display(),
            "amount": _money(inv.total_company),
            "url": "",
        }
        for inv in qs.order_by("-date", "-id")[:n]
    ]
    return rows, qs.count()


def _payments(company, party, n, scope=None):
    zone = ZoneInfo(company.time_zone)
    qs = Payment.objects.filter(company=company, party=party, state=PaymentState.POSTED)
    rows = [
        {
            "kind": "payment",
            "id": p.pk,
            "at": _day(p.date, zone),
            "title": p.number,
            "detail": p.get_direction_display(),
            "amount": _money(p.amount_company),
            "url": "",
        }
        for p in qs.order_by("-date", "-id")[:n]
    ]
    return rows, qs.count()


ORDER_STATES = (OrderState.CONFIRMED, OrderState.DONE, OrderState.CANCELLED)


def _orders(company, party, n, scope=None):
    """Confirmed, done and cancelled orders (quotations are not events yet), at the moment
    they were confirmed; a quotation cancelled before that, at its creation."""
    qs = SalesOrder.objects.filter(company=company, party=party, state__in=ORDER_STATES)
    rows = [
        {
            "kind": "order",
            "id": o.pk,
            "at": o.event_at,
            "title": str(o),
            "detail": o.get_state_display()
            if o.currency_id == company.currency_id
            else f"{o.get_state_display()} · {o.currency_id}",
            "amount": _money(o.total_amount),
            "url": reverse("sales:order_detail", args=[o.pk]),
        }
        for o in qs.annotate(event_at=Coalesce("confirmed_at", "created_at")).order_by(
            "-event_at", "-id"
        )[:n]
    ]
    return rows, qs.count()


def _deliveries(company, party, n, scope=None):
    """Done deliveries of the customer's orders, when they left the warehouse."""
    of_orders = SalesOrder.transfers.through.objects.filter(
        salesorder__company=company, salesorder__party=party
    ).values("transfer_id")
    qs = Transfer.objects.filter(
        company=company,
        kind=TransferKind.DELIVERY,
        state=MoveState.DONE,
        pk__in=of_orders,
    )
    rows = [
        {
            "kind": "delivery",
            "id": t.pk,
            "at": t.date_done,
            "title": t.number or f"#{t.pk}",
            "detail": t.origin,
            "amount": None,
            "url": reverse("inventory:transfer_detail", args=[t.pk]),
        }
        for t in qs.order_by("-date_done", "-id")[:n]
    ]
    return rows, qs.count()


def order_figures(company: Company, party: Party) -> dict:
    """How many orders the customer placed (confirmed or done), how many are still open
    (confirmed), and the open quotations, in one query."""
    sums = SalesOrder.objects.filter(company=company, party=party).aggregate(
        count=Count("pk", filter=Q(state__in=(OrderState.CONFIRMED, OrderState.DONE))),
        open=Count("pk", filter=Q(state=OrderState.CONFIRMED)),
        quotations=Count("pk", filter=Q(state__in=(OrderState.DRAFT, OrderState.SENT))),
    )
    return {key: sums[key] or 0 for key in ("count", "open", "quotations")}


def _record_url(row) -> str:
    if row.opportunity_id:
        return reverse("crm:opportunity_detail", args=[row.opportunity_id])
    if row.lead_id:
        return reverse("crm:lead_detail", args=[row.lead_id])
    return ""


TIMELINE_SOURCES: dict[str, Callable] = {
    "interaction": _interactions,
    "activity": _activities,
    "opportunity": _opportunities,
    "stage_change": _stage_changes,
    "order": _orders,
    "delivery": _deliveries,
    "invoice": _invoices,
    "payment": _payments,
}


def register_timeline_source(kind: str, source: Callable) -> None:
    """Let a later app (sales orders, deliveries) add its events to the timeline."""
    TIMELINE_SOURCES[kind] = source


def timeline(
    company: Company,
    party: Party,
    *,
    limit: int = TIMELINE_LIMIT,
    offset: int = 0,
    scope: Scope | None = None,
) -> tuple[list[dict], int]:
    """The newest `limit` events after `offset`, and how many there are in all; with a
    `scope`, only the CRM records (and their touches) that scope may see."""
    wanted = offset + limit
    rows, count = [], 0
    for source in TIMELINE_SOURCES.values():
        found, total = source(company, party, wanted, scope=scope)
        rows += found
        count += total
    rows.sort(key=lambda r: (r["at"], r["id"]), reverse=True)
    return rows[offset:wanted], count


# -- the whole overview ----------------------------------------------------------------------


def _touch(kind: str, at, title: str) -> dict | None:
    return {"kind": kind, "at": at, "title": title} if at is not None else None


def touches(
    company: Company, party: Party, *, now: datetime, scope: Scope | None = None
) -> tuple[dict | None, dict | None]:
    """The last touch (a done activity or a logged interaction) and the next planned one."""
    activities = _seen(Activity.objects.all(), scope, own_field="owner")
    done = (
        activities.filter(company=company, party=party, state=ActivityState.DONE)
        .order_by("-done_at", "-id")
        .values("done_at", "summary", "kind")
        .first()
    )
    logged = (
        _seen(Interaction.objects.all(), scope, own_field="user")
        .filter(company=company, party=party)
        .order_by("-occurred_at", "-id")
        .values("occurred_at", "subject", "kind")
        .first()
    )
    planned = (
        activities.filter(company=company, party=party, state=ActivityState.PLANNED)
        .order_by("due_at", "id")
        .values("due_at", "summary", "kind")
        .first()
    )
    candidates = []
    if done:
        candidates.append(_touch(done["kind"], done["done_at"], done["summary"]))
    if logged:
        candidates.append(_touch(logged["kind"], logged["occurred_at"], logged["subject"]))
    last = max(candidates, key=lambda t: t["at"]) if candidates else None
    following = _touch(planned["kind"], planned["due_at"], planned["summary"]) if planned else None
    return last, following


def party_overview(
    company: Company,
    party: Party,
    *,
    scope: Scope | None = None,
    limit: int = TIMELINE_LIMIT,
    offset: int = 0,
    now: datetime | None = None,
) -> dict:
    """Everything the 360 panel and GET /parties/{id}/overview show. `scope` (see
    `visibility.request_scope`) narrows the opportunities, activities and interactions to
    those the caller may see."""
    now = now or timezone.now()
    today = now.astimezone(ZoneInfo(company.time_zone)).date()
    opps = _seen(Opportunity.objects.all(), scope)
    open_opps = list(
        opps.filter(company=company, party=party, state=OpportunityState.OPEN)
        .select_related("stage")
        .order_by("close_date", "id")
    )
    pipeline = opps.filter(company=company, party=party, state=OpportunityState.OPEN).aggregate(
        total=Sum("expected_revenue", filter=Q(currency_id=company.currency_id))
    )
    last, following = touches(company, party, now=now, scope=scope)
    events, count = timeline(company, party, limit=limit, offset=offset, scope=scope)
    scores = party_scores(company, party.pk)
    return {
        "churn_risk": scores["churn_risk"],
        "customer_value": scores["clv"],
        "rfm_band": scores["band"],
        "segment": scores["segment"],
        "party": party.pk,
        "name": party.name,
        "currency": company.currency_id,
        "revenue_basis": "untaxed",
        **figures(company, party, today=today),
        "open_opportunities": [
            {
                "id": o.pk,
                "name": o.name,
                "stage": o.stage.name,
                "expected_revenue": o.expected_revenue,
                "currency": o.currency_id,
                "probability": o.probability,
                "close_date": o.close_date,
                "owner": o.owner_id,
            }
            for o in open_opps
        ],
        "open_pipeline": _money(pipeline["total"]),
        "top_products": top_products(company, party),
        "orders": order_figures(company, party),
        "last_touch": last,
        "next_touch": following,
        "timeline": events,
        "timeline_count": count,
    }
