"""Read side of sales: order lists with filters and the fulfilment report."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Window,
)

from .models import (
    STAGE_ORDER,
    ExceptionKind,
    ExceptionState,
    OrderException,
    OrderStageEvent,
    OrderState,
    SalesOrder,
    SalesReturn,
    SalesReturnLine,
    SlaPolicy,
    Stage,
)


def orders_filtered(
    company,
    *,
    state: str = "",
    party: int | None = None,
    channel: str = "",
    external_reference: str = "",
    delivery_status: str = "",
    invoice_status: str = "",
    payment_status: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    search: str = "",
) -> QuerySet:
    qs = SalesOrder.objects.filter(company=company).select_related("party")
    if state:
        qs = qs.filter(state=state)
    if party:
        qs = qs.filter(party_id=party)
    if channel:
        qs = qs.filter(channel=channel)
    if external_reference:
        qs = qs.filter(external_reference=external_reference)
    if delivery_status:
        qs = qs.filter(delivery_status=delivery_status)
    if invoice_status:
        qs = qs.filter(invoice_status=invoice_status)
    if payment_status:
        qs = qs.filter(payment_status=payment_status)
    if date_from:
        qs = qs.filter(order_date__gte=date_from)
    if date_to:
        qs = qs.filter(order_date__lte=date_to)
    if search:
        qs = qs.filter(
            Q(number__icontains=search)
            | Q(quotation_number__icontains=search)
            | Q(party__name__icontains=search)
            | Q(external_reference__icontains=search)
        )
    return with_awaiting_payment(qs).order_by("-order_date", "-id")


def with_awaiting_payment(qs: QuerySet) -> QuerySet:
    """Annotate `awaiting_payment`, the prepaid rule of `services._common.awaits_payment`
    in SQL, so a list shows "Waiting for payment" without a query per order."""
    verified = OrderStageEvent.objects.filter(order=OuterRef("pk"), stage=Stage.PAYMENT_VERIFIED)
    return qs.annotate(
        awaiting_payment=ExpressionWrapper(
            Q(prepaid=True)
            & Q(state__in=(OrderState.CONFIRMED, OrderState.DONE))
            & ~Exists(verified),
            output_field=BooleanField(),
        )
    )


def exceptions_filtered(
    company,
    *,
    search: str = "",
    kind: str = "",
    state: str = "",
    owner: int | None = None,
    order: int | None = None,
) -> QuerySet:
    qs = OrderException.objects.filter(company=company).select_related("order", "owner")
    search = (search or "").strip()
    if search:
        qs = qs.filter(
            Q(order__number__icontains=search)
            | Q(order__quotation_number__icontains=search)
            | Q(kind__icontains=search)
            | Q(detail__icontains=search)
        )
    if kind:
        qs = qs.filter(kind=kind)
    if state:
        qs = qs.filter(state=state)
    if owner:
        qs = qs.filter(owner_id=owner)
    if order:
        qs = qs.filter(order_id=order)
    return qs.order_by("-created_at", "-id")


def _percentile(sorted_values: list[Decimal], fraction: Decimal) -> Decimal | None:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return None
    rank = max(1, int((fraction * len(sorted_values)).to_integral_value(rounding="ROUND_CEILING")))
    return sorted_values[rank - 1]


def _hours(delta: timedelta) -> Decimal:
    return (Decimal(int(delta.total_seconds())) / Decimal(3600)).quantize(Decimal("0.01"))


def fulfilment_report(
    company, *, date_from: date | None = None, date_to: date | None = None
) -> dict:
    """Orders per stage, on-time rate per stage, cycle times, open exceptions by kind.

    The population is the orders received in the period (by their `received` stage).
    Cycle time of a stage: hours from received to entering it; p50/p90 by nearest rank.
    """
    received = OrderStageEvent.objects.filter(company=company, stage=Stage.RECEIVED).exclude(
        order__state=OrderState.CANCELLED
    )
    # period days are the company's local days, not UTC days
    local = ZoneInfo(company.time_zone or "UTC")
    if date_from:
        received = received.filter(at__gte=datetime.combine(date_from, time.min, local))
    if date_to:
        received = received.filter(
            at__lt=datetime.combine(date_to + timedelta(days=1), time.min, local)
        )
    order_ids = received.values("order_id")
    events = OrderStageEvent.objects.filter(company=company, order_id__in=order_ids)
    reached = dict(events.values_list("stage").annotate(n=Count("id")))
    latest = (
        OrderStageEvent.objects.filter(order_id=OuterRef("order_id"))
        .order_by("-at", "-id")
        .values("stage")[:1]
    )
    current = dict(
        received.annotate(current=Subquery(latest)).values_list("current").annotate(n=Count("id"))
    )
    breach_rows = (
        OrderException.objects.filter(
            company=company, kind=ExceptionKind.SLA_BREACH, order_id__in=order_ids
        )
        .annotate(
            reached=Exists(
                OrderStageEvent.objects.filter(
                    order_id=OuterRef("order_id"), stage=OuterRef("stage")
                )
            )
        )
        .values_list("stage", "reached")
        .annotate(n=Count("id"))
    )
    breaches: dict[str, int] = {}
    reached_late: dict[str, int] = {}
    for stage, was_reached, n in breach_rows:
        breaches[stage] = breaches.get(stage, 0) + n
        if was_reached:
            reached_late[stage] = reached_late.get(stage, 0) + n
    policies = {p.stage: p for p in SlaPolicy.objects.filter(company=company, active=True)}
    start = OrderStageEvent.objects.filter(
        order_id=OuterRef("order_id"), stage=Stage.RECEIVED
    ).values("at")[:1]
    durations: dict[str, list[Decimal]] = {s: [] for s in STAGE_ORDER}
    for stage, at, started in (
        events.exclude(stage=Stage.RECEIVED)
        .annotate(started=Subquery(start))
        .values_list("stage", "at", "started")
    ):
        if started is not None:
            durations[stage].append(_hours(at - started))
    rows = []
    for stage in STAGE_ORDER:
        values = sorted(durations[stage])
        policy = policies.get(stage)
        count = reached.get(stage, 0)
        late = breaches.get(stage, 0)
        on_time = None
        # due so far: every order that reached the stage, plus those overdue without it
        due = count + late - reached_late.get(stage, 0)
        if policy is not None and due:
            on_time_count = count - reached_late.get(stage, 0)
            on_time = (Decimal(on_time_count) / Decimal(due) * 100).quantize(Decimal("0.1"))
        rows.append(
            {
                "stage": stage,
                "reached": count,
                "current": current.get(stage, 0),
                "target_hours": policy.target_hours if policy else None,
                "breaches": late,
                "on_time_rate": on_time,
                "cycle_p50_hours": _percentile(values, Decimal("0.5")),
                "cycle_p90_hours": _percentile(values, Decimal("0.9")),
            }
        )
    open_by_kind = dict(
        OrderException.objects.filter(company=company, state=ExceptionState.OPEN)
        .values_list("kind")
        .annotate(n=Count("id"))
    )
    final = sorted(durations[Stage.DELIVERED]) or sorted(durations[Stage.SHIPPED])
    return {
        "rows": rows,
        "totals": {
            "orders": reached.get(Stage.RECEIVED, 0),
            "open_exceptions": {k: open_by_kind.get(k, 0) for k in ExceptionKind.values},
            "cycle_p50_hours": _percentile(final, Decimal("0.5")),
            "cycle_p90_hours": _percentile(final, Decimal("0.9")),
        },
    }


def returns_filtered(
    company,
    *,
    search: str = "",
    state: str = "",
    order: int | None = None,
    party: int | None = None,
) -> QuerySet:
    qs = (
        SalesReturn.objects.filter(company=company)
        .select_related("order", "party")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=SalesReturnLine.objects.select_related("order_line").order_by("pk"),
            )
        )
    )
    search = (search or "").strip()
    if search:
        qs = qs.filter(
            Q(number__icontains=search)
            | Q(party__name__icontains=search)
            | Q(order__number__icontains=search)
        )
    if state:
        qs = qs.filter(state=state)
    if order:
        qs = qs.filter(order_id=order)
    if party:
        qs = qs.filter(party_id=party)
    return qs.order_by("-date", "-id")


def party_orders(company, party, *, limit: int = 20) -> tuple[list[SalesOrder], int]:
    """The party's latest orders for its page, and how many it has in all (one query).

    The total rides along as a window count, so the page costs one round trip however
    many orders the customer has.
    """
    rows = list(
        SalesOrder.objects.filter(company=company, party=party)
        .annotate(total_count=Window(Count("pk")))
        .only(
            "pk",
            "number",
            "quotation_number",
            "order_date",
            "state",
            "total_amount",
            "currency_id",
            "delivery_status",
            "invoice_status",
            "payment_status",
        )
        .order_by("-order_date", "-id")[:limit]
    )
    return rows, (rows[0].total_count if rows else 0)
