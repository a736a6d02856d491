"""Parties from a file: created with a contact and addresses, updated by key on re-import,
rejected rows named with their codes, and exported in a shape that imports back."""

import pytest

from tandem.core.errors import ValidationFailed
from tandem.core.imports import import_run
from tandem.core.models import ImportKey
from tandem.parties.models import Address, Contact, Party

HEADER = "External key,Name,Customer,Email,Phone,联系人,城市,Street,Shipping city\n"
GOOD = HEADER + (
    "C-1,Harbour Trading,yes,sales@harbour.test,,Li Na,Shanghai,1 Bund Road,Ningbo\n"
    "C-2,Zhou Valves,1,,,Zhou Jie,Wenzhou,,\n"
)


def _import(company, content, **kwargs):
    return import_run(
        company=company,
        object_name="parties",
        name="parties.csv",
        content=content.encode(),
        **kwargs,
    )


def test_rows_become_parties_with_a_contact_and_addresses(company):
    report = _import(company, GOOD)

    assert (report.rows, report.created, report.updated, report.errors) == (2, 2, 0, [])
    harbour = Party.objects.get(company=company, name="Harbour Trading")
    assert (harbour.is_customer, harbour.email, harbour.country) == (
        True,
        "sales@harbour.test",
        "CN",
    )
    assert [c.name for c in Contact.objects.filter(party=harbour)] == ["Li Na"]
    assert sorted(
        (a.kind, a.city, a.street, a.is_default) for a in Address.objects.filter(party=harbour)
    ) == [("billing", "Shanghai", "1 Bund Road", True), ("shipping", "Ningbo", "", True)]
    assert ImportKey.objects.filter(company=company, object="parties").count() == 2


def test_the_same_file_again_updates_instead_of_duplicating(company):
    _import(company, GOOD)
    again = _import(company, GOOD.replace("Zhou Valves", "Zhou Valves Ltd"))

    assert (again.created, again.updated, again.errors) == (0, 2, [])
    assert Party.objects.filter(company=company).count() == 2
    assert Contact.objects.filter(company=company).count() == 2
    assert Address.objects.filter(company=company).count() == 3
    assert Party.objects.filter(company=company, name="Zhou Valves Ltd").exists()


def test_bad_rows_are_rejected_with_codes_and_the_others_imported(company):
    bad = GOOD + (
        "C-1,Twice,yes,,,,,,\n"  # the key again
        "C-3,,yes,,,,,,\n"  # no name
        "C-4,Bad mail,maybe,not-an-email,,,,,\n"
    )
    report = _import(company, bad)

    assert (report.created, report.rejected_count) == (2, 3)
    assert [(e["row"], e["field"], e["code"]) for e in report.errors] == [
        (4, "external_key", "import.duplicate_key"),
        (5, "name", "import.required"),
        (6, "is_customer", "import.invalid_bool"),
    ]
    assert Party.objects.filter(company=company).count() == 2
    assert report.rejected[5] == ["C-3", "", "yes"]


def test_a_dry_run_checks_every_row_and_writes_nothing(company):
    report = _import(company, GOOD + "C-9,Bad,yes,nope,,,,,\n", dry_run=True)

    assert (report.created, report.rejected_count) == (2, 1)
    assert report.errors[0]["field"] == "email"
    assert [p["action"] for p in report.preview] == ["create", "create", "error"]
    assert not Party.objects.filter(company=company).exists()
    assert not ImportKey.objects.exists()


@pytest.mark.parametrize(
    ("content", "mapping", "code"),
    [
        ("External key,Name,Colour\nC-1,A,red\n", None, "import.unknown_column"),
        ("External key,Name\nC-1,A\n", {"Name": "nickname"}, "import.unknown_field"),
        ("External key,Name\nC-1,A\n", {"Nom": "name"}, "import.unknown_column"),
        ("Name,Email\nA,a@b.test\n", None, "import.missing_field"),
        ("External key,Name,名称\nC-1,A,B\n", {"名称": "name"}, "import.duplicate_column"),
    ],
)
def test_a_file_that_does_not_fit_is_refused_whole(company, content, mapping, code):
    with pytest.raises(ValidationFailed) as refused:
        _import(company, content, mapping=mapping)

    assert refused.value.code == code
    assert not Party.objects.exists()


def test_an_ignored_column_and_an_explicit_mapping(company):
    content = "编号,Firm,Colour\nC-1,Acme,red\n"
    report = _import(company, content, mapping={"Firm": "name", "Colour": ""})

    assert report.fields == ["external_key", "name", None]
    assert Party.objects.get(company=company).name == "Acme"
