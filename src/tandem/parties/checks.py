"""Party master invariants behind `tandem check-integrity` (set-based, one query each)."""

from django.db.models import Count, F

from tandem.core.integrity import register

from .models import Address, Contact, Party


@register("parties: contacts and addresses share their party's company")
def children_in_party_company():
    for model in (Contact, Address):
        rows = (
            model.objects.exclude(company=F("party__company"))
            .order_by("pk")
            .values_list("pk", "party_id")
        )
        for pk, party_id in rows:
            yield f"{model._meta.label} {pk}: company differs from party {party_id}"


@register("parties: tags and payment terms share their party's company")
def references_in_party_company():
    through = Party.tags.through
    tags = (
        through.objects.exclude(tag__company=F("party__company"))
        .order_by("pk")
        .values_list("party_id", "tag_id")
    )
    for party_id, tag_id in tags:
        yield f"party {party_id}: tag {tag_id} belongs to another company"
    terms = (
        Party.objects.filter(payment_term__isnull=False)
        .exclude(payment_term__company=F("company"))
        .order_by("pk")
        .values_list("pk", "payment_term_id")
    )
    for party_id, term_id in terms:
        yield f"party {party_id}: payment term {term_id} belongs to another company"


@register("parties: at most one default address per kind and one primary contact")
def single_defaults():
    addresses = (
        Address.objects.filter(is_default=True)
        .values("party_id", "kind")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("party_id", "kind")
    )
    for row in addresses:
        yield f"party {row['party_id']}: {row['n']} default {row['kind']} addresses"
    contacts = (
        Contact.objects.filter(is_primary=True)
        .values("party_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("party_id")
    )
    for row in contacts:
        yield f"party {row['party_id']}: {row['n']} primary contacts"
