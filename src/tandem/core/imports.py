"""Import of any registered object from CSV or XLSX: the registry and the engine.

An app declares what it can import in its `imports.py` (registered from its AppConfig.ready):
an `ImportObject` with its fields (type, required, aliases in English and Chinese so that the
mapping is guessed from a file's header), the field that is the source system's key, and a
row handler that calls the app's own services. The engine here does the rest, the same way
for every object:

- the file is read by `core.tabular` (type by content, size, row, column, cell and zip limits);
- columns map to fields by an explicit mapping or by the guess; an unknown column, a mapping
  to a field the object does not have, two columns for one field or a required field without
  a column refuse the file (422) before any row is read;
- each row's cells are parsed by field type; a row with an error is rejected with stable codes
  and the row number; a key seen earlier in the file is `import.duplicate_key`;
- a known key (`ImportKey`, or the object's natural key such as a SKU) updates its record, a
  new one creates it, so importing the same file twice creates nothing the second time;
- rows are committed in chunks (a rejected row never stops the others: its reasons go to the
  error file, to be fixed and imported again), except for an `atomic` object such as an
  opening balance, whose file is written whole or not at all, then `finish`ed (e.g. posted
  as one balanced entry);
- a dry run does all of it and rolls back.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import islice

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import tabular
from .errors import DomainError, NotFound, ValidationFailed
from .jobs import MAX_ERRORS, job_kind
from .models import ImportKey

MAX_BYTES = 50_000_000
MAX_COLUMNS = 100
PREVIEW_ROWS = 20
# The error file adds these two columns before the file's own; importing the fixed error file
# again ignores them.
ERROR_COLUMNS = ("_row", "_error")
FIELD_TYPES = frozenset({"text", "decimal", "int", "bool", "date", "choice"})
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "x", "t", "是", "真", "有效"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "f", "否", "假", "无效"})
IMPORT_JOB = "core.import"


@dataclass(frozen=True)
class ImportField:
    name: str
    label: object  # a lazy translation
    type: str = "text"
    required: bool = False
    aliases: tuple[str, ...] = ()  # other headers meaning this field (Chinese, Odoo, ...)
    choices: tuple[str, ...] = ()
    max_length: int = 200


@dataclass
class ImportRun:
    """What a row handler gets besides the row: the company and user, whether this is a dry
    run, a cache for its look-ups (categories by name, ...) and, for an atomic object, the
    rows collected for its `finish`."""

    company: object
    user: object
    dry_run: bool
    object: ImportObject
    cache: dict = field(default_factory=dict)
    collected: list = field(default_factory=list)

    def cached(self, name: str, load: Callable[[], dict]) -> dict:
        if name not in self.cache:
            self.cache[name] = load()
        return self.cache[name]


# handler(run, values, target_id) -> (id of the record written, created?)
RowHandler = Callable[[ImportRun, dict, "int | None"], "tuple[int | None, bool]"]


@dataclass(frozen=True)
class BulkRow:
    """A row of a chunk that passed the engine's checks, as a chunk writer gets it."""

    number: int
    values: dict
    target_id: int | None


# A chunk writer writes set-based the leading rows it can and answers, for each of them in
# order, the row's (id, created?) or its refusal (a DomainError). The first row it leaves
# (an update, a row needing a record created on the way) goes through the row handler, then
# the writer gets the rows after it. Its refusals are the ones the row handler would give,
# so both paths leave the same rows.
ChunkWriter = Callable[[ImportRun, list[BulkRow]], "list[tuple[int, bool] | DomainError]"]


@dataclass(frozen=True)
class ImportObject:
    name: str  # as in the URL and the CLI: "parties", "products", ...
    label: object
    fields: tuple[ImportField, ...]
    handler: RowHandler
    perms: tuple[str, ...]  # what the importing user must hold
    # writes a chunk set-based (see ChunkWriter); the row handler does what it leaves
    bulk: ChunkWriter | None = None
    key: str | None = None  # the field holding the source's key
    # True: the handler finds the record by the key itself (a SKU); False: through ImportKey
    natural_key: bool = False
    # a key made of several fields (a price list item: list, product, quantity, date), for
    # the duplicate check within a file; implies natural_key
    key_of: Callable[[dict], str] | None = None
    atomic: bool = False  # the whole file or nothing
    finish: Callable[[ImportRun], dict | None] | None = None
    chunk_size: int = 500
    max_rows: int = 100_000
    # export(company) -> (headers, rows iterator); headers are field names, re-importable
    export: Callable | None = None
    export_perm: str = ""
    description: object = ""

    def field(self, name: str) -> ImportField | None:
        return next((f for f in self.fields if f.name == name), None)


_OBJECTS: dict[str, ImportObject] = {}


def import_register(obj: ImportObject) -> ImportObject:
    """Declare an importable object (from an app's AppConfig.ready; registering twice, as
    Django's test runner may, replaces it)."""
    for f in obj.fields:
        if f.type not in FIELD_TYPES:
            raise ValueError(f"{obj.name}.{f.name}: unknown field type {f.type}")
    if obj.key is not None and obj.field(obj.key) is None:
        raise ValueError(f"{obj.name}: key {obj.key} is not one of its fields")
    _OBJECTS[obj.name] = obj
    return obj


def import_objects() -> list[ImportObject]:
    return list(_OBJECTS.values())


def import_object(name: str) -> ImportObject:
    try:
        return _OBJECTS[name]
    except KeyError:
        raise NotFound(
            _("Nothing called %(name)s can be imported.") % {"name": name},
            code="import.object_unknown",
        ) from None


# -- mapping ----------------------------------------------------------------------------------


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


# -- values -----------------------------------------------------------------------------------


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


def _error(row: int, code: str, message: str, field: str | None = None) -> dict:
    return {"row": row, "field": field, "code": code, "message": str(message)}


def domain_errors(row: int, exc: DomainError) -> list[dict]:
    """A service's refusal as row errors, one per field it names."""
    if exc.errors:
        return [
            _error(row, e.get("code") or exc.code, e["message"], e.get("field")) for e in exc.errors
        ]
    return [_error(row, exc.code, exc.message, exc.field)]


# -- the engine -------------------------------------------------------------------------------


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


def _read(obj: ImportObject, name: str, content) -> tabular.Table:
    return tabular.read_table(
        name, content, max_rows=obj.max_rows, max_columns=MAX_COLUMNS, max_bytes=MAX_BYTES
    )


def count_rows(obj: ImportObject, name: str, content) -> int:
    """The file's data rows, read through once (so a file past the row limit is refused
    before anything is written)."""
    with _read(obj, name, content) as table:
        return sum(1 for _row in table)


def _parse(obj: ImportObject, fields: list[str | None], row: tabular.Row):
    values: dict = {}
    errors = [_error(row.number, e["code"], e["message"], e.get("field")) for e in row.errors]
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
    ImportKey.objects.bulk_create(
        [ImportKey(company=company, object=obj.name, key=k, target_id=written[k]) for k in fresh]
    )
    for key in written:  # a key whose record was deleted since points at the new one
        if key in known and known[key] != written[key]:
            ImportKey.objects.filter(company=company, object=obj.name, key=key).update(
                target_id=written[key]
            )


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
    128 K) refuses the whole file instead of leaving the chunks before it; `checked` says
    the caller did that (the job, which counts the rows for its progress bar)."""
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


# -- the job ----------------------------------------------------------------------------------


def import_start(
    *, company, user, object_name: str, name: str, content: bytes, mapping=None, dry_run=False
):
    """Queue the import of a file as a job (its progress, errors and error file on /jobs)."""
    from .jobs import job_start

    import_object(object_name)
    return job_start(
        IMPORT_JOB,
        company=company,
        user=user,
        params={
            "object": object_name,
            "name": name,
            "content": base64.b64encode(content).decode(),
            "mapping": mapping or {},
            "dry_run": bool(dry_run),
        },
    )


@job_kind(IMPORT_JOB, label=gettext_lazy("Import"))
def import_job(ctx, object: str, name: str, content: str, mapping=None, dry_run=False) -> dict:
    """Not resumable: chunks committed before a worker was killed stay, and importing the
    file again updates them by key, so the user re-runs it instead."""
    obj = import_object(object)
    data = base64.b64decode(content)
    ctx.set_total(count_rows(obj, name, data))
    report = import_run(
        company=ctx.company,
        user=ctx.user,
        object_name=object,
        name=name,
        content=data,
        mapping=mapping,
        dry_run=dry_run,
        progress=ctx,
        preview=0,
        checked=True,
    )
    ctx.progress(report.rows, total=report.rows)
    body = {k: v for k, v in report.as_dict().items() if k not in ("errors", "preview")}
    body["header"] = report.header
    if report.errors:
        # the progress bar shows it when the job ends: the page that started it need not reload
        body["links"] = [
            {
                "url": reverse("web:import_errors", args=[ctx.job.pk]),
                "label": _("Download the rejected rows (CSV)"),
            }
        ]
    if report.refused is not None:
        raise ValidationFailed(report.refused["message"], code=report.refused["code"])
    if obj.atomic and not report.ok and not dry_run:
        raise ValidationFailed(
            _("Nothing was imported: %(count)d rows are refused.")
            % {"count": report.rejected_count},
            code="import.rows_refused",
        )
    return body


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


def text(value) -> str:
    """A value as an export cell that imports back to it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


# -- what pages and the API share -------------------------------------------------------------


def file_header(obj: ImportObject, name: str, content) -> list[str]:
    """The file's header row, or its refusal (TableRefused, 422)."""
    with _read(obj, name, content) as table:
        return list(table.header)


def import_check(obj: ImportObject, name: str, content, mapping: dict | None = None) -> dict:
    """The file's header and the field each column maps to, or the file's refusal (422) —
    before a job is queued, so that a file that cannot be imported is answered at once."""
    header = file_header(obj, name, content)
    return {"header": header, "fields": mapping_resolve(obj, header, mapping)}


def mapping_saved(company, object_name: str, source: str) -> dict | None:
    from .models import ImportMapping

    row = ImportMapping.objects.filter(company=company, object=object_name, source=source).first()
    return row.mapping if row is not None else None


@transaction.atomic
def mapping_save(*, company, object_name: str, source: str, mapping: dict) -> None:
    """Keep `mapping` ({column: field}) as `source`'s for this object, replacing the last."""
    from .models import ImportMapping

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


def error_file(job) -> tuple[list[str], Iterator[list]]:
    """The rejected rows of an import job as they were in the file, each after its row
    number and reasons (the `ERROR_COLUMNS`, which an import of the fixed file ignores)."""
    params = job.params
    header: list[str] = []
    try:
        obj = import_object(params["object"])
        with _read(obj, params["name"], base64.b64decode(params["content"])) as table:
            header = list(table.header)
    except (DomainError, KeyError, ValueError):
        pass  # the reasons stand without the file's own columns
    rows: dict[int, dict] = {}
    for error in job.errors:
        number = error.get("row") or 0
        entry = rows.setdefault(number, {"cells": error.get("cells") or [], "reasons": []})
        where = f"{error['field']}: " if error.get("field") else ""
        entry["reasons"].append(f"{where}{error['message']} ({error['code']})")
    lines = (
        [number or "", "; ".join(entry["reasons"]), *entry["cells"]]
        for number, entry in sorted(rows.items())
    )
    return [*ERROR_COLUMNS, *header], lines
