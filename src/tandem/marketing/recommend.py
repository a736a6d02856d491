"""The `{{ products }}` merge field: a block of the products recommended to each recipient.

The recommendations are the analytics app's ("for this customer": repeat purchases blended
with similar products, `PartyRecommendation` of the active run, refreshed when analytics
trains). Marketing sits above analytics (tests/core/test_layering.py) and reads them as it
reads the RFM scores: one query per chunk of recipients, never per message. Without an
active run, or for a party with no recommendation, the block is empty (the email still goes;
the template's own text around the field stays)."""

from __future__ import annotations

import html
from decimal import Decimal

BLOCK_SIZE = 3


class Block(str):
    """A merge value that is already HTML: `html` goes into the HTML part unescaped (its own
    text escaped when built), the str itself (plain text) into the subject and text part."""

    html: str

    def __new__(cls, text: str, html_: str):
        obj = str.__new__(cls, text)
        obj.html = html_
        return obj


EMPTY = Block("", "")


def recommendations_map(company_id: int, party_ids, *, limit: int = BLOCK_SIZE) -> dict:
    """{party id: [(product name, list price)]}, best first, at most `limit` each, for the
    parties of one chunk. One query; {} when analytics is not installed."""
    from django.apps import apps

    if not apps.is_installed("tandem.analytics") or not party_ids:
        return {}
    from tandem.analytics.models import PartyRecommendation

    rows = (
        PartyRecommendation.objects.filter(
            company_id=company_id,
            party_id__in=list(party_ids),
            run__state="active",
            rank__lte=limit,
            product__active=True,
        )
        .order_by("party_id", "rank", "pk")
        .values_list("party_id", "product__name", "product__list_price")
    )
    out: dict[int, list] = {}
    for party_id, name, price in rows:
        items = out.setdefault(party_id, [])
        if len(items) < limit:
            items.append((name, price))
    return out


def first_with_recommendations(company_id: int, parties):
    """The first party (by id) of a queryset of parties that has recommendations in the
    active run, or None (also without analytics). One query."""
    from django.apps import apps

    if not apps.is_installed("tandem.analytics"):
        return None
    from tandem.analytics.models import PartyRecommendation

    having = PartyRecommendation.objects.filter(
        company_id=company_id, run__state="active", product__active=True
    ).values("party_id")
    return parties.filter(pk__in=having).order_by("pk").first()


def product_block(items, currency: str) -> Block:
    """The block for one recipient: an HTML table of name and price, and the same as text
    lines. Names are escaped (a product name is data, not markup)."""
    if not items:
        return EMPTY

    def price(value) -> str:
        return f"{Decimal(value or 0):,.2f} {currency}".strip()

    cells = "".join(
        '<tr><td style="padding:4px 12px 4px 0">'
        f"{html.escape(name)}</td>"
        f'<td style="padding:4px 0;text-align:right">{html.escape(price(value))}</td></tr>'
        for name, value in items
    )
    block_html = f'<table class="products" role="presentation">{cells}</table>'
    text = "\n".join(f"- {name}: {price(value)}" for name, value in items)
    return Block(text, block_html)
