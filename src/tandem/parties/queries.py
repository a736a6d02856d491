"""Read side of the party master: the filtered list, the detail, the export rows."""

import re
from collections.abc import Iterator

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from tandem.core.models import Company

from .models import Address, Contact, Party, Tag

ORDERINGS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "created_at": ("created_at", "id"),
    "-created_at": ("-created_at", "-id"),
    "country": ("country", "name", "id"),
    "-country": ("-country", "name", "id"),
}
ROLES = ("customer", "supplier")


def party_search(queryset: QuerySet, search: str) -> QuerySet:
    """Match name, email, phone, tax id or a contact person's name."""
    search = (search or "").strip()
    if not search:
        return queryset
    condition = (
        Q(name__icontains=search)
        | Q(email__icontains=search)
        | Q(Exists(Contact.objects.filter(party=OuterRef("pk"), name__icontains=search)))
    )
    compact = re.sub(r"[\s\-./]", "", search)
    if compact:
        condition |= Q(tax_id__icontains=compact)
    digits = re.sub(r"\D", "", search).lstrip("0")  # a national trunk 0 is not in E.164
    if len(digits) >= 3 and re.fullmatch(r"[\d\s+\-().]+", search):
        # A phone number as typed ("138 0013 8000") against the stored E.164 digits.
        condition |= Q(phone__contains=digits)
    return queryset.filter(condition)


def parties_filtered(
    company: Company,
    *,
    search: str = "",
    role: str = "",
    is_customer: bool | None = None,
    is_supplier: bool | None = None,
    country: str = "",
    tag: str = "",
    active: bool | None = None,
    ordering: str = "name",
) -> QuerySet:
    """The company's parties matching the list filters, in a stable order."""
    qs = Party.objects.filter(company=company)
    qs = party_search(qs, search)
    if role == "customer":
        qs = qs.filter(is_customer=True)
    elif role == "supplier":
        qs = qs.filter(is_supplier=True)
    if is_customer is not None:
        qs = qs.filter(is_customer=is_customer)
    if is_supplier is not None:
        qs = qs.filter(is_supplier=is_supplier)
    if country:
        qs = qs.filter(country=country.strip().upper())
    if tag:
        qs = qs.filter(
            Exists(
                Party.tags.through.objects.filter(
                    party_id=OuterRef("pk"), tag__name__iexact=tag.strip()
                )
            )
        )
    if active is not None:
        qs = qs.filter(active=active)
    return qs.order_by(*ORDERINGS.get(ordering, ORDERINGS["name"]))


def with_related(queryset: QuerySet) -> QuerySet:
    """Everything a party's JSON or list row shows, in a fixed number of queries."""
    return queryset.select_related("payment_term").prefetch_related(
        Prefetch("tags", queryset=Tag.objects.order_by("name")),
        Prefetch("addresses", queryset=Address.objects.order_by("kind", "-is_default", "id")),
        Prefetch("contacts", queryset=Contact.objects.order_by("-is_primary", "name", "id")),
    )


def party_detail(company: Company, pk) -> Party | None:
    return with_related(Party.objects.filter(company=company, pk=pk)).first()


def party_countries(company: Company) -> list[str]:
    """The countries the company's parties are in, for the list filter."""
    return list(
        Party.objects.filter(company=company)
        .exclude(country="")
        .order_by("country")
        .values_list("country", flat=True)
        .distinct()
    )


EXPORT_COLUMNS = [
    ("id", "id"),
    ("kind", "kind"),
    ("name", "name"),
    ("is_customer", "is_customer"),
    ("is_supplier", "is_supplier"),
    ("email", "email"),
    ("phone", "phone"),
    ("website", "website"),
    ("tax_id", "tax_id"),
    ("country", "country"),
    ("currency", "currency_id"),
    ("credit_limit", "credit_limit"),
    ("payment_term", "payment_term__name"),
    ("active", "active"),
    ("created_at", "created_at"),
]


def export_headers() -> list[str]:
    return [header for header, _ in EXPORT_COLUMNS]


def export_rows(queryset: QuerySet) -> Iterator[tuple]:
    """The rows of `queryset` as plain values, streamed from the database."""
    fields = [field for _, field in EXPORT_COLUMNS]
    for row in queryset.values_list(*fields).iterator(chunk_size=2000):
        # Spreadsheets want naive datetimes; keep UTC and say so in the value.
        *rest, created_at = row
        yield (*rest, created_at.strftime("%Y-%m-%d %H:%M:%SZ") if created_at else "")
