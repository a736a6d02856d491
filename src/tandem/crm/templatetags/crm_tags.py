"""Display helpers of the CRM pages (Decimal in, text out; never float)."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils.translation import gettext

from tandem.core.templatetags.formats import money as format_money

from ..services.pipeline import SEEDED_LABELS

register = template.Library()


@register.filter
def crm_label(value) -> str:
    """A seeded stage or lost reason name in the user's language; other names as typed."""
    text = "" if value is None else str(value)
    return gettext(text) if text in SEEDED_LABELS else text


@register.filter
def money(value) -> str:
    """27000 -> "27,000.00" (the shared formatting layer's: grouped, two places, half-up)."""
    return format_money(value)


@register.filter
def duration(value) -> str:
    """A timedelta as "3d 4h", "5h 12m" or "7m"."""
    if not isinstance(value, timedelta):
        return "—"
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m"


@register.filter
def share(value, total) -> str:
    """`value` as a percentage of `total`, for the width of a bar ("42.50")."""
    try:
        value, total = Decimal(value), Decimal(total)
    except (InvalidOperation, TypeError, ValueError):
        return "0"
    if total <= 0 or value <= 0:
        return "0"
    return str(min(value * 100 / total, Decimal(100)).quantize(Decimal("0.01"), ROUND_HALF_UP))
