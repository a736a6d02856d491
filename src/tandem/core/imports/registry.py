"""The registry of importable objects: what an app declares in its `imports.py`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ..errors import DomainError, NotFound

PREVIEW_ROWS = 20
# The error file adds these two columns before the file's own; importing the fixed error file
# again ignores them.
ERROR_COLUMNS = ("_row", "_error")
FIELD_TYPES = frozenset({"text", "decimal", "int", "bool", "date", "choice"})


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
