"""Amounts in words: Chinese financial uppercase numerals (大写) for RMB, as on a 发票 or a
cheque, and English words (num2words) for everything else.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("", "拾", "佰", "仟")
# every four digits: 万 (10^4), 亿 (10^8), 万亿 (10^12); more is not money a document shows
GROUPS = ("", "万", "亿", "万亿")
LIMIT = Decimal(10) ** 16


def rmb_upper(amount: Decimal) -> str:
    """The amount in Chinese uppercase numerals: 1004 -> 壹仟零肆元整, 0.5 -> 伍角.

    The rules of the PBOC's 支付结算办法: one 零 for any run of zeros inside the integer part,
    整 after a whole yuan amount, 零 between 元 and 分 when the jiao digit is zero.
    """
    amount = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if abs(amount) >= LIMIT:
        raise ValueError("amount too large for uppercase numerals")
    sign = "负" if amount < 0 else ""
    cents = int(abs(amount) * 100)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    integer = _integer_upper(yuan)
    if not integer and not jiao and not fen:
        return "零元整"
    text = integer + "元" if integer else ""
    if not jiao and not fen:
        return sign + text + "整"
    if jiao:
        text += DIGITS[jiao] + "角"
    elif integer:
        text += "零"
    if fen:
        text += DIGITS[fen] + "分"
    return sign + text


def _integer_upper(number: int) -> str:
    digits = str(number) if number else ""
    out: list[str] = []
    zero_pending = False
    for index, char in enumerate(digits):
        position = len(digits) - 1 - index
        digit = int(char)
        if digit:
            if zero_pending:
                out.append("零")
                zero_pending = False
            out.append(DIGITS[digit] + PLACES[position % 4])
        else:
            zero_pending = True
        if position % 4 == 0 and position:
            group = digits[max(0, index - 3) : index + 1]
            if int(group):
                out.append(GROUPS[position // 4])
    return "".join(out)


def english_words(amount: Decimal, currency: str) -> str:
    """'One thousand, two hundred and thirty-four euro, fifty-six cents'."""
    from num2words import num2words

    amount = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    try:
        text = num2words(amount, lang="en", to="currency", currency=currency)
        if amount == amount.to_integral_value():
            text = re.sub(r", zero \w+$", "", text)  # "two thousand dollars", not "…, zero cents"
    except NotImplementedError:
        whole = int(abs(amount))
        cents = int(abs(amount) * 100) % 100
        unit, minor = MINOR_NAMES.get(currency, (currency, ""))
        text = f"{num2words(whole, lang='en')} {unit}"
        if cents:
            text += (
                f" and {num2words(cents, lang='en')} {minor}" if minor else f" and {cents:02d}/100"
            )
        if amount < 0:
            text = "minus " + text
    return text[:1].upper() + text[1:]


# currencies num2words does not name in English
MINOR_NAMES = {"CNY": ("yuan", "fen"), "HKD": ("Hong Kong dollars", "cents")}


def amount_in_words(amount: Decimal, currency: str, language: str) -> list[str]:
    """The lines a document prints: 大写 for RMB (in both languages, as Chinese bookkeeping
    wants it), English words for English documents and for other currencies."""
    lines = []
    if currency == "CNY":
        lines.append("人民币" + rmb_upper(amount))
    if currency != "CNY" or not language.startswith("zh"):
        lines.append(english_words(amount, currency))
    return lines
