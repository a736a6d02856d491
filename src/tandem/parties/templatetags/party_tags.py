import phonenumbers
from django import template

from ..forms import country_name as _country_name

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """An E.164 number in international format: +86 138 0013 8000."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@register.filter
def country_name(code: str) -> str:
    return _country_name(code)
