from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext

from tandem.parties.models import Address, Contact, Party, Tag
from tandem.parties.services import party_create
from tests.parties.conftest import INVALID_USCC, OTHER_USCC, VALID_USCC

FULL = {
    "kind": "organization",
    "name": "Xiamen Harbour Trading",
    "is_customer": True,
    "is_supplier": False,
    "email": "Sales@Harbour.example",
    "phone": "0592 123 4567",
    "website": "harbour.example",
    "tax_id": "91350100-M000100Y43",
    "country": "CN",
    "currency": "usd",
    "credit_limit": "50000.5",
    "tags": ["VIP", "Fujian", "vip"],
    "notes": "Pays on time.",
}


def _snapshot():
    return (Party.objects.count(), Tag.objects.count(), Contact.objects.count())


# -- create and read -----------------------------------------------------------------------------


def test_create_returns_201_with_every_field_normalised(api, company):
    # when
    response = api.post("/parties", FULL)

    # then
    assert response.status_code == 201
    body = response.json()
    party = Party.objects.get()
    assert body == {
        "id": party.pk,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
        "company": company.pk,
        "kind": "organization",
        "name": "Xiamen Harbour Trading",
        "is_customer": True,
        "is_supplier": False,
        "email": "sales@harbour.example",
        "phone": "+865921234567",
        "website": "https://harbour.example",
        "tax_id": VALID_USCC,
        "country": "CN",
        "language": "",
        "currency": "USD",
        "credit_limit": "50000.50",
        "payment_term": None,
        "tags": ["Fujian", "VIP"],
        "addresses": [],
        "contacts": [],
        "notes": "Pays on time.",
        "active": True,
    }
    assert party.credit_limit == Decimal("50000.50")
    assert body["created_at"].startswith(str(party.created_at.date()))


def test_country_and_currency_default_to_the_companys(api, company):
    response = api.post("/parties", {"name": "Local Buyer"})

    assert response.status_code == 201
    body = response.json()
    assert (body["country"], body["currency"], body["credit_limit"]) == ("CN", "CNY", "0.00")


def test_read_returns_the_party_with_contacts_and_addresses(api, make_party):
    # given
    party = make_party("Lin & Sons", tax_id=VALID_USCC)
    api.post(f"/parties/{party.pk}/contacts", {"name": "Lin Tao", "job_title": "Buyer"})
    api.post(f"/parties/{party.pk}/addresses", {"kind": "shipping", "city": "Fuzhou"})

    # when
    body = api.get(f"/parties/{party.pk}").json()

    # then
    assert body["name"] == "Lin & Sons"
    assert [(c["name"], c["job_title"], c["is_primary"]) for c in body["contacts"]] == [
        ("Lin Tao", "Buyer", True)
    ]
    assert [(a["kind"], a["city"], a["country"], a["is_default"]) for a in body["addresses"]] == [
        ("shipping", "Fuzhou", "CN", True)
    ]


def test_payment_term_is_set_by_id(api, company):
    term = api.post("/payment-terms", {"name": "Net 30", "due_days": 30}).json()

    response = api.post("/parties", {"name": "Termed", "payment_term": term["id"]})

    assert response.status_code == 201
    assert response.json()["payment_term"] == term["id"]


# -- update and delete ---------------------------------------------------------------------------


def test_patch_changes_only_the_given_fields_and_replaces_tags(api, make_party):
    # given
    party = make_party("Old Name", email="a@example.com", tags=["A", "B"], is_customer=True)

    # when
    response = api.patch(f"/parties/{party.pk}", {"name": "New Name", "tags": ["B", "C"]})

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["email"], body["is_customer"]) == (
        "New Name",
        "a@example.com",
        True,
    )
    assert body["tags"] == ["B", "C"]
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["A", "B", "C"]


def test_patch_with_invalid_value_changes_nothing(api, make_party):
    party = make_party("Keep Me", email="keep@example.com")

    response = api.patch(f"/parties/{party.pk}", {"name": "Changed", "email": "not-an-email"})

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "email", "message": "Enter a valid email address."}
    ]
    party.refresh_from_db()
    assert (party.name, party.email) == ("Keep Me", "keep@example.com")


def test_patch_null_on_a_required_field_is_422(api, make_party):
    party = make_party("Required")

    response = api.patch(f"/parties/{party.pk}", {"name": None, "is_customer": None})

    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"name", "is_customer"}
    party.refresh_from_db()
    assert (party.name, party.is_customer) == ("Required", False)


def test_delete_removes_the_party_with_its_contacts_and_addresses(api, make_party):
    party = make_party("Gone Soon")
    api.post(f"/parties/{party.pk}/contacts", {"name": "Someone"})
    api.post(f"/parties/{party.pk}/addresses", {"city": "Xiamen"})

    response = api.delete(f"/parties/{party.pk}")

    assert response.status_code == 204
    assert not Party.objects.exists()
    assert not Contact.objects.exists()
    assert not Address.objects.exists()


def test_delete_of_a_party_in_use_is_409_and_keeps_it(api, make_party, monkeypatch):
    # given: documents of a later app protect the party
    party = make_party("In Use")

    def protected(self, *args, **kwargs):
        raise ProtectedError("referenced", set())

    monkeypatch.setattr(Party, "delete", protected)

    # when
    response = api.delete(f"/parties/{party.pk}")

    # then
    assert response.status_code == 409
    assert response.json()["code"] == "party.in_use"
    assert Party.objects.filter(pk=party.pk).exists()


# -- duplicates ------------------------------------------------------------------------------------


def test_duplicate_tax_id_is_409_with_the_existing_id(api, make_party):
    existing = make_party("First", tax_id=VALID_USCC)

    # the same code, typed with separators and in lower case
    response = api.post(
        "/parties", {"name": "Second", "tax_id": VALID_USCC.lower()[:8] + " " + VALID_USCC[8:]}
    )

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "party.duplicate"
    assert body["existing_id"] == existing.pk
    assert body["errors"][0]["field"] == "tax_id"
    assert Party.objects.count() == 1


def test_duplicate_email_is_409_with_the_existing_id(api, make_party):
    existing = make_party("First", email="buyer@example.com")

    response = api.post("/parties", {"name": "Second", "email": "BUYER@example.com"})

    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["existing_id"]) == ("party.duplicate", existing.pk)
    assert body["errors"][0]["field"] == "email"
    assert Party.objects.count() == 1


def test_allow_duplicate_creates_the_second_party(api, make_party):
    make_party("First", email="buyer@example.com", tax_id=VALID_USCC)

    response = api.post(
        "/parties?allow_duplicate=true",
        {"name": "Second", "email": "buyer@example.com", "tax_id": VALID_USCC},
    )

    assert response.status_code == 201
    assert Party.objects.filter(tax_id=VALID_USCC).count() == 2


def test_updating_to_an_existing_tax_id_is_409(api, make_party):
    first = make_party("First", tax_id=VALID_USCC)
    second = make_party("Second", tax_id=OTHER_USCC)

    response = api.patch(f"/parties/{second.pk}", {"tax_id": VALID_USCC})

    assert response.status_code == 409
    assert response.json()["existing_id"] == first.pk
    second.refresh_from_db()
    assert second.tax_id == OTHER_USCC


def test_duplicates_in_another_company_do_not_count(api, make_party, other_company):
    make_party("Elsewhere", of=other_company, email="buyer@example.com")

    response = api.post("/parties", {"name": "Here", "email": "buyer@example.com"})

    assert response.status_code == 201


def test_editing_other_fields_of_a_known_duplicate_is_allowed(api, company, make_party):
    make_party("First", email="dup@example.com")
    second = make_party("Second", email="dup@example.com", allow_duplicate=True)

    response = api.patch(f"/parties/{second.pk}", {"notes": "still a duplicate"})

    assert response.status_code == 200


# -- validation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({"tax_id": INVALID_USCC}, "tax_id", "party.tax_id_invalid"),
        ({"tax_id": "12345"}, "tax_id", "party.tax_id_invalid"),
        ({"email": "no-at-sign"}, "email", "validation.email"),
        ({"phone": "12"}, "phone", "validation.phone"),
        ({"phone": "+86 999"}, "phone", "validation.phone"),
        ({"currency": "QQQ"}, "currency", "currency.unknown"),
        ({"credit_limit": "-0.01"}, "credit_limit", "party.credit_limit_invalid"),
        ({"credit_limit": "1e17"}, "credit_limit", "party.credit_limit_invalid"),
        ({"name": "x" * 201}, "name", "validation.too_long"),
        ({"name": "   "}, "name", "validation.required"),
        ({"country": "XY"}, "country", "validation.country"),
        ({"website": "not a url"}, "website", "validation.url"),
        ({"payment_term": 999999}, "payment_term", "payment_term.unknown"),
        ({"notes": "n" * 10_001}, "notes", "validation.too_long"),
    ],
)
def test_invalid_input_is_422_naming_the_field_and_writes_nothing(api, payload, field, code):
    before = _snapshot()

    response = api.post("/parties", {"name": "Valid Name", "tags": ["New"], **payload})

    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    assert [e["field"] for e in body["errors"]] == [field]
    assert _snapshot() == before


@pytest.mark.parametrize(
    "payload",
    [
        {"name": "K", "kind": "robot"},
        {"name": "K", "credit_limit": "lots"},
        {"name": "K", "credit_limit": "NaN"},
        {"name": "K", "is_customer": "perhaps"},
        {"name": 12},
        {"name": "K", "tags": "VIP"},
        {},
    ],
)
def test_malformed_input_is_422_never_500(api, payload):
    response = api.post("/parties", payload)

    assert response.status_code == 422
    assert response.json()["code"] == "validation.invalid"
    assert not Party.objects.exists()


def test_all_invalid_fields_are_reported_at_once(api):
    response = api.post("/parties", {"name": "Many Errors", "email": "bad", "tax_id": INVALID_USCC})

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation.invalid"
    assert [(e["field"], e["code"]) for e in body["errors"]] == [
        ("email", "validation.email"),
        ("tax_id", "party.tax_id_invalid"),
    ]


def test_the_tax_id_follows_the_partys_country(api):
    # a German VAT number is valid for a German party, not for a Chinese one
    german = {"name": "Berlin GmbH", "tax_id": "DE 136,695 976", "country": "DE"}
    assert api.post("/parties", {**german, "country": "CN"}).status_code == 422

    response = api.post("/parties", german)

    assert response.status_code == 201
    assert response.json()["tax_id"] == "136695976"  # stdnum's compact form


def test_a_us_phone_is_read_in_the_partys_country(api):
    response = api.post("/parties", {"name": "NYC Inc", "country": "US", "phone": "(212) 555-0123"})

    assert response.status_code == 201
    assert response.json()["phone"] == "+12125550123"


# -- permissions and company scope -----------------------------------------------------------------


def test_read_only_role_may_list_but_not_write(api_as, reader, company, make_party):
    party = make_party("Visible")
    client = api_as(reader, company)

    assert client.get("/parties").json()["count"] == 1
    assert client.post("/parties", {"name": "Nope"}).status_code == 403
    assert client.patch(f"/parties/{party.pk}", {"name": "Nope"}).status_code == 403
    assert client.delete(f"/parties/{party.pk}").status_code == 403
    assert list(Party.objects.values_list("name", flat=True)) == ["Visible"]


def test_another_companys_party_is_404_and_untouched(api, make_party, other_company):
    foreign = make_party("Foreign Co", of=other_company)

    assert api.get(f"/parties/{foreign.pk}").status_code == 404
    assert api.patch(f"/parties/{foreign.pk}", {"name": "Hijacked"}).status_code == 404
    assert api.delete(f"/parties/{foreign.pk}").status_code == 404
    assert api.get(f"/parties/{foreign.pk}/contacts").status_code == 404
    assert api.post(f"/parties/{foreign.pk}/contacts", {"name": "Spy"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.name == "Foreign Co"
    assert not Contact.objects.exists()


def test_another_companys_parties_never_appear_in_list_or_search(
    api, api_as, stranger, make_party, other_company
):
    make_party("Acme Buyer", email="buyer@acme.example")
    make_party("Other Buyer", of=other_company, email="buyer@other.example")

    listed = api.get("/parties").json()
    searched = api.get("/parties", {"search": "buyer"}).json()
    theirs = api_as(stranger, other_company).get("/parties", {"search": "buyer"}).json()

    assert [p["name"] for p in listed["items"]] == ["Acme Buyer"]
    assert [p["name"] for p in searched["items"]] == ["Acme Buyer"]
    assert [p["name"] for p in theirs["items"]] == ["Other Buyer"]


def test_unknown_party_id_is_404(api):
    response = api.get("/parties/987654")

    assert response.status_code == 404
    assert response.json()["code"] == "party.not_found"


# -- list: search, filters, ordering, pagination ---------------------------------------------------


@pytest.fixture
def listed(company, make_party):
    """Four parties of ACME with different roles, countries and tags."""
    alpha = make_party(
        "Alpha Foods", is_customer=True, country="CN", tags=["VIP"], phone="13800138000"
    )
    beta = make_party("Beta Metals", is_supplier=True, country="DE", email="info@beta.example")
    gamma = make_party(
        "Gamma Retail", is_customer=True, is_supplier=True, country="US", tax_id="12-3456789"
    )
    delta = make_party("Delta Archive", is_customer=True, country="CN", active=False)
    from tandem.parties.services import contact_create

    contact_create(party=beta, name="Zhang Wei")
    return {"alpha": alpha, "beta": beta, "gamma": gamma, "delta": delta}


def _names(api, **params):
    response = api.get("/parties", params)
    assert response.status_code == 200, response.content
    return [p["name"] for p in response.json()["items"]]


def test_list_filters_by_role_country_tag_and_active(api, listed):
    assert _names(api, role="customer") == ["Alpha Foods", "Delta Archive", "Gamma Retail"]
    assert _names(api, role="supplier") == ["Beta Metals", "Gamma Retail"]
    assert _names(api, country="cn") == ["Alpha Foods", "Delta Archive"]
    assert _names(api, tag="vip") == ["Alpha Foods"]
    assert _names(api, active="false") == ["Delta Archive"]
    assert _names(api, role="customer", active="true", country="CN") == ["Alpha Foods"]


def test_list_search_covers_name_email_phone_tax_id_and_contacts(api, listed):
    assert _names(api, search="metals") == ["Beta Metals"]
    assert _names(api, search="info@beta") == ["Beta Metals"]
    assert _names(api, search="138 0013 8000") == ["Alpha Foods"]
    assert _names(api, search="123456789") == ["Gamma Retail"]
    assert _names(api, search="zhang") == ["Beta Metals"]


def test_list_ordering(api, listed):
    assert _names(api, ordering="-name") == [
        "Gamma Retail",
        "Delta Archive",
        "Beta Metals",
        "Alpha Foods",
    ]
    assert _names(api, ordering="created_at") == [
        "Alpha Foods",
        "Beta Metals",
        "Gamma Retail",
        "Delta Archive",
    ]
    assert _names(api, ordering="country") == [
        "Alpha Foods",
        "Delta Archive",
        "Beta Metals",
        "Gamma Retail",
    ]


def test_list_rejects_unknown_ordering_and_role(api, listed):
    assert api.get("/parties", {"ordering": "password"}).status_code == 422
    assert api.get("/parties", {"role": "boss"}).status_code == 422


def test_list_pages_with_limit_and_offset(api, listed):
    body = api.get("/parties", {"limit": 2, "offset": 1}).json()

    assert body["count"] == 4
    assert [p["name"] for p in body["items"]] == ["Beta Metals", "Delta Archive"]


def test_list_runs_the_same_number_of_queries_for_5_and_40_parties(
    api, company, django_assert_num_queries
):
    def add(n, start):
        for i in range(start, start + n):
            party = party_create(
                company=company, name=f"Party {i:02d}", tags=["A", f"T{i}"], is_customer=True
            )
            from tandem.parties.services import address_create, contact_create

            address_create(party=party, city=f"City {i}")
            contact_create(party=party, name=f"Person {i}")

    add(5, 0)
    api.get("/parties")  # warm up: token touch, caches
    with CaptureQueriesContext(connection) as five:
        body = api.get("/parties", {"limit": 100}).json()
    assert body["count"] == 5

    add(35, 5)
    with django_assert_num_queries(len(five.captured_queries)):
        body = api.get("/parties", {"limit": 100}).json()

    assert body["count"] == 40
    assert all(len(p["tags"]) == 2 and len(p["addresses"]) == 1 for p in body["items"])


def test_a_party_s_preferred_language_is_kept_and_checked(api, company):
    created = api.post("/parties", {"name": "上海客户", "language": "zh-hans"})
    assert created.status_code == 201 and created.json()["language"] == "zh-hans"
    refused = api.patch(f"/parties/{created.json()['id']}", {"language": "fr"})
    assert refused.status_code == 422
    assert refused.json()["code"] == "validation.choice"
    assert Party.objects.get(pk=created.json()["id"]).language == "zh-hans"
    cleared = api.patch(f"/parties/{created.json()['id']}", {"language": ""})
    assert cleared.json()["language"] == ""
