"""One formatting layer for pages: numbers and money by babel in the active language.

`{% load formats %}` then `{{ value|money }}`, `{{ value|price }}`, `{{ value|number }}`,
`{{ value|compact }}`, `{{ share|percent }}`.
Dates and times come through Django's own filters in the active time zone, which
`core.middleware.CurrentCompanyMiddleware` sets to the user's (else the company's) zone.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_compact_decimal, format_decimal, format_percent
from django import template
from django.utils import translation

register = template.Library()


def _locale() -> str:
    language = (translation.get_language() or "en").lower()
    return "zh_Hans_CN" if language.startswith("zh") else "en_US"


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None


@register.filter
def money(value) -> str:
    """Decimal("12500") -> "12,500.00" (grouped, two places, half-up; never 1.25E+4)."""
    number = _decimal(value)
    if number is None:
        return "" if value is None else str(value)
    rounded = number.quantize(Decimal("0.01"), ROUND_HALF_UP)
    return format_decimal(rounded, format="#,##0.00", locale=_locale())


@register.filter
def number(value) -> str:
    """A quantity without trailing zeros: Decimal("3.500000") -> "3.5", 12000 -> "12,000"."""
    number_value = _decimal(value)
    if number_value is None:
        return "" if value is None else str(value)
    return format_decimal(number_value, format="#,##0.######", locale=_locale())


@register.filter
def price(value) -> str:
    """A unit price: at least two places, up to six, grouped: Decimal("12500.500000") ->
    "12,500.50", Decimal("0.123400") -> "0.1234"."""
    number_value = _decimal(value)
    if number_value is None:
        return "" if value is None else str(value)
    return format_decimal(number_value, format="#,##0.00####", locale=_locale())


@register.filter
def compact(value) -> str:
    """A short figure for chart labels: 125000 -> "125K" in English, "12万" in Chinese."""
    number_value = _decimal(value)
    if number_value is None:
        return ""
    return format_compact_decimal(number_value, locale=_locale(), fraction_digits=1)


@register.filter
def percent(value) -> str:
    """A share as a percentage with up to one decimal: 0.0523 -> "5.2%" ("5.2%" in Chinese)."""
    number_value = _decimal(value)
    if number_value is None:
        return ""
    return format_percent(number_value, format="#,##0.#%", locale=_locale())
