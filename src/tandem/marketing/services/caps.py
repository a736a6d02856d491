"""The frequency cap across campaigns and automations: MARKETING_FREQUENCY_CAP marketing
emails (3) per MARKETING_FREQUENCY_DAYS (7) per party, counted on the traces that left
(sent or bounced). 0 turns it off."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Count

from ..models import CampaignRecipient, TraceState


def frequency_cap() -> tuple[int, int]:
    """(messages, days); messages 0 = no cap."""
    cap = int(getattr(settings, "MARKETING_FREQUENCY_CAP", 3) or 0)
    days = int(getattr(settings, "MARKETING_FREQUENCY_DAYS", 7) or 7)
    return cap, days


def capped_parties(party_ids, now, *, extra: int = 0) -> set[int]:
    """The parties among `party_ids` whose messages in the window, plus `extra` about to
    leave, reach the cap (one grouped query)."""
    cap, days = frequency_cap()
    if not cap or not party_ids:
        return set()
    rows = (
        CampaignRecipient.objects.filter(
            party_id__in=list(party_ids),
            state__in=[TraceState.SENT, TraceState.BOUNCED],
            sent_at__gte=now - timedelta(days=days),
        )
        .values("party_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=max(cap - extra, 0))
        .values_list("party_id", flat=True)
    )
    capped = set(rows)
    if cap - extra <= 0:  # the extra messages alone reach it: parties with none sent too
        capped |= set(party_ids)
    return capped


def frequency_capped(party_id, now, *, extra: int = 0) -> bool:
    return party_id in capped_parties([party_id], now, extra=extra)
