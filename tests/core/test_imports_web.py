"""The Import pages: upload -> columns (guessed) -> preview with row errors -> start -> the
job's progress and its error file; a file that cannot be read stays on the upload form."""

import io

from tandem.core.models import ImportMapping, Job
from tandem.parties.models import Party

CONTENT = (
    "编号,名称,邮箱,Colour\n"
    "C-1,Harbour Trading,sales@harbour.test,red\n"
    "C-2,Zhou Valves,not-an-email,blue\n"
)


def _upload(web, content, name="parties.csv", **extra):
    upload = io.BytesIO(content)
    upload.name = name
    return web.post("/imports/", {"object": "parties", "file": upload, **extra})


def test_upload_map_preview_start_and_download_the_rejected_rows(
    web, company, django_capture_on_commit_callbacks
):
    assert web.get("/imports/").status_code == 200
    answer = _upload(web, CONTENT.encode())
    assert answer.status_code == 302 and answer["Location"] == "/imports/columns/"

    columns = web.get("/imports/columns/")
    assert columns.status_code == 200
    assert [c["field"] for c in columns.context["columns"]] == [
        "external_key",
        "name",
        "email",
        "",
    ]

    # the unknown column left unmapped: ignored
    preview = web.post(
        "/imports/columns/",
        {"col-0": "external_key", "col-1": "name", "col-2": "email", "col-3": ""},
    )
    report = preview.context["report"]
    assert (report.created, report.rejected_count) == (1, 1)
    assert [r["action"] for r in report.preview] == ["create", "error"]
    assert b"validation.email" in preview.content
    assert not Party.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        started = web.post("/imports/start/", {"source": "Odoo export"})
    job = Job.objects.get()
    assert started["Location"] == f"/imports/?job={job.pk}"
    assert (job.state, job.result["created"], job.result["rejected"]) == ("done", 1, 1)
    assert list(Party.objects.values_list("name", flat=True)) == ["Harbour Trading"]
    assert ImportMapping.objects.get(source="Odoo export").mapping["Colour"] == ""

    page = web.get(started["Location"])
    assert b'data-testid="job-progress"' in page.content
    assert b'data-testid="import-errors"' in page.content
    errors = web.get(f"/imports/{job.pk}/errors.csv")
    body = b"".join(errors.streaming_content).decode("utf-8-sig").splitlines()
    assert body[0] == "_row,_error,编号,名称,邮箱,Colour"
    assert body[1].startswith("3,email: ") and body[1].endswith(
        ",C-2,Zhou Valves,not-an-email,blue"
    )


def test_a_mapping_to_nothing_required_is_shown_beside_the_columns(web, company):
    _upload(web, CONTENT.encode())
    preview = web.post(
        "/imports/columns/", {"col-0": "", "col-1": "name", "col-2": "", "col-3": ""}
    )

    assert preview.status_code == 200
    assert preview.context["report"] is None
    assert b'data-testid="import-mapping-error"' in preview.content
    assert web.post("/imports/start/").status_code == 302
    assert not Job.objects.exists()


def test_a_file_that_is_not_a_table_stays_on_the_upload_form(web, company):
    answer = _upload(web, b"\x89PNG\r\n\x1a\n\x00", name="logo.png")

    assert answer.status_code == 200
    assert answer.context["form"].errors["file"]
    assert web.get("/imports/columns/")["Location"] == "/imports/"


def test_another_users_import_errors_are_hidden(web, company, client):
    from tandem.core.services import membership_grant
    from tests.factories import UserFactory

    job = Job.objects.create(company=company, kind="core.import", params={}, errors=[])
    clerk = UserFactory(username="clerk")
    membership_grant(user=clerk, company=company, roles=["sales"])
    client.force_login(clerk)

    assert client.get(f"/imports/{job.pk}/errors.csv").status_code == 404
