from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def qty(value) -> str:
    """A quantity without trailing zeros (10.000000 -> 10)."""
    if value is None or value == "":
        return ""
    value = Decimal(value).normalize()
    return f"{value:f}"
