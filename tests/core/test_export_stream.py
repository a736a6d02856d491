"""Exports that do not hold the file: a large XLSX is streamed from disk, control characters
in a party name never break the XLSX; a cell over 128 K is its row's error, and an import
refused by its reader part-way (a cell over 1 M: the file is unsafe) writes nothing."""

import io

import pytest
from openpyxl import load_workbook

from tandem.core import exports
from tandem.core.errors import ValidationFailed
from tandem.core.exports import export_response
from tandem.core.imports import import_object, import_run
from tandem.parties.models import Party
from tandem.parties.services import party_create


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def test_a_large_xlsx_is_streamed_from_disk(monkeypatch):
    monkeypatch.setattr(exports, "XLSX_IN_MEMORY_MAX", 1024)
    rows = ([n, f"name {n}", n * 1.5] for n in range(20_000))  # a generator: never a list

    response = export_response(fmt="xlsx", filename="big", headers=["n", "name", "x"], rows=rows)

    assert response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="big.xlsx"'
    sheet = load_workbook(io.BytesIO(_body(response)), read_only=True).active
    values = list(sheet.values)
    assert len(values) == 20_001
    assert values[-1] == (19_999, "name 19999", 19_999 * 1.5)


def test_a_small_xlsx_is_a_plain_response():
    response = export_response(fmt="xlsx", filename="s", headers=["a"], rows=[["b"]])

    assert not response.streaming and response.content[:2] == b"PK"


@pytest.mark.django_db
def test_control_characters_in_a_party_name_never_break_the_xlsx_export(company):
    party_create(company=company, name="Acme\x01 Trading\x0b Ltd\x1f", notes="a\x02b")
    headers, rows = import_object("parties").export(company)

    response = export_response(fmt="xlsx", filename="parties", headers=headers, rows=rows)

    sheet = load_workbook(io.BytesIO(_body(response)), read_only=True).active
    header, row = list(sheet.values)
    assert row[header.index("name")] == "Acme Trading Ltd"
    assert row[header.index("notes")] == "ab"


@pytest.mark.django_db
def test_a_cell_over_128_kb_is_an_error_of_its_row_and_the_others_are_written(company):
    good = "".join(f"K{n},Party {n}\n" for n in range(600))
    content = "External key,Name\n" + good + "K-big," + "x" * 200_000 + "\nK-after,After\n"

    report = import_run(
        company=company, object_name="parties", name="p.csv", content=content.encode()
    )

    assert [(e["row"], e["field"], e["code"]) for e in report.errors] == [
        (602, "name", "import.cell_too_large")
    ]
    assert (report.created, report.rows) == (601, 602)
    assert Party.objects.filter(company=company).count() == 601
    assert Party.objects.filter(company=company, name="After").exists()
    # the rejected row is kept for the error file with its long cell cut short
    assert report.rejected[602] == ["K-big", "x" * 1000 + "…"]


@pytest.mark.django_db
def test_a_cell_over_1_mb_makes_the_file_unsafe_refuses_it_and_writes_nothing(company):
    good = "".join(f"K{n},Party {n}\n" for n in range(600))
    # an unclosed quote swallows the rest of the file into one cell
    content = ("External key,Name\n" + good + 'K-big,"' + "x" * 1_100_000 + "\n").encode()

    with pytest.raises(ValidationFailed) as refused:
        import_run(company=company, object_name="parties", name="p.csv", content=content)

    assert (refused.value.code, refused.value.extra["row"]) == ("import.cell_too_large", 602)
    assert not Party.objects.filter(company=company).exists()
