"""Display helpers for catalog figures: the core formatting layer (babel, the active
language), under the names the catalog's templates use."""

from django import template

from tandem.core.templatetags import formats

register = template.Library()


@register.filter
def price(value) -> str:
    """10.500000 -> "10.50", 0.123400 -> "0.1234", 12500 -> "12,500.00"."""
    return formats.price(value)


@register.filter
def qty(value) -> str:
    """10.000000 -> "10", 0.250000 -> "0.25", 12000 -> "12,000"."""
    return formats.number(value)
