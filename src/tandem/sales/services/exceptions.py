"""The exception queue and SLA policies: breaches found, exceptions owned and resolved."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from tandem.core.errors import Duplicate, InvalidReference, InvalidTransition, ValidationFailed
from tandem.core.models import Membership

from ..models import (
    ExceptionKind,
    ExceptionState,
    OrderException,
    OrderStageEvent,
    OrderState,
    SalesOrder,
    SlaPolicy,
    Stage,
)
from ._common import UNSET, lock, lock_order, number, text
from .calendar import calendar_for, deadline

SLA_FIELDS = ("name", "stage", "start_stage", "target_hours", "business_hours", "active")


# -- SLA policies --------------------------------------------------------------------------


def _sla_check(policy: SlaPolicy) -> None:
    policy.name = text(policy.name, field="name", max_length=100)
    for name in ("stage", "start_stage"):
        if getattr(policy, name) not in Stage.values:
            raise ValidationFailed(
                f"{name}: one of {', '.join(Stage.values)}", code="validation.choice", field=name
            )
    if Stage.values.index(policy.start_stage) >= Stage.values.index(policy.stage):
        raise ValidationFailed(
            "start_stage must come before stage", code="sla.stage_order", field="start_stage"
        )
    policy.target_hours = number(
        policy.target_hours,
        field="target_hours",
        places=2,
        minimum=Decimal(0),
        strict_min=True,
        maximum=Decimal(99999),
    )
    policy.business_hours = bool(policy.business_hours)
    policy.active = bool(policy.active)
    clash = (
        SlaPolicy.objects.filter(company_id=policy.company_id, stage=policy.stage)
        .exclude(pk=policy.pk)
        .values_list("pk", flat=True)
        .first()
    )
    if clash:
        raise Duplicate(
            f"A policy for {policy.stage} exists",
            code="sla.duplicate",
            field="stage",
            extra={"existing_id": clash},
        )


def _sla_save(policy: SlaPolicy) -> SlaPolicy:
    try:
        with transaction.atomic():
            policy.save()
    except IntegrityError:
        _sla_check(policy)
        raise
    return policy


@transaction.atomic
def sla_policy_create(
    *,
    company,
    stage: str,
    target_hours,
    business_hours: bool = True,
    start_stage: str = Stage.RECEIVED,
    name: str = "",
    active: bool = True,
) -> SlaPolicy:
    policy = SlaPolicy(
        company=company,
        stage=stage,
        start_stage=start_stage,
        target_hours=target_hours,
        business_hours=business_hours,
        name=name,
        active=active,
    )
    _sla_check(policy)
    return _sla_save(policy)


@transaction.atomic
def sla_policy_update(*, policy: SlaPolicy, **changes) -> SlaPolicy:
    unknown = set(changes) - set(SLA_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown fields: {', '.join(sorted(unknown))}")
    policy = lock(SlaPolicy, [policy.pk])[policy.pk]
    for name, value in changes.items():
        if value is not UNSET:
            setattr(policy, name, value)
    _sla_check(policy)
    return _sla_save(policy)


@transaction.atomic
def sla_policy_delete(*, policy: SlaPolicy) -> None:
    SlaPolicy.objects.filter(pk=policy.pk).delete()


# -- breach scan ---------------------------------------------------------------------------


def _resolve_reached_breaches(*, company, now) -> int:
    """Close the open breaches of stages the order has reached since: late, but done.

    Done here rather than when the stage is recorded, so the order path pays nothing for it.
    """
    reached = OrderStageEvent.objects.filter(order_id=OuterRef("order_id"), stage=OuterRef("stage"))
    open_breaches = OrderException.objects.filter(
        kind=ExceptionKind.SLA_BREACH, state=ExceptionState.OPEN
    ).filter(Exists(reached))
    if company is not None:
        open_breaches = open_breaches.filter(company=company)
    return open_breaches.update(
        state=ExceptionState.RESOLVED,
        resolution_note="reached late",
        resolved_at=now,
        updated_at=now,
    )


def sla_breach_scan(*, company=None, now=None) -> int:
    """Open one sla_breach exception per order stage reached late or overdue now, and close
    the open ones whose stage has been reached since.

    Idempotent: a stage that already has a breach (open or resolved) is skipped, and the
    database refuses a second one (oexc_one_breach_per_stage) should two scans race.
    """
    now = now or timezone.now()
    _resolve_reached_breaches(company=company, now=now)
    policies = SlaPolicy.objects.filter(active=True).select_related("company")
    if company is not None:
        policies = policies.filter(company=company)
    opened = 0
    for policy in policies:
        calendar = calendar_for(policy.company)
        hours = policy.target_hours
        starts = OrderStageEvent.objects.filter(
            company_id=policy.company_id,
            stage=policy.start_stage,
            # business deadlines are never earlier than wall-clock ones: a cheap first cut
            at__lte=now - timedelta(hours=float(hours)),
        ).exclude(order__state=OrderState.CANCELLED)
        starts = starts.annotate(
            breached=Exists(
                OrderException.objects.filter(
                    order_id=OuterRef("order_id"), kind=ExceptionKind.SLA_BREACH, stage=policy.stage
                )
            )
        ).filter(breached=False)
        rows = list(starts.values_list("order_id", "at"))
        reached = dict(
            OrderStageEvent.objects.filter(
                order_id__in=[r[0] for r in rows], stage=policy.stage
            ).values_list("order_id", "at")
        )
        late = []
        for order_id, started in rows:
            due = (
                deadline(calendar, started, hours)
                if policy.business_hours
                else started + timedelta(hours=float(hours))
            )
            done_at = reached.get(order_id)
            if (done_at is None and now > due) or (done_at is not None and done_at > due):
                late.append((order_id, due, done_at))
        if not late:
            continue
        owners = dict(
            SalesOrder.objects.filter(pk__in=[r[0] for r in late]).values_list(
                "pk", "salesperson_id"
            )
        )
        created = OrderException.objects.bulk_create(
            [
                OrderException(
                    company_id=policy.company_id,
                    order_id=order_id,
                    kind=ExceptionKind.SLA_BREACH,
                    stage=policy.stage,
                    owner_id=owners.get(order_id),
                    detail=(
                        f"{policy.stage} due {due:%Y-%m-%d %H:%M} UTC"
                        + (f", reached {done_at:%Y-%m-%d %H:%M} UTC" if done_at else "")
                    ),
                    # a stage reached late needs no action, only the record
                    state=ExceptionState.OPEN if done_at is None else ExceptionState.RESOLVED,
                    resolution_note="" if done_at is None else "reached late",
                    resolved_at=None if done_at is None else now,
                )
                for order_id, due, done_at in late
            ],
            ignore_conflicts=True,
        )
        opened += len(created)
    return opened


def payment_overdue_scan(*, company=None, today=None) -> int:
    """Open a payment_overdue exception for orders whose posted invoice is past due, unpaid.

    The exception names the overdue invoices, and one set of overdue invoices is raised
    once: an order is skipped while an exception of the kind is open, or when one for the
    same invoices was resolved (someone chose to wait), so resolving it is not undone by
    the next run; another invoice falling due opens a new one. Run by the same beat task
    as the SLA scan.
    """
    from tandem.accounting.models import Invoice, InvoiceKind, InvoiceState
    from tandem.catalog.services.pricing import company_today

    invoices = Invoice.objects.filter(
        kind=InvoiceKind.CUSTOMER_INVOICE,
        state=InvoiceState.POSTED,
        residual_amount__gt=0,
        sales_orders__state__in=[OrderState.CONFIRMED, OrderState.DONE],
    )
    if company is not None:
        invoices = invoices.filter(company=company)
    rows = list(
        invoices.values_list(
            "company_id", "sales_orders", "due_date", "number", "company__time_zone"
        ).order_by("sales_orders", "due_date")
    )
    local_today: dict[int, object] = {}
    overdue: dict[int, list] = {}
    for company_id, order_id, due, doc_number, zone in rows:
        if company_id not in local_today:
            local_today[company_id] = today or company_today(SimpleNamespace(time_zone=zone))
        if due < local_today[company_id]:
            overdue.setdefault(order_id, (company_id, []))[1].append(
                f"{doc_number} due {due:%Y-%m-%d}"
            )
    if not overdue:
        return 0
    raised = OrderException.objects.filter(
        order_id__in=list(overdue), kind=ExceptionKind.PAYMENT_OVERDUE
    ).values_list("order_id", "detail", "state")
    skip = {(order_id, detail) for order_id, detail, _state in raised}
    skip |= {order_id for order_id, _detail, state in raised if state == ExceptionState.OPEN}
    owners = dict(
        SalesOrder.objects.filter(pk__in=list(overdue)).values_list("pk", "salesperson_id")
    )
    fresh = []
    for order_id, (company_id, numbers) in sorted(overdue.items()):
        detail = "; ".join(numbers)[:500]
        if order_id in skip or (order_id, detail) in skip:
            continue
        fresh.append(
            OrderException(
                company_id=company_id,
                order_id=order_id,
                kind=ExceptionKind.PAYMENT_OVERDUE,
                owner_id=owners.get(order_id),
                detail=detail,
            )
        )
    # the partial unique index (one open per kind) keeps racing scans to one each
    created = OrderException.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(created)


# -- the queue -----------------------------------------------------------------------------


def _member(company, user, *, field: str):
    if user is None:
        return None
    if not Membership.objects.filter(company=company, user=user, is_active=True).exists():
        raise InvalidReference(f"{field}: not a member of this company", field=field)
    return user


@transaction.atomic
def order_exception_update(*, exception: OrderException, owner=UNSET) -> OrderException:
    locked = lock(OrderException, [exception.pk])[exception.pk]
    if owner is not UNSET:
        locked.owner = _member(locked.company, owner, field="owner")
    locked.save()
    return locked


@transaction.atomic
def order_exception_resolve(*, exception: OrderException, note: str, user=None) -> OrderException:
    """Record the note and move the order on: a credit hold confirms the order (an override,
    needing the permission), a stock shortage tries the reservation again, a failed delivery
    counts as delivered on the retry the note describes, an overdue payment refreshes the
    order's payment status (and records payment_verified when it is paid)."""
    from .orders import _confirm_locked, order_refresh
    from .stages import stage_record
    from .stock import sales_order_reserve

    locked = lock(OrderException, [exception.pk])[exception.pk]
    if locked.state != ExceptionState.OPEN:
        raise InvalidTransition("The exception is resolved", code="exception.resolved")
    note = text(note, field="note", max_length=5000, required=True)
    order = lock_order(locked.order)
    if locked.kind == ExceptionKind.CREDIT_HOLD and order.state in (
        OrderState.DRAFT,
        OrderState.SENT,
    ):
        _confirm_locked(order, user=user, override_credit=True)
    elif locked.kind == ExceptionKind.STOCK_SHORTAGE and order.state == OrderState.CONFIRMED:
        sales_order_reserve(order=order, user=user)
    elif locked.kind == ExceptionKind.DELIVERY_FAILED:
        stage_record(order=order, stage=Stage.DELIVERED, user=user, note=note[:200])
    elif locked.kind == ExceptionKind.PAYMENT_OVERDUE:
        order_refresh(order=order)
    if locked.kind == ExceptionKind.CREDIT_HOLD:
        SalesOrder.objects.filter(pk=order.pk).update(on_hold=False)
    now = timezone.now()
    OrderException.objects.filter(pk=locked.pk).update(
        state=ExceptionState.RESOLVED,
        resolution_note=note,
        resolved_at=now,
        resolved_by=user if getattr(user, "pk", None) else None,
        updated_at=now,
    )
    locked.refresh_from_db()
    return locked
