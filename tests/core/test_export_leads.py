"""Leads export in the columns their import reads, so the file imports back onto the same
leads (through the engine and through GET /exports/leads)."""

import csv
import io

import pytest

from tandem.core.imports import import_object, import_run
from tandem.crm.models import Lead
from tandem.crm.services import lead_create

FILE = (
    "External key,Name,Contact person,Company,Email,Notes\n"
    "L-1,Valves for the new plant,Li Na,Harbour Trading,li@harbour.test,call back\n"
    "L-2,Pumps,Zhou Jie,Zhou Valves,,\n"
)


def _import(company, content: str):
    return import_run(
        company=company, object_name="leads", name="leads.csv", content=content.encode()
    )


@pytest.mark.django_db
def test_exported_leads_import_back_onto_the_same_leads(company):
    assert _import(company, FILE).created == 2
    lead_create(company=company, name="Typed in by hand", contact_name="Wu Fei")  # no key

    headers, rows = import_object("leads").export(company)
    out = io.StringIO()
    csv.writer(out).writerows([headers, *rows])
    again = _import(company, out.getvalue().replace("Pumps", "Pumps DN80"))

    assert (again.created, again.updated, again.errors) == (0, 3, [])
    assert Lead.objects.filter(company=company).count() == 3
    assert Lead.objects.get(company=company, name="Pumps DN80").contact_name == "Zhou Jie"
    first = next(csv.DictReader(io.StringIO(out.getvalue())))
    assert (first["external_key"], first["email"], first["notes"]) == (
        "L-1",
        "li@harbour.test",
        "call back",
    )


@pytest.mark.django_db
def test_the_leads_export_through_the_api(api, company):
    _import(company, FILE)

    response = api.get("/exports/leads")

    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("external_key,name,contact_name")
    assert len(lines) == 3
