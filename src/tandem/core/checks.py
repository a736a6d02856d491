"""Core invariants: company on every business row, valid memberships, gapless sequences."""

from django.apps import apps
from django.db.models import Count, F, Max, Min

from .integrity import register
from .models import CompanyScoped, Membership, Sequence, SequenceNumber


def company_scoped_models():
    return [m for m in apps.get_models() if issubclass(m, CompanyScoped)]


@register("every business row has a company")
def rows_have_company():
    for model in company_scoped_models():
        missing = model._base_manager.filter(company__isnull=True).count()
        if missing:
            yield f"{model._meta.label}: {missing} rows without company"


@register("memberships are valid")
def memberships_valid():
    no_roles = (
        Membership.objects.filter(is_active=True)
        .annotate(n=Count("roles"))
        .filter(n=0)
        .values_list("user__username", "company__code")
    )
    for username, code in no_roles:
        yield f"{username} @ {code}: active membership without any role"
    inactive_default = Membership.objects.filter(
        is_active=False, user__default_company=F("company")
    ).values_list("user__username", "company__code")
    for username, code in inactive_default:
        yield f"{username}: default company {code} but membership inactive"


@register("sequences are gapless and monotonic")
def sequences_gapless():
    stats = SequenceNumber.objects.values("sequence").annotate(
        lo=Min("number"), hi=Max("number"), n=Count("id")
    )
    by_sequence = {row["sequence"]: row for row in stats}
    for seq in Sequence.objects.all():
        row = by_sequence.get(seq.pk, {"lo": None, "hi": 0, "n": 0})
        if row["n"] and (row["lo"] != 1 or row["hi"] != row["n"]):
            yield f"{seq}: numbers {row['lo']}..{row['hi']} but {row['n']} issued (gap)"
        if row["hi"] != seq.last_number:
            yield f"{seq}: counter at {seq.last_number}, highest issued {row['hi']}"
