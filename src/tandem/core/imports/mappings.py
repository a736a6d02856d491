"""Columns to fields: guessed from a file's header (English, Chinese, other systems' names)
or given, checked before any row is read, and saved per source ("Odoo export", "金蝶")."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from ..errors import ValidationFailed
from .registry import ERROR_COLUMNS, ImportObject


def _norm(text: str) -> str:
    """A header as compared: case, spaces, punctuation and a required-marker star ignored."""
    return re.sub(r"[\s_\-*./:：（）()]+", "", str(text)).casefold()


def mapping_guess(obj: ImportObject, header: Iterable[str]) -> dict[str, str | None]:
    """Each column of `header` -> the field its name means (by field name, English label or
    an alias), or None."""
    names: dict[str, str] = {}
    for f in obj.fields:
        for text in (f.name, str(f.label), *f.aliases):
            names.setdefault(_norm(text), f.name)
    guess: dict[str, str | None] = {}
    taken: set[str] = set()
    for column in header:
        name = names.get(_norm(column))
        if name in taken:
            name = None
        if name:
            taken.add(name)
        guess[column] = name
    return guess


def mapping_resolve(
    obj: ImportObject, header: list[str], mapping: dict[str, str] | None = None
) -> list[str | None]:
    """The field of each column (None: ignored). `mapping` ({column: field, or "" to ignore
    it}) wins over the guess. Refuses the file (ValidationFailed, field `mapping`) for a
    mapping to a field the object does not have (`import.unknown_field`), a mapped or file
    column that is neither mapped nor guessed (`import.unknown_column`), two columns of one
    field (`import.duplicate_column`) and a required field without a column
    (`import.missing_field`)."""
    mapping = dict(mapping or {})
    for column, name in mapping.items():
        if name and obj.field(name) is None:
            raise ValidationFailed(
                _("%(object)s have no field %(field)s (column %(column)s).")
                % {"object": obj.label, "field": name, "column": column},
                code="import.unknown_field",
                field="mapping",
                extra={"column": column, "field": name},
            )
        if column not in header:
            raise ValidationFailed(
                _("The file has no column %(column)s.") % {"column": column},
                code="import.unknown_column",
                field="mapping",
                extra={"column": column},
            )
    guess = mapping_guess(obj, header)
    fields: list[str | None] = []
    for column in header:
        if column in ERROR_COLUMNS or not column:
            fields.append(None)
            continue
        name = mapping[column] if column in mapping else guess.get(column)
        if column not in mapping and not name:
            raise ValidationFailed(
                _("Column %(column)s is not a field of %(object)s: map it or leave it out.")
                % {"column": column, "object": obj.label},
                code="import.unknown_column",
                field="mapping",
                extra={"column": column},
            )
        if name and name in fields:
            raise ValidationFailed(
                _("Two columns are mapped to %(field)s.") % {"field": name},
                code="import.duplicate_column",
                field="mapping",
                extra={"field": name},
            )
        fields.append(name or None)
    missing = [f.name for f in obj.fields if f.required and f.name not in fields]
    if missing:
        raise ValidationFailed(
            _("The file has no column for %(fields)s.") % {"fields": ", ".join(missing)},
            code="import.missing_field",
            field="mapping",
            extra={"fields": missing},
        )
    return fields


def mapping_saved(company, object_name: str, source: str) -> dict | None:
    from ..models import ImportMapping

    row = ImportMapping.objects.filter(company=company, object=object_name, source=source).first()
    return row.mapping if row is not None else None


@transaction.atomic
def mapping_save(*, company, object_name: str, source: str, mapping: dict) -> None:
    """Keep `mapping` ({column: field}) as `source`'s for this object, replacing the last."""
    from ..models import ImportMapping

    source = (source or "").strip()
    if not source or len(source) > 100:
        raise ValidationFailed(
            _("Name the source in at most 100 characters."),
            code="import.source_invalid",
            field="source",
        )
    ImportMapping.objects.update_or_create(
        company=company, object=object_name, source=source, defaults={"mapping": mapping}
    )
