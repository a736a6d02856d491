"""Reading an import file (through `core.tabular`, within the engine's limits) and the
value of each cell by its field's type; and the helpers of an export that imports back."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from .. import tabular
from .registry import ImportField, ImportObject

MAX_BYTES = 50_000_000
MAX_COLUMNS = 100
# A cell longer than this is an error of its row (`import.cell_too_large`); one longer than
# UNSAFE_CELL_CHARS (e.g. an unclosed quote swallowing the rest of a CSV file) means the
# file's structure cannot be trusted, and the reader refuses the whole file.
MAX_CELL_CHARS = tabular.MAX_CELL_CHARS
UNSAFE_CELL_CHARS = 1024 * 1024
# what the error file keeps of a cell over MAX_CELL_CHARS (the job stores the rejected rows)
CUT_CELL_CHARS = 1000
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "x", "t", "是", "真", "有效"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "f", "否", "假", "无效"})


def _read(obj: ImportObject, name: str, content) -> tabular.Table:
    return tabular.read_table(
        name,
        content,
        max_rows=obj.max_rows,
        max_columns=MAX_COLUMNS,
        max_bytes=MAX_BYTES,
        max_cell_chars=UNSAFE_CELL_CHARS,
    )


def count_rows(obj: ImportObject, name: str, content) -> int:
    """The file's data rows, read through once (so a file past the row limit is refused
    before anything is written)."""
    with _read(obj, name, content) as table:
        return sum(1 for _row in table)


def file_header(obj: ImportObject, name: str, content) -> list[str]:
    """The file's header row, or its refusal (TableRefused, 422)."""
    with _read(obj, name, content) as table:
        return list(table.header)


class CellInvalid(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def parse_decimal(text: str) -> Decimal:
    cleaned = text.replace(",", "").replace(" ", "").replace("¥", "").replace("￥", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise CellInvalid("import.invalid_number", _("Not a number.")) from None
    if not value.is_finite():
        raise CellInvalid("import.invalid_number", _("Not a number."))
    return value


def _parse_date(text: str) -> date:
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T].*)?", text)
    try:
        if match is None:
            raise ValueError
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        raise CellInvalid("import.invalid_date", _("Not a date: write it as 2026-12-31.")) from None


def parse_cell(f: ImportField, text: str):
    """The value of one cell by its field's type (None for an empty optional cell)."""
    if text == "":
        if f.required:
            raise CellInvalid("import.required", _("This field is required."))
        return None  # not given: a create takes the default, an update keeps the value
    if f.type == "text":
        if len(text) > f.max_length:
            raise CellInvalid(
                "import.too_long",
                _("At most %(max)d characters.") % {"max": f.max_length},
            )
        return text
    if f.type == "decimal":
        return parse_decimal(text)
    if f.type == "int":
        value = parse_decimal(text)
        if value != value.to_integral_value():
            raise CellInvalid("import.invalid_number", _("Not a whole number."))
        return int(value)
    if f.type == "bool":
        word = text.casefold()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise CellInvalid("import.invalid_bool", _("Write yes or no."))
    if f.type == "date":
        return _parse_date(text)
    value = text.casefold()
    if value not in f.choices:
        raise CellInvalid(
            "import.invalid_choice",
            _("One of: %(choices)s.") % {"choices": ", ".join(f.choices)},
        )
    return value


# -- export -----------------------------------------------------------------------------------

EXPORT_BATCH = 2000


def batches(queryset, size: int = EXPORT_BATCH) -> Iterator[list]:
    """The rows of `queryset` in primary-key order, `size` at a time (keyset pages, so memory
    stays flat however many rows there are, and each page's prefetches run per page)."""
    last = None
    while True:
        page = queryset.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        batch = list(page[:size])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def text(value) -> str:
    """A value as an export cell that imports back to it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
