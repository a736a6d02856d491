"""/imports and /exports through the API: a job per file, the error file naming rejected rows,
422 before any job for a file that does not fit, saved mappings, and an export that imports
back onto the same records."""

import csv
import io
import json

from tandem.core.models import ImportMapping, Job
from tandem.parties.models import Party

PARTIES = (
    "External key,Name,Customer,Email\n"
    "C-1,Harbour Trading,yes,sales@harbour.test\n"
    "C-2,Zhou Valves,yes,not-an-email\n"
    "C-3,Delta Pumps,no,\n"
)


def _post(api, content, name="parties.csv", **form):
    upload = io.BytesIO(content.encode() if isinstance(content, str) else content)
    upload.name = name
    return api.client.post(
        "/api/v1/imports",
        {"file": upload, "object": "parties", **form},
        headers=api._headers(None),
    )


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_the_objects_are_listed_with_their_fields(api):
    objects = {o["name"]: o for o in api.get("/imports/objects").json()}

    assert {"parties", "products", "price-lists"} <= set(objects)
    fields = {f["name"]: f for f in objects["parties"]["fields"]}
    assert objects["parties"]["key"] == "external_key"
    assert fields["name"]["required"] is True
    assert "联系人" in fields["contact_name"]["aliases"]


def test_an_import_is_a_job_and_its_error_file_names_the_rejected_row(
    api, company, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = _post(api, PARTIES)

    assert answer.status_code == 202, answer.content
    job = Job.objects.get(pk=answer.json()["id"])
    assert (job.state, job.total, job.done) == ("done", 3, 3)
    assert (job.result["created"], job.result["updated"], job.result["rejected"]) == (2, 0, 1)
    assert [(e["row"], e["field"], e["code"]) for e in job.errors] == [
        (3, "email", "validation.email")
    ]
    assert sorted(Party.objects.filter(company=company).values_list("name", flat=True)) == [
        "Delta Pumps",
        "Harbour Trading",
    ]

    errors = api.get(f"/imports/{job.pk}/errors")
    rows = _csv(errors)
    assert rows[0] == ["_row", "_error", "External key", "Name", "Customer", "Email"]
    assert rows[1][0] == "3"
    assert rows[1][2:] == ["C-2", "Zhou Valves", "yes", "not-an-email"]
    assert rows[1][1].startswith("email: ")

    # the fixed error file imports the rejected row and nothing else
    fixed = "\n".join(",".join(r) for r in rows).replace("not-an-email", "zhou@valves.test")
    with django_capture_on_commit_callbacks(execute=True):
        again = _post(api, fixed + "\n")
    job = Job.objects.get(pk=again.json()["id"])
    assert (job.result["created"], job.errors) == (1, [])
    assert Party.objects.filter(company=company).count() == 3


def test_a_file_that_does_not_fit_answers_422_and_queues_nothing(api):
    cases = [
        (_post(api, b"\x89PNG\r\n\x1a\n\x00\x00", name="logo.png"), "import.file_type"),
        (_post(api, "External key,Name,Colour\nC,A,red\n"), "import.unknown_column"),
        (
            _post(api, "External key,Name\nC,A\n", mapping=json.dumps({"Name": "nick"})),
            "import.unknown_field",
        ),
        (_post(api, "External key,Name\nC,A\n", mapping="[1]"), "import.mapping_invalid"),
    ]

    assert [(a.status_code, a.json()["code"]) for a, _code in cases] == [
        (422, code) for _a, code in cases
    ]
    assert not Job.objects.exists()


def test_a_mapping_saved_per_source_is_used_again(api, company, django_capture_on_commit_callbacks):
    content = "Ref,Firm\nX-1,Acme\n"
    mapping = json.dumps({"Ref": "external_key", "Firm": "name"})
    with django_capture_on_commit_callbacks(execute=True):
        first = _post(api, content, mapping=mapping, source="金蝶")
        second = _post(api, content.replace("Acme", "Acme Ltd"), source="金蝶")

    assert (first.status_code, second.status_code) == (202, 202)
    assert ImportMapping.objects.get(company=company, source="金蝶").mapping == {
        "Ref": "external_key",
        "Firm": "name",
    }
    assert list(Party.objects.filter(company=company).values_list("name", flat=True)) == [
        "Acme Ltd"
    ]


def test_an_export_imports_back_onto_the_same_records(
    api, company, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _post(api, PARTIES)
    Party.objects.create(company=company, name="Typed by hand", currency_id="CNY")

    exported = api.get("/exports/parties")
    assert exported.status_code == 200
    rows = _csv(exported)
    assert rows[0][:3] == ["external_key", "name", "kind"]
    keys = sorted(r[0] for r in rows[1:])
    assert keys[:2] == ["C-1", "C-3"] and keys[2].startswith("tandem:")

    with django_capture_on_commit_callbacks(execute=True):
        again = _post(api, "\n".join(",".join(r) for r in rows) + "\n")
    job = Job.objects.get(pk=again.json()["id"])
    assert (job.result["created"], job.result["updated"], job.errors) == (0, 3, [])
    assert Party.objects.filter(company=company).count() == 3

    xlsx = api.get("/exports/parties", {"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_another_companys_import_errors_are_a_404(
    api, api_as, owner, other_company, django_capture_on_commit_callbacks
):
    from tandem.core.services import membership_grant

    membership_grant(user=owner, company=other_company, roles=["owner"])
    with django_capture_on_commit_callbacks(execute=True):
        answer = _post(api, PARTIES)
    other = api_as(owner, other_company)

    assert other.get(f"/imports/{answer.json()['id']}/errors").status_code == 404
    assert other.get("/exports/nothing").status_code == 404


def test_a_cell_over_128_kb_is_named_in_the_error_file_and_the_other_rows_are_written(
    api, company, django_capture_on_commit_callbacks
):
    content = PARTIES.replace("Delta Pumps", "x" * 140_000)
    with django_capture_on_commit_callbacks(execute=True):
        answer = _post(api, content)

    job = Job.objects.get(pk=answer.json()["id"])
    assert (job.state, job.result["created"], job.result["rejected"]) == ("done", 1, 2)
    assert [(e["row"], e["field"], e["code"]) for e in job.errors] == [
        (3, "email", "validation.email"),
        (4, "name", "import.cell_too_large"),
    ]
    rows = _csv(api.get(f"/imports/{job.pk}/errors"))
    assert [r[0] for r in rows[1:]] == ["3", "4"]
    assert "import.cell_too_large" in rows[2][1]
    assert rows[2][2:] == ["C-3", "x" * 1000 + "…", "no"]
