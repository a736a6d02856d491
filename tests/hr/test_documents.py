"""Employee documents (issue 18): contracts, ID copies and certificates attached to an
employee, kept in the default storage like the company logo, for HR only (and the employee,
read-only, on their own page)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tandem.core.errors import DomainError
from tandem.core.services import company_zone, membership_grant
from tandem.hr import services
from tandem.hr.models import Employee, EmployeeDocument
from tandem.hr.services.documents import MAX_BYTES
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def _today(company):
    """Today where the company is: pages and the API count expiry in its time zone."""
    return timezone.localdate(timezone=company_zone(company))


def _files(media):
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


@pytest.fixture
def employee(hire):
    return hire("E1", 20000)


def _member(company, roles, name):
    user = UserFactory(username=name)
    membership_grant(user=user, company=company, roles=roles)
    return user


def _upload(client, employee, content=PDF, name="contract.pdf", **fields):
    data = {"file": SimpleUploadedFile(name, content), "kind": "contract", **fields}
    return client.client.post(
        f"/api/v1/employees/{employee.pk}/documents", data, headers=client._headers(None)
    )


# -- the service ---------------------------------------------------------------------------


def test_a_document_is_stored_with_its_type_size_and_dates(employee, media):
    document = services.employee_document_add(
        employee=employee,
        kind="contract",
        content=PDF,
        filename="C:\\scans\\劳动合同 2025.pdf",
        title="Labour contract",
        valid_from="2025-01-01",
        valid_to="2027-12-31",
    )

    document.refresh_from_db()
    assert (document.kind, document.title) == ("contract", "Labour contract")
    assert (document.filename, document.content_type, document.size) == (
        "劳动合同 2025.pdf",
        "application/pdf",
        len(PDF),
    )
    assert str(document.valid_from) == "2025-01-01" and str(document.valid_to) == "2027-12-31"
    # stored under a random name in the employee's folder, never the uploader's
    assert document.file.name.startswith(f"hr/{employee.company_id}/employees/{employee.pk}/")
    assert "劳动合同" not in document.file.name
    with services.employee_document_open(document) as handle:
        assert handle.read() == PDF
    assert len(_files(media)) == 1


@pytest.mark.parametrize(
    ("content", "fields", "code", "status"),
    [
        (b"%PDF" + b"0" * MAX_BYTES, {}, "employee_document.too_large", 413),
        (b"", {}, "employee_document.empty", 422),
        (b"MZ\x90\x00 not a pdf", {}, "employee_document.type_refused", 415),
        (b"<html><script>", {}, "employee_document.type_refused", 415),
        (
            PDF,
            {"valid_from": "2026-02-01", "valid_to": "2026-01-31"},
            "employee_document.dates",
            422,
        ),
        (PDF, {"kind": "passport"}, "validation.choice", 422),
    ],
)
def test_a_refused_file_writes_neither_row_nor_file(employee, media, content, fields, code, status):
    arguments = {"kind": "contract", "filename": "x.pdf", **fields}
    with pytest.raises(DomainError) as refused:
        services.employee_document_add(employee=employee, content=content, **arguments)
    assert (refused.value.code, refused.value.status) == (code, status)
    assert EmployeeDocument.objects.count() == 0
    assert _files(media) == []


def test_deleting_removes_the_row_and_after_commit_the_file(
    employee, media, django_capture_on_commit_callbacks
):
    document = services.employee_document_add(employee=employee, kind="id", content=PNG)
    assert document.filename == "document.png" and document.content_type == "image/png"
    with django_capture_on_commit_callbacks(execute=True):
        services.employee_document_delete(document=document)
    assert EmployeeDocument.objects.count() == 0
    assert _files(media) == []


# -- the API ---------------------------------------------------------------------------------


def test_hr_uploads_lists_downloads_and_deletes_through_the_api(
    api_as, company, employee, media, django_capture_on_commit_callbacks
):
    hr = api_as(_member(company, ["hr"], "hr"), company)

    created = _upload(hr, employee, title="Contract", valid_to="2030-06-30")

    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["kind"], body["title"], body["filename"]) == (
        "contract",
        "Contract",
        "contract.pdf",
    )
    assert (body["size"], body["content_type"], body["valid_to"]) == (
        len(PDF),
        "application/pdf",
        "2030-06-30",
    )
    assert body["employee"] == employee.pk and body["expiry"] == ""
    listed = hr.listed(f"/employees/{employee.pk}/documents")
    assert [d["id"] for d in listed["items"]] == [body["id"]]
    assert hr.get(f"/employees/{employee.pk}/documents/{body['id']}").json()["title"] == "Contract"

    download = hr.get(f"/employees/{employee.pk}/documents/{body['id']}/file")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="contract.pdf"'

    with django_capture_on_commit_callbacks(execute=True):
        removed = hr.delete(f"/employees/{employee.pk}/documents/{body['id']}")
    assert removed.status_code == 204
    assert EmployeeDocument.objects.count() == 0 and _files(media) == []
    gone = hr.get(f"/employees/{employee.pk}/documents/{body['id']}/file")
    assert (gone.status_code, gone.json()["code"]) == (404, "employee_document.not_found")


def test_an_oversize_or_foreign_file_is_refused_with_nothing_written(
    api_as, company, employee, media
):
    hr = api_as(_member(company, ["hr"], "hr"), company)

    too_big = _upload(hr, employee, content=b"%PDF-" + b"0" * MAX_BYTES)
    assert too_big.status_code == 413
    assert too_big.json()["code"] == "employee_document.too_large"
    script = _upload(hr, employee, content=b"#!/bin/sh\nrm -rf /\n", name="contract.pdf")
    assert (script.status_code, script.json()["code"]) == (415, "employee_document.type_refused")
    dates = _upload(hr, employee, valid_from="2026-02-01", valid_to="2026-01-01")
    assert (dates.status_code, dates.json()["code"]) == (422, "employee_document.dates")
    assert EmployeeDocument.objects.count() == 0 and _files(media) == []


def test_only_hr_reads_documents_and_another_company_cannot(
    api_as, company, other_company, employee
):
    document = services.employee_document_add(employee=employee, kind="contract", content=PDF)
    base = f"/employees/{employee.pk}/documents"
    sales = api_as(_member(company, ["sales"], "rep"), company)
    for path in (base, f"{base}/{document.pk}", f"{base}/{document.pk}/file"):
        assert sales.get(path).status_code == 403
    assert _upload(sales, employee).status_code == 403
    assert sales.delete(f"{base}/{document.pk}").status_code == 403
    # the read-only role sees the business, never HR's files
    reader = api_as(_member(company, ["readonly"], "reader"), company)
    assert reader.get(f"{base}/{document.pk}/file").status_code == 403

    stranger = UserFactory(username="other-hr")
    membership_grant(user=stranger, company=other_company, roles=["hr"])
    own = api_as(stranger, other_company)
    for path in (base, f"{base}/{document.pk}", f"{base}/{document.pk}/file"):
        assert own.get(path).status_code == 404
    assert own.delete(f"{base}/{document.pk}").status_code == 404
    assert _upload(own, employee).status_code == 404
    assert api_as(stranger, company).get(base).status_code == 403
    assert EmployeeDocument.objects.count() == 1


def test_documents_expiring_within_30_days_are_listed_soonest_first(api_as, company, hire):
    today = _today(company)
    first, second = hire("E1", 10000), hire("E2", 10000)
    soon = services.employee_document_add(
        employee=second, kind="id", content=PNG, valid_to=today + timedelta(days=10)
    )
    sooner = services.employee_document_add(
        employee=first, kind="certificate", content=PDF, valid_to=today + timedelta(days=2)
    )
    services.employee_document_add(
        employee=first, kind="contract", content=PDF, valid_to=today + timedelta(days=31)
    )
    services.employee_document_add(
        employee=first, kind="id", content=PNG, valid_to=today - timedelta(days=1)
    )
    services.employee_document_add(employee=first, kind="other", content=PDF)
    hr = api_as(_member(company, ["hr"], "hr"), company)

    expiring = hr.listed("/employee-documents", expiring_within=30)

    assert [d["id"] for d in expiring["items"]] == [sooner.pk, soon.pk]
    assert {d["expiry"] for d in expiring["items"]} == {"expiring"}
    everything = hr.listed("/employee-documents")
    assert everything["count"] == 5
    assert sorted(d["expiry"] for d in everything["items"]) == [
        "",
        "",
        "expired",
        "expiring",
        "expiring",
    ]
    page = _login(_member(company, ["hr"], "hr2")).get("/hr/").content.decode()
    table = page[page.index('id="expiring-documents"') :]
    assert table.index("E1 Employee E1") < table.index("E2 Employee E2")


# -- the pages ---------------------------------------------------------------------------------


def _login(user):
    client = Client()
    client.force_login(user)
    return client


def test_hr_uploads_on_the_employee_page_and_the_employee_downloads_from_their_own_page(
    company, employee, media
):
    hr = _login(_member(company, ["hr"], "hr"))
    detail = hr.get(f"/hr/employees/{employee.pk}/").content.decode()
    assert 'id="document-form"' in detail and "No documents yet." in detail

    answer = hr.post(
        f"/hr/employees/{employee.pk}/documents/",
        {
            "file": SimpleUploadedFile("id-card.png", PNG),
            "kind": "id",
            "title": "ID card",
            "valid_to": str(_today(company) + timedelta(days=5)),
        },
        follow=True,
    )
    page = answer.content.decode()
    document = EmployeeDocument.objects.get()
    assert "The document is attached." in page
    assert f"/hr/documents/{document.pk}/" in page and "ID card" in page
    assert "Expires in 5 days" in page
    refused = hr.post(
        f"/hr/employees/{employee.pk}/documents/",
        {"file": SimpleUploadedFile("a.pdf", b"plain text"), "kind": "contract"},
        follow=True,
    ).content.decode()
    assert "The file must be a PDF, PNG or JPEG." in refused
    assert EmployeeDocument.objects.count() == 1 and len(_files(media)) == 1

    own = _member(company, ["sales"], "own")
    Employee.objects.filter(pk=employee.pk).update(user=own)
    mine = _login(own).get("/hr/me/").content.decode()
    assert 'id="document-table"' in mine and "ID card" in mine
    assert 'id="document-form"' not in mine and "document_delete" not in mine
    assert "/delete/" not in mine
    download = _login(own).get(f"/hr/documents/{document.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    # the employee's user has no HR permission: the employee page and the upload are refused
    assert _login(own).get(f"/hr/employees/{employee.pk}/").status_code == 403
    assert (
        _login(own)
        .post(
            f"/hr/employees/{employee.pk}/documents/",
            {"file": SimpleUploadedFile("x.pdf", PDF), "kind": "other"},
        )
        .status_code
        == 403
    )
    stranger = _member(company, ["sales"], "stranger")
    assert _login(stranger).get(f"/hr/documents/{document.pk}/").status_code == 404

    hr.post(f"/hr/employees/{employee.pk}/documents/{document.pk}/delete/")
    assert EmployeeDocument.objects.count() == 0


def test_hr_home_sends_an_employee_without_hr_rights_to_their_own_page(company, employee):
    own = _member(company, ["sales"], "own")
    Employee.objects.filter(pk=employee.pk).update(user=own)
    answer = _login(own).get("/hr/")
    assert answer.status_code == 302 and answer["Location"] == "/hr/me/"
    assert _login(_member(company, ["sales"], "nobody")).get("/hr/").status_code == 403


def test_a_malformed_upload_answers_4xx_never_500(api_as, company, employee, media):
    hr = api_as(_member(company, ["hr"], "hr"), company)
    url = f"/employees/{employee.pk}/documents"

    assert hr.post(url, {"kind": "contract"}).status_code == 422  # JSON, no file
    no_file = hr.client.post("/api/v1" + url, {"kind": "contract"}, headers=hr._headers(None))
    assert no_file.status_code == 422
    assert _upload(hr, employee, kind="passport").status_code == 422
    assert _upload(hr, employee, valid_to="31.12.2026").status_code == 422
    assert _upload(hr, employee, title="a\x00b").status_code == 422
    assert hr.get("/employee-documents", {"kind": "passport"}).status_code == 422
    assert hr.get("/employee-documents", {"expiring_within": -1}).status_code == 422
    assert EmployeeDocument.objects.count() == 0 and _files(media) == []
