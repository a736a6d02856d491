import io

import pytest
from openpyxl import Workbook

from tandem.cli import main
from tandem.core.errors import ValidationFailed
from tandem.crm import services
from tandem.crm.models import Lead

GOOD = (
    "name,contact_name,company_name,email,phone,owner,team\n"
    "Valves,Zhou Jie,Zhou Valves,zhou@valves.test,,rep,\n"
    "Pumps,Li Na,Harbour Trading,li@harbour.test,,,\n"
)
BAD = GOOD + ",,,not-an-email,,ghost,Nowhere\n"


def test_a_dry_run_reports_matches_and_writes_nothing(company, rep, make_party):
    make_party("Harbour Trading")

    report = services.lead_import(company=company, name="leads.csv", content=GOOD.encode())

    assert report.as_dict()["totals"] == {"rows": 2, "valid": 2, "errors": 0, "created": 0}
    assert [(r["row"], r["name"], r["match_on"]) for r in report.rows] == [
        (2, "Valves", ""),
        (3, "Pumps", "company_name"),
    ]
    assert Lead.objects.count() == 0


def test_row_errors_are_reported_and_a_commit_with_errors_writes_nothing(company, rep):
    dry = services.lead_import(company=company, name="leads.csv", content=BAD.encode())
    committed = services.lead_import(
        company=company, name="leads.csv", content=BAD.encode(), dry_run=False
    )

    errors = {(e["field"], e["code"]) for e in dry.rows[2]["errors"]}
    assert dry.rows[2]["row"] == 4
    assert errors == {("owner", "reference.invalid"), ("team", "reference.invalid")}
    assert committed.as_dict()["totals"]["created"] == 0
    assert Lead.objects.count() == 0


def test_a_commit_imports_every_row_with_source_import(company, rep):
    report = services.lead_import(
        company=company, name="leads.csv", content=GOOD.encode(), dry_run=False
    )

    assert report.created == 2
    assert list(Lead.objects.order_by("name").values_list("name", "source", "owner__username")) == [
        ("Pumps", "import", None),
        ("Valves", "import", "rep"),
    ]


def test_an_xlsx_file_and_a_bad_header(company):
    book = Workbook()
    sheet = book.active
    sheet.append(["Contact_Name", "Email"])
    sheet.append(["Wang Fang", "wang@x.test"])
    buffer = io.BytesIO()
    book.save(buffer)

    report = services.lead_import(company=company, name="l.xlsx", content=buffer.getvalue())
    with pytest.raises(ValidationFailed) as bad:
        services.lead_import(company=company, name="l.csv", content=b"colour\nred\n")

    assert report.ok and report.rows[0]["name"] == "Wang Fang"
    assert bad.value.code == "import.columns"


def test_the_cli_dry_run_and_import(company, rep, tmp_path, capsys):
    path = tmp_path / "leads.csv"
    path.write_text(GOOD)

    with pytest.raises(SystemExit) as dry:
        main(["import", "leads", str(path), "--dry-run"])
    assert Lead.objects.count() == 0
    with pytest.raises(SystemExit) as real:
        main(["import", "leads", str(path), "--company", company.code])

    assert (dry.value.code, real.value.code) == (0, 0)
    assert Lead.objects.count() == 2
    assert "dry run: 2 rows, 2 valid, 0 refused, 0 created" in capsys.readouterr().out


def test_the_import_page_previews_then_commits(
    company, rep, web, django_capture_on_commit_callbacks
):
    upload = io.BytesIO(GOOD.encode())
    upload.name = "leads.csv"

    preview = web.post("/crm/leads/import/", {"file": upload})
    assert preview.status_code == 200
    assert 'data-testid="import-commit"' in preview.content.decode()
    assert Lead.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):  # the commit is a job
        done = web.post("/crm/leads/import/", {"commit": "1"})

    assert done.status_code == 302
    assert Lead.objects.count() == 2
    page = web.get(done["Location"]).content.decode()
    assert 'data-state="done"' in page  # the job's progress partial, finished
    assert 'href="/crm/leads/"' in page
