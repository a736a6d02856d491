"""Fulfilment stages: when an order entered each one (once)."""

from __future__ import annotations

from django.utils import timezone

from ..models import OrderStageEvent


def stage_record(*, order, stage: str, user=None, at=None, note: str = "") -> None:
    """Record that `order` entered `stage` now (or `at`); a second entry is ignored (the
    unique order/stage constraint keeps the first)."""
    OrderStageEvent.objects.bulk_create(
        [
            OrderStageEvent(
                company_id=order.company_id,
                order_id=order.pk,
                stage=stage,
                at=at or timezone.now(),
                by=user if getattr(user, "pk", None) else None,
                note=note[:200],
            )
        ],
        ignore_conflicts=True,
    )
