"""Exports write numbers and times as the pages mean them: plain decimals (never 1.25E+4)
and times in the active (user's, else company's) zone rather than UTC."""

import csv
import io
import zoneinfo
from datetime import UTC, datetime
from decimal import Decimal

from django.utils import timezone
from openpyxl import load_workbook

from tandem.core.exports import export_response

ROW = [Decimal("1.25E+4"), datetime(2026, 12, 7, 1, 30, tzinfo=UTC), "=cmd"]


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_csv_cells_are_plain_decimals_and_local_times():
    with timezone.override(zoneinfo.ZoneInfo("Asia/Shanghai")):
        response = export_response(fmt="csv", filename="x", headers=["a", "b", "c"], rows=[ROW])
        rows = _csv(response)
    assert rows[1] == ["12500", "2026-12-07 09:30:00+08:00", "'=cmd"]


def test_xlsx_cells_are_numbers_and_local_wall_clock_times():
    with timezone.override(zoneinfo.ZoneInfo("Asia/Shanghai")):
        response = export_response(fmt="xlsx", filename="x", headers=["a", "b", "c"], rows=[ROW])
    sheet = load_workbook(io.BytesIO(response.content)).active
    amount, when, text = (cell.value for cell in next(sheet.iter_rows(min_row=2)))
    assert amount == 12500
    assert when == datetime(2026, 12, 7, 9, 30)
    assert text == "'=cmd"
