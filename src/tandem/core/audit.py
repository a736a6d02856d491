"""Audit trail rows for a detail page, from django-simple-history's records."""


def _label(obj, field_name: str) -> str:
    try:
        return str(obj._meta.get_field(field_name).verbose_name)
    except Exception:  # a field since removed from the model still has history
        return field_name


def history_rows(obj, limit: int = 50) -> list[dict]:
    records = list(
        obj.history.select_related("history_user").order_by("-history_date")[: limit + 1]
    )
    rows = []
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous)
            changes = [
                {"field": _label(obj, c.field), "old": c.old, "new": c.new} for c in delta.changes
            ]
        rows.append(
            {
                "when": record.history_date,
                "who": record.history_user,
                "kind": record.get_history_type_display(),
                "type": record.history_type,
                "changes": changes,
            }
        )
    return rows
