"""The party blocks of a document (billing, shipping, supplier), read from any party-like
object by its attributes: core cannot import the parties app, which sits above it."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .layout import Block, address_lines, tax_id_label


def party_address(party, kind: str, chosen=None):
    """The chosen address, else the party's default of `kind`, else its first of that kind."""
    if chosen is not None:
        return chosen
    addresses = [a for a in party.addresses.all() if a.kind == kind]
    defaults = [a for a in addresses if a.is_default]
    return (defaults or addresses or [None])[0]


def address_of(address, *, language: str, home_country: str) -> list[str]:
    if address is None:
        return []
    return address_lines(
        street=address.street,
        street2=address.street2,
        city=address.city,
        state=address.state,
        postal_code=address.postal_code,
        country=address.country,
        language=language,
        home_country=home_country,
    )


def party_blocks(
    party,
    *,
    language: str,
    home_country: str,
    title: str,
    billing=None,
    shipping=None,
    shipping_title: str | None = None,
    with_shipping: bool = True,
) -> list[Block]:
    """The party's name, billing address, tax id and contacts; then where goods go, when the
    shipping address differs from the billing one."""
    billing = party_address(party, "billing", billing)
    lines = [party.name]
    lines += address_of(billing, language=language, home_country=home_country)
    if party.tax_id:
        lines.append(f"{tax_id_label(party.country or home_country)}: {party.tax_id}")
    contact = [c for c in (party.phone, party.email) if c]
    if contact:
        lines.append(" · ".join(contact))
    blocks = [Block(title, lines)]
    if with_shipping:
        shipping = party_address(party, "shipping", shipping)
        if shipping is not None and (billing is None or shipping.pk != billing.pk):
            blocks.append(
                Block(
                    shipping_title or _("Ship to"),
                    [
                        party.name,
                        *address_of(shipping, language=language, home_country=home_country),
                    ],
                )
            )
    return blocks
