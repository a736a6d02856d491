"""Display helpers for ledger figures and account names (Decimal in, text out)."""

from decimal import Decimal, InvalidOperation

from django import template

from tandem.core.templatetags.formats import money as format_money

from ..models import account_display_name

register = template.Library()


@register.filter
def money(value) -> str:
    """Decimal("1186.5") -> "1,186.50"; None -> "" (the shared formatting layer's)."""
    return format_money(value)


@register.filter
def amount(value) -> str:
    """Like money, but blank for zero: debit and credit columns show one side."""
    try:
        if value is None or Decimal(value) == 0:
            return ""
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    return money(value)


@register.filter
def account_name(account) -> str:
    """The Chinese name under the Chinese UI when there is one, else the English name."""
    if account is None:
        return ""
    if isinstance(account, dict):
        return account_display_name(account.get("name", ""), account.get("name_en", ""))
    return account_display_name(account.name, account.name_en)


@register.filter
def indent(depth) -> str:
    return f"padding-left: {0.6 + 1.2 * int(depth or 0):.1f}rem"
