"""CSV and XLSX downloads of a list page: the same rows the user filtered, company-scoped."""

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    return "" if value is None else value


def _xlsx_cell(value):
    # XML 1.0 cannot hold most control characters: openpyxl refuses the whole file for one
    # (a party name pasted with \x01 broke every export listing it), so they are dropped.
    value = _safe_cell(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def export_response(
    *, fmt: str, filename: str, headers: Sequence[str], rows: Iterable[Sequence]
) -> HttpResponse:
    """`rows` may be a generator (e.g. a queryset's values_list().iterator())."""
    if fmt == "xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append([_xlsx_cell(h) for h in headers])
        for row in rows:
            sheet.append([_xlsx_cell(v) for v in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
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
