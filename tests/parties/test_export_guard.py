"""List exports (core.exports) through the party list's export view: formula signs are
neutralised in CSV and XLSX, full-width and whitespace ones included, and a control
character in a name no longer breaks the XLSX file (issue 14, holes 8 and 9)."""

import csv
import io

import pytest
from openpyxl import load_workbook

from tandem.parties.models import Party

HOSTILE = {
    "Eq": '=HYPERLINK("http://x.test","go")',
    "Tab": "\t=1+1",
    "Cr": "\r=1+1",
    "Fullwidth eq": "＝1+1",
    "Fullwidth plus": "＋1",
    "Fullwidth minus": "－1",
    "Fullwidth at": "＠SUM(A1)",
    "At": "@SUM(A1)",
}


@pytest.fixture
def hostile_parties(company, make_party):
    # stored as they might be by an older version or a direct import: the export is the guard
    for key, name in HOSTILE.items():
        party = make_party(f"P {key}", is_customer=True)
        Party.objects.filter(pk=party.pk).update(name=name)
    control = make_party("Control", is_customer=True)
    Party.objects.filter(pk=control.pk).update(name="Wang\x01 Fang\x0b Ltd")
    make_party("Plain Trading", is_customer=True)


def test_the_csv_export_neutralises_every_formula_start(web, hostile_parties):
    response = web.get("/parties/export/", {"format": "csv"})

    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    names = {row[2] for row in csv.reader(io.StringIO(text, newline=""))} - {"name"}
    assert names == {"'" + name for name in HOSTILE.values()} | {
        "Wang\x01 Fang\x0b Ltd",
        "Plain Trading",
    }


def test_the_xlsx_export_opens_with_control_characters_dropped_and_formulas_as_text(
    web, hostile_parties
):
    response = web.get("/parties/export/", {"format": "xlsx"})

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [row[2] for row in sheet.iter_rows(min_row=2)]
    assert {c.value for c in cells} == {"'" + name for name in HOSTILE.values()} | {
        "Wang Fang Ltd",
        "Plain Trading",
    }
    assert {c.data_type for c in cells} == {"s"}  # not one formula
