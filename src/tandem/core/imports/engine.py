"""The engine: a file's rows parsed, checked, written in chunks (set-based where the object
has a chunk writer) or, for an atomic object, whole or not at all."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from itertools import islice

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .. import tabular
from ..errors import DomainError
from ..jobs import MAX_ERRORS
from .formats import (
    CUT_CELL_CHARS,
    MAX_CELL_CHARS,
    CellInvalid,
    _read,
    count_rows,
    file_header,
    parse_cell,
)
from .keys import _known_keys, _save_keys
from .mappings import mapping_resolve
from .registry import PREVIEW_ROWS, BulkRow, ImportObject, ImportRun, import_object


def _error(row: int, code: str, message: str, field: str | None = None) -> dict:
    return {"row": row, "field": field, "code": code, "message": str(message)}


def domain_errors(row: int, exc: DomainError) -> list[dict]:
    """A service's refusal as row errors, one per field it names."""
    if exc.errors:
        return [
            _error(row, e.get("code") or exc.code, e["message"], e.get("field")) for e in exc.errors
        ]
    return [_error(row, exc.code, exc.message, exc.field)]


@dataclass
class ImportReport:
    object: str
    dry_run: bool
    header: list[str] = field(default_factory=list)
    fields: list[str | None] = field(default_factory=list)
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[dict] = field(default_factory=list)  # row, field, code, message
    rejected: dict[int, list[str]] = field(default_factory=dict)  # row -> its cells
    preview: list[dict] = field(default_factory=list)
    refused: dict | None = None  # the whole file refused by `finish` (code, message)
    result: dict = field(default_factory=dict)  # what `finish` answered
    preview_limit: int = PREVIEW_ROWS
    errors_sent: int = 0  # to the job, so far

    @property
    def rejected_count(self) -> int:
        return len({e["row"] for e in self.errors})

    @property
    def ok(self) -> bool:
        return not self.errors and self.refused is None

    def as_dict(self) -> dict:
        return {
            "object": self.object,
            "dry_run": self.dry_run,
            "columns": dict(zip(self.header, self.fields, strict=False)),
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "rejected": self.rejected_count,
            "errors": self.errors[:MAX_ERRORS],
            "refused": self.refused,
            "preview": self.preview,
            **self.result,
        }


def _cells_too_large(fields: list[str | None], row: tabular.Row) -> list[dict]:
    """An error per cell of `row` over MAX_CELL_CHARS, each cell cut short in the row (the
    job keeps the rejected rows for the error file, where the cut cell is to be fixed)."""
    errors = []
    for index, cell in enumerate(row.cells):
        if len(cell) > MAX_CELL_CHARS:
            name = fields[index] if index < len(fields) else None
            errors.append(
                _error(
                    row.number,
                    "import.cell_too_large",
                    _(
                        "A cell longer than %(max)d characters (%(length)d); the error file keeps "
                        "its first %(kept)d."
                    )
                    % {"max": MAX_CELL_CHARS, "length": len(cell), "kept": CUT_CELL_CHARS},
                    name,
                )
            )
            row.cells[index] = cell[:CUT_CELL_CHARS] + "…"
    return errors


def _parse(obj: ImportObject, fields: list[str | None], row: tabular.Row):
    values: dict = {}
    errors = [_error(row.number, e["code"], e["message"], e.get("field")) for e in row.errors]
    too_large = _cells_too_large(fields, row)
    if too_large:
        return values, errors + too_large
    for index, name in enumerate(fields):
        if name is None:
            continue
        f = obj.field(name)
        text = row.cells[index] if index < len(row.cells) else ""
        try:
            values[name] = parse_cell(f, text)
        except CellInvalid as exc:
            errors.append(_error(row.number, exc.code, exc.message, name))
    return values, errors


def _chunk(
    run: ImportRun, report: ImportReport, rows: list[tabular.Row], seen: dict[str, int]
) -> None:
    obj = run.object
    parsed = []
    for row in rows:
        values, errors = _parse(obj, report.fields, row)
        if obj.key_of is not None:
            key = obj.key_of(values) if not errors else None
        else:
            key = values.get(obj.key) if obj.key else None
        if key is not None and not errors:
            key = str(key)
            if key in seen:
                errors.append(
                    _error(
                        row.number,
                        "import.duplicate_key",
                        _("Key %(key)s is on row %(row)d already.")
                        % {"key": key, "row": seen[key]},
                        obj.key,
                    )
                )
            else:
                seen[key] = row.number
        parsed.append((row, values, key, errors))
    known = _known_keys(run.company, obj, [p[2] for p in parsed if p[2] is not None])
    written: dict[str, int] = {}
    with transaction.atomic():
        outcomes = _bulk_write(run, parsed, known)
        for index, (row, values, key, errors) in enumerate(parsed):
            action = "error"
            if not errors:
                try:
                    outcome = outcomes.get(index)
                    if outcome is None:
                        with transaction.atomic():
                            outcome = obj.handler(run, values, known.get(key))
                    elif isinstance(outcome, DomainError):
                        raise outcome
                    target, created = outcome
                except DomainError as exc:
                    errors = domain_errors(row.number, exc)
                else:
                    action = "create" if created else "update"
                    report.created += created
                    report.updated += not created
                    if target is not None and key is not None and obj.key_of is None:
                        written[key] = target
            if errors:
                report.errors.extend(errors)
                if len(report.rejected) < MAX_ERRORS:
                    report.rejected[row.number] = row.cells
            if len(report.preview) < report.preview_limit:
                report.preview.append(
                    {
                        "row": row.number,
                        "values": {
                            n: row.cells[i] if i < len(row.cells) else ""
                            for i, n in enumerate(report.fields)
                            if n
                        },
                        "action": action,
                        "errors": errors,
                    }
                )
        _save_keys(run.company, obj, written, known)


def _bulk_write(run: ImportRun, parsed: list, known: dict[str, int]) -> dict:
    """The outcome of each row of `parsed` the chunk writer wrote, and of each row it left
    to the row handler, which writes it before the writer goes on with the rows after it
    (so that both paths meet the rows in file order). Empty without a writer. A database
    refusal of a set-based write (a concurrent writer took a unique value) rolls that write
    back, and the rows from there on go through the row handler, which names the culprit."""
    obj = run.object
    if obj.bulk is None:
        return {}
    ready = [(index, p) for index, p in enumerate(parsed) if not p[3]]
    outcomes: dict = {}
    start = 0
    while start < len(ready):
        rest = ready[start:]
        try:
            with transaction.atomic():
                done = obj.bulk(
                    run, [BulkRow(r.number, v, known.get(k)) for _i, (r, v, k, _e) in rest]
                )
        except IntegrityError:
            break
        for (index, _p), outcome in zip(rest, done, strict=False):
            outcomes[index] = outcome
        start += len(done)
        if start < len(ready):
            index, (_row, values, key, _errors) = ready[start]
            try:
                with transaction.atomic():
                    outcomes[index] = obj.handler(run, values, known.get(key))
            except DomainError as exc:
                outcomes[index] = exc
            start += 1
    return outcomes


def import_run(
    *,
    company,
    object_name: str,
    name: str,
    content,
    mapping: dict | None = None,
    dry_run: bool = False,
    user=None,
    progress=None,
    preview: int = PREVIEW_ROWS,
    limit: int | None = None,
    checked: bool = False,
) -> ImportReport:
    """Import (or with `dry_run`, check) the file `name` holding `content` as `object_name`.

    File-level refusals raise ValidationFailed/TableRefused (422) before anything is written.
    Row refusals are in `report.errors`; the other rows are written, in chunks, unless the
    object is atomic (then nothing is written when any row is refused or `finish` refuses).
    `progress` (a JobContext) hears of each chunk; `limit` stops after that many rows (the
    page's preview).

    A file that commits in chunks is read through once before anything is written, so that
    what the reader refuses only when it gets there (a row past the limit, a cell over
    1 M, whose file is unsafe) refuses the whole file instead of leaving the chunks before
    it; `checked` says the caller did that (the job, which counts the rows for its progress
    bar). A cell over 128 K is only its row's error (`import.cell_too_large`)."""
    obj = import_object(object_name)
    report = ImportReport(object=obj.name, dry_run=dry_run, preview_limit=preview)
    run = ImportRun(company=company, user=user, dry_run=dry_run, object=obj)
    seen: dict[str, int] = {}
    whole = dry_run or obj.atomic
    if not whole and not checked and limit is None:
        count_rows(obj, name, content)
        if hasattr(content, "seek"):
            content.seek(0)
    with _read(obj, name, content) as table:
        report.header = list(table.header)
        report.fields = mapping_resolve(obj, report.header, mapping)
        rows: Iterator[tabular.Row] = iter(table)
        if limit is not None:
            rows = islice(rows, limit)
        with transaction.atomic() if whole else nullcontext():
            while chunk := list(islice(rows, obj.chunk_size)):
                _chunk(run, report, chunk, seen)
                report.rows += len(chunk)
                if progress is not None:
                    _report_progress(progress, report)
            if obj.finish is not None and report.ok and (limit is None or dry_run):
                try:
                    with transaction.atomic():
                        report.result = obj.finish(run) or {}
                except DomainError as exc:
                    report.refused = {"code": exc.code, "message": exc.message, **exc.extra}
            if dry_run or (obj.atomic and not report.ok):
                transaction.set_rollback(True)
    if obj.atomic and not report.ok and not dry_run:
        report.created = report.updated = 0
    return report


def _report_progress(progress, report: ImportReport) -> None:
    pending = report.errors[report.errors_sent :]
    for error in pending:
        progress.error(
            error["message"],
            code=error["code"],
            row=error["row"],
            field=error["field"],
            cells=report.rejected.get(error["row"]),
        )
    report.errors_sent = len(report.errors)
    progress.progress(report.rows)


def import_check(obj: ImportObject, name: str, content, mapping: dict | None = None) -> dict:
    """The file's header and the field each column maps to, or the file's refusal (422) —
    before a job is queued, so that a file that cannot be imported is answered at once."""
    header = file_header(obj, name, content)
    return {"header": header, "fields": mapping_resolve(obj, header, mapping)}
