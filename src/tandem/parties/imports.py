"""Parties as an importable object (see tandem.core.imports): one row is a party with one
contact person, a billing and a shipping address, each written through this app's services."""

from django.utils.translation import gettext_lazy as _

from tandem.core.errors import InvalidReference
from tandem.core.imports import (
    ImportField,
    ImportObject,
    batches,
    import_register,
    keys_of,
    text,
)
from tandem.core.models import ImportKey

from .bulk import PartyEntry, parties_write_bulk
from .models import Address, Contact, Party
from .services import (
    address_create,
    address_update,
    contact_create,
    contact_update,
    party_create,
    party_update,
)

F = ImportField


def party_for_import(run, text: str, *, field: str = "party") -> Party:
    """The party another object's import names: by the key it was imported under, else by
    its exact name (looked up once per import run)."""
    found = run.cached("parties_by_reference", dict)
    if text not in found:
        key = ImportKey.objects.filter(company=run.company, object="parties", key=text).first()
        found[text] = (
            Party.objects.filter(
                company=run.company, **({"pk": key.target_id} if key else {"name": text})
            )
            .order_by("pk")
            .first()
        )
    party = found[text]
    if party is None:
        raise InvalidReference(_("No party %(party)s.") % {"party": text}, field=field)
    return party


def party_refs(company, pks) -> dict[int, str]:
    """How a file names each party for `party_for_import`: the key it was imported under,
    else its name (an export of another object writes these)."""
    pks = {pk for pk in pks if pk is not None}
    if not pks:
        return {}
    refs = dict(Party.objects.filter(company=company, pk__in=pks).values_list("pk", "name"))
    for key, target in ImportKey.objects.filter(
        company=company, object="parties", target_id__in=pks
    ).values_list("key", "target_id"):
        refs[target] = key
    return refs


KEY_ALIASES = ("id", "external id", "code", "ref", "reference", "外部编号", "编号", "编码")
PARTY_FIELDS = (
    F("external_key", _("External key"), required=True, aliases=(*KEY_ALIASES, "客户编码")),
    F("name", _("Name"), required=True, aliases=("display name", "名称", "客户名称", "公司名称")),
    F("kind", _("Kind"), "choice", choices=("organization", "person"), aliases=("类型",)),
    F("is_customer", _("Customer"), "bool", aliases=("客户",)),
    F("is_supplier", _("Supplier"), "bool", aliases=("vendor", "供应商")),
    F("email", _("Email"), aliases=("e-mail", "邮箱", "电子邮件")),
    F("phone", _("Phone"), aliases=("telephone", "电话")),
    F("website", _("Website"), aliases=("网站",)),
    F("tax_id", _("Tax ID"), aliases=("vat", "税号", "纳税人识别号", "统一社会信用代码")),
    F("country", _("Country"), aliases=("country code", "国家")),
    F("currency", _("Currency"), aliases=("币种", "货币")),
    F("credit_limit", _("Credit limit"), "decimal", aliases=("信用额度",)),
    F("tags", _("Tags"), aliases=("标签",), max_length=1000),
    F("notes", _("Notes"), aliases=("备注",), max_length=10_000),
    F("contact_name", _("Contact person"), aliases=("contact", "联系人")),
    F("contact_job_title", _("Contact job title"), aliases=("job title", "职位")),
    F("contact_email", _("Contact email"), aliases=("联系人邮箱",)),
    F("contact_phone", _("Contact phone"), aliases=("联系人电话",)),
    F("contact_mobile", _("Contact mobile"), aliases=("mobile", "手机")),
    F("street", _("Street"), aliases=("address", "地址", "街道")),
    F("street2", _("Street 2"), aliases=("地址2",)),
    F("city", _("City"), aliases=("城市",)),
    F("state", _("State / province"), aliases=("province", "省份", "省")),
    F("postal_code", _("Postal code"), aliases=("zip", "邮编", "邮政编码")),
    F("shipping_street", _("Shipping street"), aliases=("收货地址",)),
    F("shipping_city", _("Shipping city"), aliases=("收货城市",)),
    F("shipping_state", _("Shipping state / province"), aliases=("收货省份",)),
    F("shipping_postal_code", _("Shipping postal code"), aliases=("收货邮编",)),
)
PARTY_COLUMNS = ("kind", "is_customer", "is_supplier", "email", "phone", "website", "tax_id")
PARTY_COLUMNS += ("country", "currency", "credit_limit", "notes")
ADDRESS_COLUMNS = ("street", "street2", "city", "state", "postal_code")


def _picked(values: dict, names, prefix: str = "") -> dict:
    """The mapped columns among `names` (a column left out of the file changes nothing; an
    empty cell clears a text field)."""
    return {
        name: ("" if values[prefix + name] is None else values[prefix + name])
        for name in names
        if prefix + name in values
    }


def _party_fields(values: dict) -> dict:
    data = _picked(values, PARTY_COLUMNS)
    for name in ("kind", "is_customer", "is_supplier", "country", "currency", "credit_limit"):
        if values.get(name) is None:
            data.pop(name, None)  # empty: the default (the company's country and currency)
    if "tags" in values:
        data["tags"] = [t.strip() for t in (values["tags"] or "").split(",") if t.strip()]
    return data


def _contact(party: Party, values: dict) -> None:
    data = _picked(values, ("name", "job_title", "email", "phone", "mobile"), prefix="contact_")
    if not data.get("name"):
        return
    contact = Contact.objects.filter(party=party, name__iexact=data["name"]).first()
    if contact is None:
        contact_create(party=party, **data)
    else:
        contact_update(contact=contact, **data)


def _address(party: Party, values: dict, kind: str, prefix: str) -> None:
    data = _picked(values, ADDRESS_COLUMNS, prefix=prefix)
    if not any(data.values()):
        return
    address = Address.objects.filter(party=party, kind=kind, is_default=True).first()
    if address is None:
        address_create(party=party, kind=kind, **data)
    else:
        address_update(address=address, **data)


def party_import_row(run, values: dict, target_id: int | None):
    data = _party_fields(values)
    party = (
        Party.objects.filter(company=run.company, pk=target_id).first()
        if target_id is not None
        else None
    )
    created = party is None
    if created:
        party = party_create(company=run.company, name=values["name"], **data)
    else:
        party = party_update(party=party, name=values["name"], **data)
    _contact(party, values)
    _address(party, values, Address.Kind.BILLING, "")
    _address(party, values, Address.Kind.SHIPPING, "shipping_")
    return party.pk, created


def _entry(values: dict) -> PartyEntry:
    """A row as the bulk services' entry: what party_import_row passes to party_create (or
    party_update), contact_create and address_create (or their updates)."""
    contact = _picked(values, ("name", "job_title", "email", "phone", "mobile"), prefix="contact_")
    addresses = []
    for kind, prefix in ((Address.Kind.BILLING, ""), (Address.Kind.SHIPPING, "shipping_")):
        data = _picked(values, ADDRESS_COLUMNS, prefix=prefix)
        if any(data.values()):
            addresses.append({"kind": kind, **data})
    return PartyEntry(
        party={"name": values["name"], **_party_fields(values)},
        contact=contact if contact.get("name") else None,
        addresses=addresses,
    )


def party_import_chunk(run, rows) -> list:
    """The chunk written set-based (`parties_write_bulk`): its updates in one pass, its new
    parties in another. A row the update path leaves (a new tax id or email, which the
    duplicate check needs row by row; a party gone since) goes to party_import_row."""
    return parties_write_bulk(
        company=run.company, entries=[(r.target_id, _entry(r.values)) for r in rows]
    )


def party_export(company):
    headers = [f.name for f in PARTY_FIELDS]

    def rows():
        parties = Party.objects.filter(company=company).prefetch_related(
            "tags", "contacts", "addresses"
        )
        for batch in batches(parties):
            keys = keys_of(company, "parties", [p.pk for p in batch])
            for party in batch:
                contact = next(iter(party.contacts.all()), None)
                addresses = {a.kind: a for a in party.addresses.all() if a.is_default}
                billing = addresses.get(Address.Kind.BILLING)
                shipping = addresses.get(Address.Kind.SHIPPING)
                yield [
                    keys[party.pk],
                    party.name,
                    party.kind,
                    text(party.is_customer),
                    text(party.is_supplier),
                    party.email,
                    party.phone,
                    party.website,
                    party.tax_id,
                    party.country,
                    party.currency_id,
                    text(party.credit_limit),
                    ", ".join(t.name for t in party.tags.all()),
                    party.notes,
                    *[
                        getattr(contact, n, "") if contact else ""
                        for n in ("name", "job_title", "email", "phone", "mobile")
                    ],
                    *[getattr(billing, n, "") if billing else "" for n in ADDRESS_COLUMNS],
                    *[
                        getattr(shipping, n, "") if shipping else ""
                        for n in ("street", "city", "state", "postal_code")
                    ],
                ]

    return headers, rows()


def register() -> None:
    import_register(
        ImportObject(
            name="parties",
            label=_("Parties"),
            description=_("Customers and suppliers, each with a contact person and addresses."),
            fields=PARTY_FIELDS,
            key="external_key",
            handler=party_import_row,
            bulk=party_import_chunk,
            perms=("parties.add_party", "parties.change_party"),
            export=party_export,
            export_perm="parties.view_party",
        )
    )
