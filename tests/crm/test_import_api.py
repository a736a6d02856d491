"""POST /leads/import: CSV or XLSX, a dry run (the default) that lists each row's errors and
writes nothing, and an all-or-nothing commit."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from tandem.crm.models import Lead

GOOD = (
    "name,contact_name,company_name,email,phone,owner,team\n"
    "Valves,Zhou Jie,Zhou Valves,zhou@valves.test,,rep,\n"
    "Pumps,Li Na,Harbour Trading,li@harbour.test,,,\n"
)
BAD = GOOD + ",,,not-an-email,,ghost,Nowhere\n"


def upload(api, name, content, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return api.client.post(
        "/api/v1/leads/import" + (f"?{query}" if query else ""),
        {"file": SimpleUploadedFile(name, content)},
        headers=api._headers(None),
    )


def xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_csv_dry_run_previews_matches_and_writes_nothing(api, rep, make_party):
    party = make_party("Harbour Trading")

    response = upload(api, "leads.csv", GOOD.encode())

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["dry_run"] is True
    assert body["totals"] == {"rows": 2, "valid": 2, "errors": 0, "created": 0}
    assert [(r["row"], r["name"], r["matched_party"]) for r in body["rows"]] == [
        (2, "Valves", None),
        (3, "Pumps", party.pk),
    ]
    assert Lead.objects.count() == 0


def test_a_dry_run_lists_errors_per_row(api, rep):
    response = upload(api, "leads.csv", BAD.encode(), dry_run="true")

    assert response.status_code == 200
    rows = response.json()["rows"]
    assert [r["errors"] for r in rows[:2]] == [[], []]
    assert rows[2]["row"] == 4
    assert {(e["field"], e["code"]) for e in rows[2]["errors"]} == {
        ("owner", "reference.invalid"),
        ("team", "reference.invalid"),
    }
    assert response.json()["totals"]["errors"] == 1
    assert Lead.objects.count() == 0


def test_an_xlsx_dry_run_lists_a_bad_email(api):
    content = xlsx([["contact_name", "email"], ["Wang Fang", "wang@x.test"], ["Bad", "nope@"]])

    response = upload(api, "leads.xlsx", content)

    assert response.status_code == 200, response.content
    rows = response.json()["rows"]
    assert (rows[0]["name"], rows[0]["errors"]) == ("Wang Fang", [])
    assert rows[1]["row"] == 3
    assert [e["field"] for e in rows[1]["errors"]] == ["email"]
    assert Lead.objects.count() == 0


def test_a_commit_writes_every_row(api, rep):
    response = upload(
        api, "leads.xlsx", xlsx([r.split(",") for r in GOOD.splitlines()]), dry_run="false"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["totals"]["created"] == 2
    assert sorted(Lead.objects.values_list("name", "source")) == [
        ("Pumps", "import"),
        ("Valves", "import"),
    ]
    assert {r["lead"] for r in body["rows"]} == set(Lead.objects.values_list("pk", flat=True))


def test_a_commit_with_a_bad_row_is_422_and_writes_nothing(api, rep):
    response = upload(api, "leads.csv", BAD.encode(), dry_run="false")

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "import.rows_invalid"
    assert {e["field"] for e in body["errors"]} == {"rows.4.owner", "rows.4.team"}
    assert Lead.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("leads.csv", b"colour\nred\n", "import.columns"),
        ("leads.csv", b"", "import.empty"),
        ("leads.xlsx", b"not a workbook", "import.format"),
        ("leads.csv", "name\n".encode("utf-16"), "import.format"),
    ],
)
def test_an_unreadable_file_is_422(api, name, content, code):
    response = upload(api, name, content)

    assert response.status_code == 422, response.content
    assert response.json()["code"] == code
    assert Lead.objects.count() == 0


def test_without_a_file_is_422_and_needs_the_permission(api, api_as, company):
    from tandem.core.services import membership_grant
    from tests.factories import UserFactory

    viewer = UserFactory(username="buyer")
    membership_grant(user=viewer, company=company, roles=["purchasing"])

    missing = api.client.post("/api/v1/leads/import", {}, headers=api._headers(None))
    refused = upload(api_as(viewer, company), "leads.csv", GOOD.encode())

    assert missing.status_code == 422
    assert refused.status_code == 403
    assert Lead.objects.count() == 0


def test_a_multipart_body_without_a_boundary_is_a_400(api):
    # found by the API fuzzer: Django cannot parse it, which must not become a 500
    response = api.client.post(
        "/api/v1/leads/import?dry_run=true",
        b"name,email\r\nA,a@example.com\r\n",
        content_type="multipart/form-data",
        headers=api._headers(None),
    )
    assert (response.status_code, response.json()["code"]) == (400, "request.malformed")
    assert Lead.objects.count() == 0
