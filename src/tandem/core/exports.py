"""CSV and XLSX downloads of a list page: the same rows the user filtered, company-scoped."""

import csv
import tempfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# a finished XLSX up to this size is answered from memory, a larger one streamed from disk
XLSX_IN_MEMORY_MAX = 4 * 1024 * 1024


class _Echo:
    def write(self, value):
        return value


# A cell starting with one of these is read as a formula by some spreadsheet app (CSV
# injection): = + - @, tab and carriage return (Excel skips them before a formula), and the
# full-width forms that Excel and WPS in Chinese locales also take as formula signs.
FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")


def _safe_cell(value):
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    if isinstance(value, Decimal):
        # never "1.25E+4": a plain decimal that every spreadsheet and importer reads
        return format(value, "f")
    if isinstance(value, datetime) and timezone.is_aware(value):
        # the time as the page shows it (the user's, else the company's zone), with its offset
        return timezone.localtime(value).isoformat(sep=" ", timespec="seconds")
    return "" if value is None else value


def _xlsx_cell(value):
    # XML 1.0 cannot hold most control characters: openpyxl refuses the whole file for one
    # (a party name pasted with \x01 broke every export listing it), so they are dropped.
    if isinstance(value, Decimal):
        return value  # a number cell
    if isinstance(value, datetime) and timezone.is_aware(value):
        # Excel keeps no time zone: the local wall-clock time the pages show
        return timezone.make_naive(value)
    value = _safe_cell(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def export_response(
    *, fmt: str, filename: str, headers: Sequence[str], rows: Iterable[Sequence]
) -> HttpResponse:
    """`rows` may be a generator (e.g. a queryset's values_list().iterator())."""
    if fmt == "xlsx":
        # A write-only workbook keeps no rows (each goes to its sheet's temporary file) and
        # the zip is written to a file on disk: a million rows are never in memory, neither
        # as cells nor as the finished file, which is sent in blocks from the disk.
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append([_xlsx_cell(h) for h in headers])
        for row in rows:
            sheet.append([_xlsx_cell(v) for v in row])
        output = tempfile.TemporaryFile()  # noqa: SIM115  (FileResponse closes it)
        workbook.save(output)
        size = output.tell()
        output.seek(0)
        disposition = f'attachment; filename="{filename}.xlsx"'
        if size <= XLSX_IN_MEMORY_MAX:  # a small file as a plain response (`.content`)
            with output:
                response = HttpResponse(output.read(), content_type=XLSX_TYPE)
            response["Content-Disposition"] = disposition
            return response
        response = FileResponse(output, content_type=XLSX_TYPE)
        response["Content-Disposition"] = disposition
        return response
    writer = csv.writer(_Echo())

    def stream():
        yield "\ufeff"  # BOM, so spreadsheet apps read UTF-8 (Chinese names) correctly
        yield writer.writerow(list(headers))
        for row in rows:
            yield writer.writerow([_safe_cell(v) for v in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response
