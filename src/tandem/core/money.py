"""Money helpers: Decimal only, rounded half-up to the currency's minor unit."""

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel.numbers import get_currency_precision

PRICE_PLACES = 6


@lru_cache(maxsize=512)
def minor_unit(currency_code: str) -> int:
    return get_currency_precision(currency_code.upper())


def to_decimal(value) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        # floats reach here only from careless callers; go through str to avoid binary noise
        return Decimal(repr(value))
    return Decimal(value)


def quantize_money(amount, currency_code: str) -> Decimal:
    places = minor_unit(currency_code)
    return to_decimal(amount).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def quantize_price(amount) -> Decimal:
    return to_decimal(amount).quantize(Decimal(1).scaleb(-PRICE_PLACES), rounding=ROUND_HALF_UP)


def quantize_quantity(quantity, places: int) -> Decimal:
    return to_decimal(quantity).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
