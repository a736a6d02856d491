"""Display helpers for catalog figures (Decimal in, text out; never float)."""

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


def _trim(value, min_places: int) -> str:
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return "" if value is None else str(value)
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0")
        places = len(text.split(".")[1])
        if places < min_places:
            text += "0" * (min_places - places)
        text = text.rstrip(".")
    elif min_places:
        text += "." + "0" * min_places
    return text


@register.filter
def price(value) -> str:
    """10.500000 -> "10.50", 0.123400 -> "0.1234", 12 -> "12.00"."""
    return _trim(value, 2)


@register.filter
def qty(value) -> str:
    """10.000000 -> "10", 0.250000 -> "0.25"."""
    return _trim(value, 0)
