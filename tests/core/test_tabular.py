"""core.tabular: the bounded, streaming table reader every importer shares (issue 14, hole 2
and the 128 KB cell of hole 8). The hostile files are built here byte by byte."""

import io
import zipfile

import pytest
from openpyxl import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from tandem.core.errors import ValidationFailed
from tandem.core.tabular import MAX_CELL_CHARS, TableRefused, read_table
from tandem.crm import services
from tandem.crm.models import Lead

NS = "http://schemas.openxmlformats.org"
PARTS = {
    "[Content_Types].xml": (
        f'<Types xmlns="{NS}/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{NS}/package/2006/relationships"><Relationship Id="rId1" '
        f'Type="{NS}/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<workbook xmlns="{NS}/spreadsheetml/2006/main" '
        f'xmlns:r="{NS}/officeDocument/2006/relationships"><sheets>'
        '<sheet name="Leads" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{NS}/package/2006/relationships"><Relationship Id="rId1" '
        f'Type="{NS}/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}
LIMITS = {"max_rows": 100, "max_columns": 10, "max_bytes": 5_000_000}


def column(index: int) -> str:
    name = ""
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def sheet_xml(rows: dict[int, list[str]], dimension: str) -> str:
    body = "".join(
        f'<row r="{r}">'
        + "".join(
            f'<c r="{column(i)}{r}" t="inlineStr"><is><t>{v}</t></is></c>'
            for i, v in enumerate(values, start=1)
        )
        + "</row>"
        for r, values in rows.items()
    )
    return (
        f'<worksheet xmlns="{NS}/spreadsheetml/2006/main"><dimension ref="{dimension}"/>'
        f"<sheetData>{body}</sheetData></worksheet>"
    )


def handmade_xlsx(sheet: str | bytes, **extra: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in {**PARTS, "xl/worksheets/sheet1.xml": sheet, **extra}.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def leads_xlsx(count: int, dimension: str) -> bytes:
    rows = {1: ["name", "contact_name"]}
    rows.update({r: [f"L{r}", f"P{r}"] for r in range(2, count + 2)})
    return handmade_xlsx(sheet_xml(rows, dimension))


def read_all(name, content, **limits):
    with read_table(name, content, **{**LIMITS, **limits}) as table:
        return table.header, [(row.number, row.cells, row.errors) for row in table]


def refused(name, content, **limits) -> TableRefused:
    with pytest.raises(TableRefused) as caught:
        read_all(name, content, **limits)
    return caught.value


@pytest.fixture
def cells_materialised(monkeypatch):
    """A step counter: the cells openpyxl builds for the rows it hands out."""
    count = [0]
    original = ReadOnlyWorksheet._get_row

    def counting(self, *args, **kwargs):
        row = original(self, *args, **kwargs)
        count[0] += len(row)
        return row

    monkeypatch.setattr(ReadOnlyWorksheet, "_get_row", counting)
    return count


# -- XLSX -----------------------------------------------------------------------------------


def test_a_small_file_declaring_the_whole_sheet_costs_only_its_cells(cells_materialised):
    # 4.8 KB on disk; padded to its declared width it was 300 x 16,384 = 4.9 million cells
    content = leads_xlsx(300, "A1:XFD1048576")

    header, rows = read_all("leads.xlsx", content, max_rows=300)

    assert 4_000 < len(content) < 6_000
    assert header == ["name", "contact_name"]
    assert len(rows) == 300 and rows[0] == (2, ["L2", "P2"], [])
    assert cells_materialised[0] <= 301 * (LIMITS["max_columns"] + 1)


def test_a_dimension_no_spreadsheet_can_have_is_refused():
    content = handmade_xlsx(sheet_xml({1: ["name"]}, "A1:XFE1048577"))

    assert refused("leads.xlsx", content).code == "import.damaged"


def test_rows_past_the_limit_stop_the_stream(cells_materialised):
    content = leads_xlsx(120, "A1:B121")

    with read_table("leads.xlsx", content, **LIMITS) as table:
        seen = []
        with pytest.raises(TableRefused) as caught:
            for row in table:
                seen.append(row.number)

    assert caught.value.code == "import.too_many_rows"
    assert seen == list(range(2, 102))  # 100 rows, then the refusal at the 101st
    assert cells_materialised[0] <= 102 * (LIMITS["max_columns"] + 1)


def test_a_far_away_cell_is_too_many_rows_without_reading_the_gap(cells_materialised):
    content = handmade_xlsx(sheet_xml({1: ["name"], 2: ["a"], 1_000_000: ["far"]}, "A1:A1000000"))

    assert refused("leads.xlsx", content).code == "import.too_many_rows"
    assert cells_materialised[0] < 2_000 * (LIMITS["max_columns"] + 1)


def test_a_row_wider_than_any_spreadsheet_is_refused_before_openpyxl_holds_it():
    content = handmade_xlsx(sheet_xml({1: ["name"], 2: ["x"] * 17_000}, "A1:A2"))

    assert refused("leads.xlsx", content).code == "import.damaged"


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    bomb = handmade_xlsx(b" " * (20 * 1024 * 1024))  # 20 MB of spaces pack into ~20 KB

    assert len(bomb) < 100_000
    assert refused("leads.xlsx", bomb).code == "import.zip_bomb"
    small = leads_xlsx(50, "A1:B51")
    assert refused("leads.xlsx", small, max_unzipped_bytes=1_000).code == "import.zip_bomb"


def test_too_many_zip_members_is_a_zip_bomb():
    extra = {f"xl/media/{i}.bin": b"" for i in range(1_100)}

    content = handmade_xlsx(sheet_xml({1: ["name"]}, "A1"), **extra)

    assert refused("leads.xlsx", content).code == "import.zip_bomb"


def test_a_wide_header_is_refused_and_a_wide_row_is_an_error_on_that_row():
    wide = handmade_xlsx(sheet_xml({1: [f"c{i}" for i in range(12)]}, "A1:L1"))
    content = handmade_xlsx(
        sheet_xml({1: ["name"], 2: ["ok"], 3: ["bad"] + [""] * 10 + ["extra"]}, "A1:L3")
    )

    header, rows = read_all("leads.xlsx", content)

    assert refused("leads.xlsx", wide).code == "import.too_many_columns"
    assert rows[0] == (2, ["ok"], [])
    assert rows[1][:2] == (3, ["bad"])
    assert [e["code"] for e in rows[1][2]] == ["import.too_many_columns"]


def test_an_openpyxl_workbook_reads_with_typed_values_as_text():
    book = Workbook()
    book.active.append(["name", "phone", "joined", "vip"])
    book.active.append(["  Wang Fang ", 13800138000, "2026-01-02", True])
    book.active.append([None, None, None, None])
    book.active.append(["Li", 1.5, None, False])
    buffer = io.BytesIO()
    book.save(buffer)

    header, rows = read_all("people.xlsx", buffer.getvalue())

    assert header == ["name", "phone", "joined", "vip"]
    assert rows == [
        (2, ["Wang Fang", "13800138000", "2026-01-02", "TRUE"], []),
        (4, ["Li", "1.5", "", "FALSE"], []),
    ]


# -- CSV ------------------------------------------------------------------------------------


def test_a_cell_over_128_kb_is_a_clear_error():
    content = ("name,notes\nA,short\nB," + "x" * 200_000 + "\n").encode()

    error = refused("leads.csv", content)

    assert (error.code, error.extra["row"]) == ("import.cell_too_large", 3)
    assert MAX_CELL_CHARS == 128 * 1024
    assert refused("leads.csv", b'name\n"' + b"y" * 200_000 + b'"\n').code == (
        "import.cell_too_large"
    )


def test_gb18030_and_utf8_with_bom_read_alike():
    text = "名称,联系人\n周氏阀门,周杰\n"

    for encoded in (text.encode("gb18030"), text.encode("utf-8-sig"), text.encode()):
        assert read_all("客户.csv", encoded) == (
            ["名称", "联系人"],
            [(2, ["周氏阀门", "周杰"], [])],
        )


def test_blank_lines_are_skipped_and_rows_keep_their_numbers():
    content = b"name;email\r\n\r\nA;a@x.test\r\n;;\r\nB\x00;b@x.test\r\n"

    with pytest.raises(TableRefused) as binary:
        read_all("leads.csv", content)
    header, rows = read_all("leads.csv", content.replace(b"\x00", b"\x01"))

    assert binary.value.code == "import.file_type"  # NUL bytes: not a text file
    assert header == ["name", "email"]
    assert rows == [(3, ["A", "a@x.test"], []), (5, ["B", "b@x.test"], [])]


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("leads.csv", b"", "import.empty"),
        ("leads.csv", b"\n,,\n", "import.empty"),
        ("leads.pdf", b"name\nA\n", "import.file_type"),
        ("leads.xlsx", b"name\nA\n", "import.file_type"),
        ("leads.csv", b"%PDF-1.4\n\x00\x01\x02binary", "import.file_type"),
        ("leads.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "import.file_type"),  # old .xls
        ("leads.csv", leads_xlsx(1, "A1:B2"), "import.file_type"),
        ("leads.xlsx", b"PK\x03\x04 not really a zip", "import.damaged"),
        ("leads.csv", "name\n".encode("utf-16"), "import.file_type"),
        ("leads.csv", b"name\n\xff\xfe\xfa\n", "import.encoding"),
        ("leads.csv", b"name\n" + b"a\n" * 1_200, "import.too_many_rows"),
        ("leads.csv", b"name\n" + b"\n" * 1_200 + b"a\n", "import.too_many_rows"),
        ("leads.csv", b"a,b,c,d,e,f,g,h,i,j,k\n", "import.too_many_columns"),
    ],
)
def test_files_that_cannot_be_tables_are_refused(name, content, code):
    assert refused(name, content).code == code


def test_a_word_document_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")

    assert refused("leads.xlsx", buffer.getvalue()).code == "import.file_type"


def test_a_file_over_the_size_limit_is_refused_from_a_file_object_too():
    assert refused("leads.csv", io.BytesIO(b"name\n" + b"a\n" * 600), max_bytes=1_000).code == (
        "import.too_large"
    )


# -- through the lead import ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "code", "reason"),
    [
        ("leads.xlsx", handmade_xlsx(b" " * (20 * 1024 * 1024)), "import.zip_bomb", None),
        ("leads.csv", b"name,notes\nA," + b"x" * 200_000 + b"\n", "import.cell_too_large", None),
        ("leads.csv", b"%PDF\x00", "import.format", "import.file_type"),
        ("leads.csv", b"name\n" + b"a\n" * 5_001, "import.too_large", "import.too_many_rows"),
    ],
)
def test_the_lead_import_refuses_hostile_files_and_writes_nothing(
    company, name, content, code, reason
):
    with pytest.raises(ValidationFailed) as caught:
        services.lead_import(company=company, name=name, content=content, dry_run=False)

    assert caught.value.code == code
    assert caught.value.extra["reason"] == (reason or code)
    assert Lead.objects.count() == 0


def test_the_lead_import_reads_a_huge_declared_dimension_and_a_gb18030_file(company):
    xlsx = services.lead_import(
        company=company, name="l.xlsx", content=leads_xlsx(3, "A1:XFD1048576"), dry_run=False
    )
    csv = services.lead_import(
        company=company,
        name="l.csv",
        content="name,contact_name\n周氏阀门,周杰\n".encode("gb18030"),
        dry_run=False,
    )

    assert (xlsx.created, csv.created) == (3, 1)
    assert sorted(Lead.objects.values_list("name", flat=True)) == ["L2", "L3", "L4", "周氏阀门"]


def test_a_too_wide_lead_row_is_refused_and_nothing_is_written(company):
    content = b"name,contact_name\nA,Ann\nB,Bob" + b"," * 60 + b"extra\n"

    report = services.lead_import(company=company, name="l.csv", content=content, dry_run=False)

    assert [(r["row"], [e["code"] for e in r["errors"]]) for r in report.rows] == [
        (2, []),
        (3, ["import.too_many_columns"]),
    ]
    assert report.created == 0
    assert Lead.objects.count() == 0
