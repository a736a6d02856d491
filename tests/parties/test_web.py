import csv
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from tandem.parties import services
from tandem.parties.models import Address, Contact, Party, PaymentTerm, Tag
from tests.parties.conftest import INVALID_USCC, VALID_USCC


def _form(**overrides):
    data = {
        "kind": "organization",
        "name": "Web Made Ltd",
        "is_customer": "on",
        "email": "",
        "phone": "",
        "website": "",
        "tax_id": "",
        "country": "CN",
        "currency": "CNY",
        "credit_limit": "",
        "payment_term": "",
        "tags": "",
        "notes": "",
        "active": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def parties(company, other_company, make_party):
    return {
        "alpha": make_party("Alpha Foods", is_customer=True, tags=["VIP"], email="a@alpha.example"),
        "beta": make_party("Beta Metals", is_supplier=True, country="DE"),
        "gamma": make_party("Gamma Retail", is_customer=True, country="US"),
        "foreign": make_party("Foreign Buyer", of=other_company, is_customer=True),
    }


# -- list and export -------------------------------------------------------------------------------


def test_list_shows_the_companys_parties_with_filters(web, parties):
    page = web.get("/parties/").content.decode()

    assert 'name="search"' in page and 'name="role"' in page and 'name="tag"' in page
    assert "Export CSV" in page and "Export XLSX" in page
    for name in ("Alpha Foods", "Beta Metals", "Gamma Retail"):
        assert name in page
    assert "Foreign Buyer" not in page


def test_list_filters_by_role_and_tag(web, parties):
    customers = web.get("/parties/", {"role": "customer"}).content.decode()
    vip = web.get("/parties/", {"tag": "VIP"}).content.decode()

    assert "Alpha Foods" in customers and "Gamma Retail" in customers
    assert "Beta Metals" not in customers
    assert "Alpha Foods" in vip and "Gamma Retail" not in vip


def test_htmx_filter_request_gets_only_the_results(web, parties):
    response = web.get(
        "/parties/",
        {"search": "beta"},
        headers={"HX-Request": "true", "HX-Target": "party-results"},
    )

    html = response.content.decode()
    assert "<html" not in html
    assert "Beta Metals" in html and "Alpha Foods" not in html
    assert "/parties/export/?search=beta&amp;format=csv" in html
    assert "HX-Request" in response["Vary"]


def test_list_sorts_and_pages_by_50(web, company, make_party):
    for i in range(51):
        make_party(f"P{i:02d}")

    first = web.get("/parties/", {"ordering": "-name"}).content.decode()
    second = web.get("/parties/", {"ordering": "-name", "page": 2}).content.decode()

    assert first.index("P50") < first.index("P49")
    assert "P01" in first and "P00" not in first
    assert "P00" in second and "P01" not in second
    assert "Page 2 of 2" in second


def test_csv_export_has_the_header_and_exactly_the_filtered_rows(web, parties):
    response = web.get("/parties/export/", {"format": "csv", "role": "customer"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "id",
        "kind",
        "name",
        "is_customer",
        "is_supplier",
        "email",
        "phone",
        "website",
        "tax_id",
        "country",
        "currency",
        "credit_limit",
        "payment_term",
        "active",
        "created_at",
    ]
    assert [(r[2], r[3], r[10], r[11]) for r in rows[1:]] == [
        ("Alpha Foods", "True", "CNY", "0.00"),
        ("Gamma Retail", "True", "CNY", "0.00"),
    ]
    assert "Foreign Buyer" not in text


def test_xlsx_export_opens_with_the_filtered_rows(web, parties):
    response = web.get("/parties/export/", {"format": "xlsx", "search": "a"})

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("id", "kind", "name")
    assert [row[2] for row in rows[1:]] == ["Alpha Foods", "Beta Metals", "Gamma Retail"]


def test_export_of_unknown_format_is_404(web, parties):
    assert web.get("/parties/export/", {"format": "pdf"}).status_code == 404


# -- create and edit -------------------------------------------------------------------------------


def test_create_form_creates_and_redirects_to_the_detail(web, company):
    response = web.post(
        "/parties/new/", _form(tax_id=VALID_USCC, phone="13800138000", tags="VIP, Retail")
    )

    party = Party.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/parties/{party.pk}/"
    assert (party.name, party.phone, party.tax_id) == ("Web Made Ltd", "+8613800138000", VALID_USCC)
    assert sorted(party.tags.values_list("name", flat=True)) == ["Retail", "VIP"]


def test_create_form_shows_each_field_error_and_creates_nothing(web, company):
    response = web.post(
        "/parties/new/",
        _form(email="not-an-email", tax_id=INVALID_USCC, phone="12", credit_limit="-5"),
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {
        "email": ["Enter a valid email address."],
        "phone": ["Enter a valid phone number (with country prefix, e.g. +86 138 0013 8000)."],
        "tax_id": [f"{INVALID_USCC} is not a valid tax ID for country CN."],
        "credit_limit": ["The credit limit cannot be negative."],
    }
    html = response.content.decode()
    assert "Enter a valid email address." in html
    assert "is not a valid tax ID for country CN." in html
    assert not Party.objects.exists()


def test_duplicate_warning_links_to_the_existing_party_and_create_anyway_works(web, make_party):
    existing = make_party("Alpha Foods", tax_id=VALID_USCC)

    warned = web.post("/parties/new/", _form(name="Alpha Again", tax_id=VALID_USCC))
    html = warned.content.decode()
    assert warned.status_code == 200
    assert 'data-testid="duplicate-warning"' in html
    assert f'href="/parties/{existing.pk}/"' in html
    assert 'name="allow_duplicate"' in html
    assert Party.objects.count() == 1

    created = web.post(
        "/parties/new/", _form(name="Alpha Again", tax_id=VALID_USCC, allow_duplicate="on")
    )
    assert created.status_code == 302
    assert Party.objects.filter(tax_id=VALID_USCC).count() == 2


def test_detail_shows_the_audit_trail_with_old_and_new_values(web, make_party):
    party = make_party("Old Trading Name", credit_limit="1000")
    form = _form(name="New Trading Name", credit_limit="2500", is_customer=None)

    response = web.post(f"/parties/{party.pk}/edit/", form)
    assert response.status_code == 302

    page = web.get(f"/parties/{party.pk}/").content.decode()
    assert "New Trading Name" in page
    history = page[page.index('class="history"') :]
    assert "<strong>name</strong>: <del>Old Trading Name</del> → New Trading Name" in history
    assert "<strong>credit limit</strong>: <del>1000.00</del> → 2500.00" in history
    assert "Created" in history and "owner" in history


def test_detail_shows_profile_contacts_and_addresses(web, make_party):
    party = make_party("Profile Co", phone="13800138000", tags=["VIP"])
    services.contact_create(party=party, name="Wang Fang", job_title="Buyer")
    services.address_create(party=party, kind="shipping", city="Xiamen")

    page = web.get(f"/parties/{party.pk}/").content.decode()

    for text in ("+86 138 0013 8000", "VIP", "Wang Fang", "Buyer", "Xiamen", "Shipping", "China"):
        assert text in page


def test_edit_keeps_unchanged_values_and_records_no_change(web, make_party):
    party = make_party("Stable", tax_id=VALID_USCC, phone="13800138000", tags=["A"])
    get = web.get(f"/parties/{party.pk}/edit/")
    initial = get.context["form"].initial
    data = _form(**{k: v for k, v in initial.items() if isinstance(v, str)})
    data.pop("is_customer")

    response = web.post(f"/parties/{party.pk}/edit/", data)

    assert response.status_code == 302
    assert party.history.count() == 1


# -- contacts, addresses, delete -------------------------------------------------------------------


def test_contact_add_edit_and_remove_through_the_web(web, make_party):
    party = make_party("Contacts Co")

    assert web.post(
        f"/parties/{party.pk}/contacts/new/", {"name": "Zhou Min", "email": "bad"}
    ).context["form"].errors == {"email": ["Enter a valid email address."]}
    assert not Contact.objects.exists()

    web.post(f"/parties/{party.pk}/contacts/new/", {"name": "Zhou Min", "mobile": "13900139000"})
    contact = Contact.objects.get()
    assert (contact.mobile, contact.is_primary) == ("+8613900139000", False)

    web.post(
        f"/parties/{party.pk}/contacts/{contact.pk}/",
        {"name": "Zhou Min", "job_title": "Manager", "is_primary": "on"},
    )
    contact.refresh_from_db()
    assert (contact.job_title, contact.is_primary) == ("Manager", True)

    assert web.get(f"/parties/{party.pk}/contacts/{contact.pk}/delete/").status_code == 405
    web.post(f"/parties/{party.pk}/contacts/{contact.pk}/delete/")
    assert not Contact.objects.exists()


def test_address_add_through_the_web(web, make_party):
    party = make_party("Address Co", country="DE")

    form = web.get(f"/parties/{party.pk}/addresses/new/").context["form"]
    assert form.initial["country"] == "DE"
    response = web.post(
        f"/parties/{party.pk}/addresses/new/",
        {
            "kind": "billing",
            "street": "Unter den Linden 1",
            "city": "Berlin",
            "country": "DE",
            "is_default": "on",
        },
    )

    assert response.status_code == 302
    address = Address.objects.get()
    assert (address.city, address.country, address.is_default) == ("Berlin", "DE", True)


def test_party_delete_needs_a_post(web, make_party):
    party = make_party("Delete Me")

    assert web.get(f"/parties/{party.pk}/delete/").status_code == 200
    assert Party.objects.filter(pk=party.pk).exists()

    response = web.post(f"/parties/{party.pk}/delete/")
    assert response.status_code == 302
    assert not Party.objects.exists()


def test_tag_and_payment_term_pages(web, company):
    web.post("/parties/tags/", {"name": "Export", "color": "#123456"})
    web.post("/parties/payment-terms/", {"name": "Net 45", "due_days": "45"})
    duplicate = web.post("/parties/payment-terms/", {"name": "Net 45", "due_days": "10"})

    assert list(Tag.objects.values_list("name", "color")) == [("Export", "#123456")]
    assert list(PaymentTerm.objects.values_list("name", "due_days")) == [("Net 45", 45)]
    assert duplicate.context["form"].errors == {"name": ["A payment term named Net 45 exists."]}
    assert "Export" in web.get("/parties/tags/").content.decode()


# -- access ---------------------------------------------------------------------------------------


def test_another_companys_party_pages_are_404(web, parties):
    foreign = parties["foreign"]

    assert web.get(f"/parties/{foreign.pk}/").status_code == 404
    assert web.get(f"/parties/{foreign.pk}/edit/").status_code == 404
    assert web.post(f"/parties/{foreign.pk}/delete/").status_code == 404
    assert Party.objects.filter(pk=foreign.pk).exists()


def test_read_only_user_sees_the_list_but_cannot_create(reader, parties):
    client = Client()
    client.force_login(reader)

    page = client.get("/parties/").content.decode()
    assert "Alpha Foods" in page and "New party" not in page
    assert client.get("/parties/new/").status_code == 403
    assert client.post("/parties/new/", _form()).status_code == 403
    assert client.post(f"/parties/{parties['alpha'].pk}/delete/").status_code == 403
    assert Party.objects.count() == 4


def test_anonymous_user_is_sent_to_login(db):
    response = Client().get("/parties/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_posts_without_csrf_token_are_refused(owner, company):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)

    assert client.post("/parties/new/", _form()).status_code == 403
    assert not Party.objects.exists()
