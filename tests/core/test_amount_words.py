"""Amounts in words: the 大写 of 发票 and cheques, and English words."""

from decimal import Decimal

import pytest

from tandem.core.documents import amount_in_words, english_words, rmb_upper


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0.50", "伍角"),
        ("0.07", "柒分"),
        ("0.00", "零元整"),
        ("1004.00", "壹仟零肆元整"),
        ("100000.07", "壹拾万元零柒分"),
        ("12345.67", "壹万贰仟叁佰肆拾伍元陆角柒分"),
        ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
        ("10001", "壹万零壹元整"),
        ("100500", "壹拾万零伍佰元整"),
        ("110000", "壹拾壹万元整"),
        ("100000000", "壹亿元整"),
        ("1000000004", "壹拾亿零肆元整"),
        ("-3.10", "负叁元壹角"),
    ],
)
def test_rmb_uppercase_numerals(amount, words):
    assert rmb_upper(Decimal(amount)) == words


def test_english_words_for_other_currencies_and_english_documents():
    assert english_words(Decimal("1234.56"), "EUR") == (
        "One thousand, two hundred and thirty-four euro, fifty-six cents"
    )
    assert english_words(Decimal("2000"), "USD") == "Two thousand dollars"
    assert amount_in_words(Decimal("12345.67"), "CNY", "zh-hans") == [
        "人民币壹万贰仟叁佰肆拾伍元陆角柒分"
    ]
    assert amount_in_words(Decimal("1.50"), "CNY", "en") == [
        "人民币壹元伍角",
        "One yuan and fifty fen",
    ]
