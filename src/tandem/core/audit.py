"""Audit trail rows for a detail page, from django-simple-history's records.

Values are shown as a user reads them: a choice by its translated label, a reference by the
record's name (one query per referenced model, not per change), a flag as yes or no; never
the stored code or id (`stage: 3 -> 5`).
"""

from collections import defaultdict

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _


def _field(obj, field_name: str):
    try:
        return obj._meta.get_field(field_name)
    except FieldDoesNotExist:  # a field since removed from the model still has history
        return None


def _label(obj, field_name: str) -> str:
    field = _field(obj, field_name)
    return str(field.verbose_name) if field is not None else field_name


def _referenced(obj, changes) -> dict[tuple[str, object], str]:
    """The names of the records that changed references point to, per (field, pk)."""
    wanted: dict[str, set] = defaultdict(set)
    for change in changes:
        field = _field(obj, change.field)
        if field is not None and field.is_relation and field.many_to_one:
            wanted[change.field].update(v for v in (change.old, change.new) if v is not None)
    names = {}
    for field_name, pks in wanted.items():
        model = _field(obj, field_name).related_model
        for record in model._default_manager.filter(pk__in=pks):
            names[(field_name, record.pk)] = str(record)
    return names


def _shown(obj, field_name: str, value, names: dict):
    if value is None or value == "":
        return value
    field = _field(obj, field_name)
    if field is None:
        return value
    if field.is_relation and field.many_to_one:
        return names.get((field_name, value), f"#{value}")
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return value


def history_rows(obj, limit: int = 50) -> list[dict]:
    records = list(
        obj.history.select_related("history_user").order_by("-history_date")[: limit + 1]
    )
    deltas = []
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None and record.history_type == "~":
            changes = record.diff_against(previous).changes
        deltas.append((record, changes))
    names = _referenced(obj, [change for _record, changes in deltas for change in changes])
    return [
        {
            "when": record.history_date,
            "who": record.history_user,
            "kind": record.get_history_type_display(),
            "type": record.history_type,
            "changes": [
                {
                    "field": _label(obj, c.field),
                    "old": _shown(obj, c.field, c.old, names),
                    "new": _shown(obj, c.field, c.new, names),
                }
                for c in changes
            ],
        }
        for record, changes in deltas
    ]
