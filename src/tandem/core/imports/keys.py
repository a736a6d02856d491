"""External keys: the source system's key of each imported record (`ImportKey`), so that
importing a file again updates what the first import created."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..models import ImportKey
from .inserts import rows_insert
from .registry import ImportObject

OWN_KEY = re.compile(r"tandem:(\d{1,18})")


def own_key(pk: int) -> str:
    """The key an export writes for a record no import created: importing the exported file
    again finds the record by it."""
    return f"tandem:{pk}"


def _known_keys(company, obj: ImportObject, keys: list[str]) -> dict[str, int]:
    if obj.key is None or obj.natural_key or obj.key_of is not None or not keys:
        return {}
    known = dict(
        ImportKey.objects.filter(company=company, object=obj.name, key__in=keys).values_list(
            "key", "target_id"
        )
    )
    for key in keys:  # the handler looks the id up in its company, so a forged one is new
        match = OWN_KEY.fullmatch(key)
        if match and key not in known:
            known[key] = int(match.group(1))
    return known


def _save_keys(company, obj: ImportObject, written: dict[str, int], known: dict[str, int]):
    if obj.natural_key:
        return
    fresh = [k for k in written if k not in known]
    rows_insert(
        ImportKey,
        [
            {"company_id": company.pk, "object": obj.name, "key": k, "target_id": written[k]}
            for k in fresh
        ],
    )
    for key in written:  # a key whose record was deleted since points at the new one
        if key in known and known[key] != written[key]:
            ImportKey.objects.filter(company=company, object=obj.name, key=key).update(
                target_id=written[key]
            )


def keys_of(company, object_name: str, pks: Iterable[int]) -> dict[int, str]:
    """The external key each record was imported under (else `own_key`), for an export that
    imports back onto the same records."""
    pks = list(pks)
    found = {
        target: key
        for key, target in ImportKey.objects.filter(
            company=company, object=object_name, target_id__in=pks
        ).values_list("key", "target_id")
    }
    return {pk: found.get(pk) or own_key(pk) for pk in pks}
