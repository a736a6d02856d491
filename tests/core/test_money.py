from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tandem.core.money import minor_unit, quantize_money, quantize_price


def test_rounds_half_up_to_the_currency_minor_unit():
    assert quantize_money(Decimal("2.345"), "CNY") == Decimal("2.35")
    assert quantize_money(Decimal("-2.345"), "CNY") == Decimal("-2.35")
    assert quantize_money(Decimal("2.5"), "JPY") == Decimal("3")
    assert quantize_money(Decimal("1.2345"), "KWD") == Decimal("1.235")
    assert (minor_unit("JPY"), minor_unit("CNY"), minor_unit("KWD")) == (0, 2, 3)


def test_prices_keep_six_places():
    assert quantize_price(Decimal("0.1234564")) == Decimal("0.123456")
    assert quantize_price("1.0000005") == Decimal("1.000001")


@given(st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, places=6))
def test_quantized_amount_is_within_half_a_cent(value):
    rounded = quantize_money(value, "CNY")
    assert abs(rounded - value) <= Decimal("0.005")
    assert rounded.as_tuple().exponent == -2
