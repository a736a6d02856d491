"""Segments: create, change, evaluate (members as one queryset), preview, freeze."""

from django.db import IntegrityError, transaction

from tandem.core.errors import Duplicate, InvalidReference, ValidationFailed
from tandem.parties.models import Party

from ..models import Segment, SegmentKind, SegmentMember
from ..segments import compile_rules


def _name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed("name: 1 to 200 characters", field="name")
    return name


def _kind(kind: str) -> str:
    if kind not in SegmentKind.values:
        raise ValidationFailed("kind: dynamic or static", code="segment.bad_kind", field="kind")
    return kind


def segment_parties(*, company, rules):
    """The company's parties a rule tree selects (a lazy queryset, one SQL statement)."""
    return compile_rules(rules, company=company).apply(Party.objects.filter(company=company))


def segment_members(*, segment: Segment):
    """The segment's parties now: the rule tree's (dynamic) or the frozen list (static)."""
    qs = Party.objects.filter(company_id=segment.company_id)
    if segment.kind == SegmentKind.STATIC:
        return qs.filter(pk__in=SegmentMember.objects.filter(segment=segment).values("party_id"))
    return compile_rules(segment.rules, company=segment.company).apply(qs)


def segment_preview(*, company, rules, limit: int = 10) -> dict:
    parties = segment_parties(company=company, rules=rules)
    first = list(parties.order_by("name", "pk").values("id", "name", "email")[:limit])
    return {"count": parties.count(), "members": first}


def _set_members(segment: Segment, party_ids) -> None:
    ids = list(dict.fromkeys(party_ids))
    found = set(
        Party.objects.filter(company_id=segment.company_id, pk__in=ids).values_list("pk", flat=True)
    )
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise InvalidReference(f"members: no party with id {missing[0]}", field="members")
    SegmentMember.objects.filter(segment=segment).delete()
    SegmentMember.objects.bulk_create(
        [SegmentMember(company_id=segment.company_id, segment=segment, party_id=pk) for pk in ids],
        batch_size=2000,
    )


@transaction.atomic
def segment_create(
    *, company, name: str, kind: str = "dynamic", rules=None, description: str = "", members=None
) -> Segment:
    """A segment; a dynamic one's rules are compiled first (a bad tree writes nothing). A
    static one takes `members` (party ids) or, without them, freezes what `rules` select."""
    rules = rules or {}
    compile_rules(rules, company=company)
    segment = Segment(
        company=company, name=_name(name), kind=_kind(kind), rules=rules, description=description
    )
    try:
        with transaction.atomic():
            segment.save()
    except IntegrityError:
        raise Duplicate(
            f"A segment named {segment.name!r} exists.", code="segment.duplicate", field="name"
        ) from None
    if segment.kind == SegmentKind.STATIC:
        if members is None:
            members = segment_parties(company=company, rules=rules).values_list("pk", flat=True)
        _set_members(segment, list(members))
    return segment


@transaction.atomic
def segment_update(*, segment: Segment, **changes) -> Segment:
    locked = Segment.objects.select_for_update().get(pk=segment.pk)
    if "rules" in changes:
        compile_rules(changes["rules"] or {}, company=locked.company)
        locked.rules = changes["rules"] or {}
    if "name" in changes:
        locked.name = _name(changes["name"])
    if "description" in changes:
        locked.description = changes["description"] or ""
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError:
        raise Duplicate(
            f"A segment named {locked.name!r} exists.", code="segment.duplicate", field="name"
        ) from None
    if changes.get("members") is not None:
        if locked.kind != SegmentKind.STATIC:
            raise ValidationFailed(
                "members: only a static segment has a member list",
                code="segment.not_static",
                field="members",
            )
        _set_members(locked, changes["members"])
    return locked
