"""Reading an uploaded table (CSV or XLSX) without trusting it: the one reader behind every
importer.

`read_table` answers a `Table`: the header at once, then the rows as a stream, each with
its number in the file and its own errors. Whatever the file says about itself, the work
is bounded by the caller's limits:

- the file's size (`max_bytes`) and, by content and not only by name, its type: CSV text
  (UTF-8 with or without BOM, or GB18030 as Chinese Excel saves it) or an XLSX workbook;
- for XLSX, the zip is inspected before openpyxl opens it (members, total unzipped size,
  compression ratio: zip bombs), the first sheet's declared dimension must be one a
  spreadsheet can have, and its rows are counted cell by cell before openpyxl reads them,
  since openpyxl holds a whole row in memory and pads rows to the declared dimension
  unless told the width to read;
- rows are read as a stream and reading stops at the row limit: the limit error comes
  when the reader gets there, so a consumer that writes as it goes does it in a
  transaction, or after a dry run;
- a cell over `max_cell_chars` (128 K characters by default) is a clear error for the whole
  file, a row wider than `max_columns` an error on that row.

Refusals are `TableRefused` (422) with a stable code: `import.file_type`, `import.too_large`,
`import.empty`, `import.encoding`, `import.damaged`, `import.zip_bomb`,
`import.too_many_rows`, `import.too_many_columns`, `import.cell_too_large`.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import IO

from django.utils.translation import gettext as _
from lxml import etree

from .errors import ValidationFailed

MAX_CELL_CHARS = 128 * 1024
# Empty rows are skipped and not counted as rows, but reading them is work: past this many
# beyond the row limit the file is refused too.
BLANK_ROWS_ALLOWED = 1000
# A real workbook has a few dozen parts; each unzipped part openpyxl keeps in memory (shared
# strings, styles) is capped, and no part may be compressed more than this ratio.
MAX_ZIP_MEMBERS = 1000
MAX_ZIP_RATIO = 100
MAX_PART_BYTES = 64 * 1024 * 1024
RATIO_FLOOR = 1024 * 1024  # small parts of repeated XML compress well and cost nothing
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
XLSX_EXTENSIONS = frozenset({".xlsx", ".xlsm"})
CSV_EXTENSIONS = frozenset({".csv", ".txt", ".tsv"})
CHUNK = 64 * 1024
# Control characters mean nothing in a cell and break what the data goes on to (XML
# exports, PostgreSQL text refuses NUL); tab and line breaks stay.
_CONTROL = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


class TableRefused(ValidationFailed):
    """The file as a whole cannot be read; `extra['row']` names the row where it can."""

    code = "import.damaged"
    title = "The file cannot be read"

    def __init__(self, message: str, *, code: str, row: int | None = None):
        super().__init__(message, code=code, field="file", extra={"row": row} if row else None)
        self.row = row


@dataclass
class Row:
    number: int  # 1-based, as a spreadsheet shows it (the header is a row too)
    cells: list[str]  # stripped text, trailing empty cells removed
    errors: list[dict] = field(default_factory=list)


class Table:
    """The header and a one-pass stream of the non-empty rows after it. Close it (or use it
    as a context manager) to release the workbook."""

    def __init__(self, kind: str, header: list[str], rows: Iterator[Row], closer=None):
        self.kind = kind  # "csv" or "xlsx"
        self.header = header
        self.rows = rows
        self._closer = closer

    def __iter__(self) -> Iterator[Row]:
        return self.rows

    def close(self) -> None:
        if self._closer is not None:
            self._closer()
            self._closer = None

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_table(
    name: str,
    content_or_file: bytes | IO[bytes],
    *,
    max_rows: int,
    max_columns: int,
    max_cell_chars: int = MAX_CELL_CHARS,
    max_bytes: int,
    max_unzipped_bytes: int | None = None,
) -> Table:
    """Open `content_or_file` (bytes or a seekable binary file) named `name`. Raises
    TableRefused before any row is returned if the file cannot be a table within the
    limits; later, while streaming, for too many rows or a cell too large."""
    stream = _stream(content_or_file, max_bytes)
    head = stream.read(8)
    stream.seek(0)
    if not head:
        raise TableRefused(_("The file is empty."), code="import.empty")
    is_zip = head.startswith(b"PK\x03\x04")
    extension = os.path.splitext((name or "").lower())[1]
    limits = {"max_rows": max_rows, "max_columns": max_columns, "max_cell_chars": max_cell_chars}
    if extension in XLSX_EXTENSIONS or (not extension and is_zip):
        if not is_zip:
            raise _wrong_type()
        unzipped = max_unzipped_bytes or max(8 << 20, max_rows * max_columns * 256)
        return _xlsx(stream, unzipped=unzipped, **limits)
    if extension in CSV_EXTENSIONS or not extension:
        if is_zip or head.startswith(b"\xd0\xcf\x11\xe0"):  # a workbook (or old .xls)
            raise _wrong_type()
        return _csv(stream, tab=extension == ".tsv", **limits)
    raise _wrong_type()


# -- shared ---------------------------------------------------------------------------------


def _wrong_type() -> TableRefused:
    return TableRefused(
        _("The file is not a CSV file or an XLSX workbook."), code="import.file_type"
    )


def _stream(content_or_file, max_bytes: int) -> IO[bytes]:
    if isinstance(content_or_file, bytes | bytearray | memoryview):
        stream: IO[bytes] = io.BytesIO(content_or_file)
        size = len(content_or_file)
    else:
        stream = content_or_file
        stream.seek(0, io.SEEK_END)
        size = stream.tell()
        stream.seek(0)
    if size > max_bytes:
        raise TableRefused(
            _("The file is larger than %(max)s.") % {"max": _size(max_bytes)},
            code="import.too_large",
        )
    return stream


def _size(count: int) -> str:
    return f"{count / 1_000_000:g} MB" if count >= 1_000_000 else f"{count / 1000:g} KB"


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))  # a phone number or code typed as a number
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _rows(
    physical: Iterable[Sequence],
    *,
    max_rows: int,
    max_columns: int,
    max_cell_chars: int,
    wide_rows: frozenset[int] | set[int] = frozenset(),
) -> tuple[list[str], Iterator[Row]]:
    """Cleans, numbers and limits the raw rows of either format; the header is the first
    non-empty row and is read now, the rest lazily."""
    numbered = enumerate(physical, start=1)
    last_physical = max_rows + 1 + BLANK_ROWS_ALLOWED

    def cleaned(number: int, values: Sequence) -> tuple[list[str], bool]:
        """The row's first `max_columns` cells as text, and whether any cell past them has
        something in it."""
        if number > last_physical:
            raise TableRefused(
                _("At most %(max)d rows per file.") % {"max": max_rows},
                code="import.too_many_rows",
                row=number,
            )
        cells = []
        for value in values[:max_columns]:
            text = _text(value)
            if len(text) > max_cell_chars:
                raise _cell_too_large(number, max_cell_chars)
            cells.append(text.translate(_CONTROL).strip())
        while cells and not cells[-1]:
            cells.pop()
        too_wide = number in wide_rows or any(_text(v).strip() for v in values[max_columns:])
        return cells, too_wide

    header: list[str] = []
    too_wide = False
    for number, values in numbered:
        header, too_wide = cleaned(number, values)
        if header or too_wide:
            break
    if not header and not too_wide:
        raise TableRefused(_("The file is empty."), code="import.empty")
    if too_wide:
        raise TableRefused(
            _("At most %(max)d columns.") % {"max": max_columns}, code="import.too_many_columns"
        )

    def rest() -> Iterator[Row]:
        count = 0
        for number, values in numbered:
            cells, too_wide = cleaned(number, values)
            if not cells and not too_wide:
                continue
            count += 1
            if count > max_rows:
                raise TableRefused(
                    _("At most %(max)d rows per file.") % {"max": max_rows},
                    code="import.too_many_rows",
                    row=number,
                )
            errors = []
            if too_wide:
                errors.append(
                    {
                        "field": None,
                        "message": _("This row has more than %(max)d cells.")
                        % {"max": max_columns},
                        "code": "import.too_many_columns",
                    }
                )
            yield Row(number=number, cells=cells, errors=errors)

    return header, rest()


def _cell_too_large(number: int, limit: int) -> TableRefused:
    return TableRefused(
        _("Row %(row)d has a cell longer than %(max)d characters.") % {"row": number, "max": limit},
        code="import.cell_too_large",
        row=number,
    )


# -- CSV ------------------------------------------------------------------------------------


def _encoding(stream: IO[bytes]) -> str:
    """UTF-8 (BOM or not) if the whole file is UTF-8, else GB18030 if it is that; decoded
    in chunks without keeping the text. NUL bytes mean a binary file, not text."""
    for encoding in ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        stream.seek(0)
        try:
            while chunk := stream.read(CHUNK):
                if b"\x00" in chunk:
                    raise _wrong_type()
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        stream.seek(0)
        return "utf-8-sig" if encoding == "utf-8" else encoding
    raise TableRefused(
        _("The file is not UTF-8 or GB18030 text: save it as CSV UTF-8."), code="import.encoding"
    )


def _csv(
    stream: IO[bytes], *, tab: bool, max_rows: int, max_columns: int, max_cell_chars: int
) -> Table:
    encoding = _encoding(stream)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    first = text.readline(CHUNK)
    text.seek(0)
    if tab:
        delimiter = "\t"
    elif "," not in first and (first.count(";") or first.count("\t")):
        delimiter = ";" if first.count(";") >= first.count("\t") else "\t"
    else:
        delimiter = ","
    # The limit is process-wide in the csv module: it is only ever raised, never lowered
    # under another reader, and a longer cell is refused here by length.
    if csv.field_size_limit() < max_cell_chars + 1:
        csv.field_size_limit(max_cell_chars + 1)
    reader = csv.reader(text, delimiter=delimiter)

    def physical() -> Iterator[list[str]]:
        number = 0
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if "field larger than field limit" in str(exc):
                    raise _cell_too_large(number + 1, max_cell_chars) from exc
                raise TableRefused(
                    _("Row %(row)d cannot be read as CSV.") % {"row": number + 1},
                    code="import.damaged",
                    row=number + 1,
                ) from exc
            number += 1
            yield values

    header, rows = _rows(
        physical(), max_rows=max_rows, max_columns=max_columns, max_cell_chars=max_cell_chars
    )
    return Table("csv", header, rows, closer=text.detach)


# -- XLSX -----------------------------------------------------------------------------------


def _damaged() -> TableRefused:
    return TableRefused(_("The file is not a readable XLSX workbook."), code="import.damaged")


def _zip_bomb() -> TableRefused:
    return TableRefused(
        _("The workbook unpacks to far more than its size: it is refused."),
        code="import.zip_bomb",
    )


def _check_zip(stream: IO[bytes], unzipped: int) -> None:
    """Sizes as the zip declares them bound what zipfile (and so openpyxl) will ever unpack:
    it stops at the declared size and fails the CRC check past it."""
    try:
        with zipfile.ZipFile(stream) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _damaged() from exc
    finally:
        stream.seek(0)
    if len(infos) > MAX_ZIP_MEMBERS or sum(i.file_size for i in infos) > unzipped:
        raise _zip_bomb()
    for info in infos:
        too_packed = info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1)
        part_too_big = info.file_size > MAX_PART_BYTES and not info.filename.startswith(
            "xl/worksheets/"
        )
        if (info.file_size > RATIO_FLOOR and too_packed) or part_too_big:
            raise _zip_bomb()
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise _wrong_type()  # a zip, or a Word or PowerPoint file, but not a workbook


class _RowScan:
    """lxml parser target: walks the sheet XML as it streams past, building no tree, and
    stops after `last_row` rows. It refuses a row with more cells than a spreadsheet can
    have (openpyxl would hold them all at once) and notes the rows with a value past
    `max_columns`, which the bounded read below never sees."""

    class Done(Exception):
        pass

    def __init__(self, last_row: int, max_columns: int):
        self.last_row = last_row
        self.max_columns = max_columns
        self.row = 0
        self.rows_seen = 0
        self.cells = 0
        self.column = 0
        self.wide_rows: set[int] = set()

    def start(self, tag, attrib):
        name = tag.rpartition("}")[2]
        if name == "c":
            self.cells += 1
            ref = attrib.get("r", "")
            letters = ref.rstrip("0123456789")
            self.column = _column_index(letters) if letters else self.column + 1
            if self.cells > EXCEL_MAX_COLUMNS:
                raise TableRefused(
                    _("Row %(row)d has more cells than a spreadsheet can hold.")
                    % {"row": self.row},
                    code="import.damaged",
                    row=self.row,
                )
        elif name in ("v", "is", "f"):
            if self.column > self.max_columns:
                self.wide_rows.add(self.row)
        elif name == "row":
            self.rows_seen += 1
            if self.rows_seen > self.last_row:
                raise self.Done
            number = attrib.get("r", "")
            self.row = int(number) if number.isdigit() else self.row + 1
            self.cells = 0
            self.column = 0

    def end(self, tag):
        pass

    def data(self, data):
        pass

    def close(self):
        return None


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters.upper()[:4]:
        index = index * 26 + (ord(letter) - 64)
    return index


def _scan_rows(stream: IO[bytes], path: str, last_row: int, max_columns: int) -> set[int]:
    scan = _RowScan(last_row, max_columns)
    parser = etree.XMLParser(target=scan, resolve_entities=False, no_network=True)
    try:
        with zipfile.ZipFile(stream) as archive, archive.open(path) as part:
            while chunk := part.read(CHUNK):
                parser.feed(chunk)
            parser.close()
    except _RowScan.Done:
        pass
    except TableRefused:
        raise
    except (etree.XMLSyntaxError, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _damaged() from exc
    finally:
        stream.seek(0)
    return scan.wide_rows


def _xlsx(
    stream: IO[bytes], *, unzipped: int, max_rows: int, max_columns: int, max_cell_chars: int
) -> Table:
    from openpyxl import load_workbook

    _check_zip(stream, unzipped)
    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise _damaged() from exc
    try:
        if not book.worksheets:
            raise TableRefused(_("The file is empty."), code="import.empty")
        sheet = book.worksheets[0]
        # The declared dimension only has to be possible; it is never used for padding.
        if (sheet.max_row or 0) > EXCEL_MAX_ROWS or (sheet.max_column or 0) > EXCEL_MAX_COLUMNS:
            raise _damaged()
        last_physical = max_rows + 2 + BLANK_ROWS_ALLOWED
        # openpyxl's read-only sheet keeps the part's path; a row's cells are held in memory
        # together, so their count is checked by a streaming pass first.
        wide_rows = _scan_rows(stream, sheet._worksheet_path, last_physical, max_columns)
        physical = sheet.iter_rows(max_row=last_physical, max_col=max_columns + 1, values_only=True)
        header, rows = _rows(
            _guarded(physical),
            max_rows=max_rows,
            max_columns=max_columns,
            max_cell_chars=max_cell_chars,
            wide_rows=wide_rows,
        )
    except TableRefused:
        book.close()
        raise
    except Exception as exc:
        book.close()
        raise _damaged() from exc
    return Table("xlsx", header, rows, closer=book.close)


def _guarded(rows: Iterator[Sequence]) -> Iterator[Sequence]:
    """openpyxl's errors on a damaged sheet, met while streaming, as TableRefused."""
    try:
        yield from rows
    except TableRefused:
        raise
    except Exception as exc:
        raise _damaged() from exc
