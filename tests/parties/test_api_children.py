from tandem.parties.models import Address, Contact, Party, PaymentTerm, Tag

# -- contacts --------------------------------------------------------------------------------------


def test_contact_crud(api, make_party):
    party = make_party("Harbour Co")

    # create: the first contact becomes primary; the phone is read in the party's country
    created = api.post(
        f"/parties/{party.pk}/contacts",
        {
            "name": "Chen Jing",
            "job_title": "CFO",
            "email": "Chen@Harbour.example",
            "mobile": "139 0013 9000",
        },
    )
    assert created.status_code == 201
    contact = created.json()
    assert {k: contact[k] for k in ("party", "name", "email", "mobile", "is_primary")} == {
        "party": party.pk,
        "name": "Chen Jing",
        "email": "chen@harbour.example",
        "mobile": "+8613900139000",
        "is_primary": True,
    }
    url = f"/parties/{party.pk}/contacts/{contact['id']}"

    # read and list
    assert api.get(url).json()["job_title"] == "CFO"
    listed = api.get(f"/parties/{party.pk}/contacts").json()
    assert (listed["count"], listed["items"][0]["id"]) == (1, contact["id"])

    # update
    patched = api.patch(url, {"job_title": "CEO", "phone": "+1 212 555 0123"})
    assert patched.status_code == 200
    assert (patched.json()["job_title"], patched.json()["phone"]) == ("CEO", "+12125550123")

    # delete
    assert api.delete(url).status_code == 204
    assert not Contact.objects.exists()
    assert api.get(url).status_code == 404


def test_a_new_primary_contact_replaces_the_old_one(api, make_party):
    party = make_party("Harbour Co")
    first = api.post(f"/parties/{party.pk}/contacts", {"name": "First"}).json()
    second = api.post(f"/parties/{party.pk}/contacts", {"name": "Second"}).json()
    assert (first["is_primary"], second["is_primary"]) == (True, False)

    api.patch(f"/parties/{party.pk}/contacts/{second['id']}", {"is_primary": True})

    assert list(Contact.objects.order_by("name").values_list("name", "is_primary")) == [
        ("First", False),
        ("Second", True),
    ]


def test_invalid_contact_is_422_and_not_created(api, make_party):
    party = make_party("Harbour Co")

    response = api.post(
        f"/parties/{party.pk}/contacts", {"name": "Bad", "email": "nope", "phone": "1"}
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["email", "phone"]
    assert not Contact.objects.exists()


def test_contact_of_another_party_is_404(api, make_party):
    one = make_party("One")
    two = make_party("Two")
    contact = api.post(f"/parties/{one.pk}/contacts", {"name": "Only One's"}).json()

    assert api.get(f"/parties/{two.pk}/contacts/{contact['id']}").status_code == 404
    assert api.delete(f"/parties/{two.pk}/contacts/{contact['id']}").status_code == 404
    assert Contact.objects.count() == 1


# -- addresses -------------------------------------------------------------------------------------


def test_address_crud(api, make_party):
    party = make_party("Harbour Co", country="CN")

    created = api.post(
        f"/parties/{party.pk}/addresses",
        {
            "kind": "billing",
            "street": "88 Lujiang Road",
            "city": "Xiamen",
            "postal_code": "361001",
            "state": "Fujian",
        },
    )
    assert created.status_code == 201
    address = created.json()
    assert (address["country"], address["is_default"]) == ("CN", True)
    url = f"/parties/{party.pk}/addresses/{address['id']}"

    assert api.get(url).json()["street"] == "88 Lujiang Road"
    patched = api.patch(url, {"street2": "Floor 12", "country": "hk"})
    assert (patched.json()["street2"], patched.json()["country"]) == ("Floor 12", "HK")
    assert api.get(f"/parties/{party.pk}/addresses").json()["count"] == 1

    assert api.delete(url).status_code == 204
    assert not Address.objects.exists()


def test_one_default_address_per_kind(api, make_party):
    party = make_party("Harbour Co")
    base = f"/parties/{party.pk}/addresses"
    billing = api.post(base, {"kind": "billing", "city": "A"}).json()
    shipping = api.post(base, {"kind": "shipping", "city": "B"}).json()
    second_billing = api.post(base, {"kind": "billing", "city": "C"}).json()
    assert (billing["is_default"], shipping["is_default"], second_billing["is_default"]) == (
        True,
        True,
        False,
    )

    # when the second billing address becomes the default
    api.patch(f"{base}/{second_billing['id']}", {"is_default": True})

    # then the first steps down and the shipping default stays
    assert sorted(Address.objects.filter(is_default=True).values_list("kind", "city")) == [
        ("billing", "C"),
        ("shipping", "B"),
    ]


def test_invalid_address_kind_or_country_is_422(api, make_party):
    party = make_party("Harbour Co")
    base = f"/parties/{party.pk}/addresses"

    assert api.post(base, {"kind": "home"}).status_code == 422
    response = api.post(base, {"country": "Atlantis"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "country"
    assert not Address.objects.exists()


# -- tags and payment terms ------------------------------------------------------------------------


def test_tags_list_and_create(api, make_party, other_company):
    make_party("Tagged", tags=["Wholesale"])
    make_party("Foreign", of=other_company, tags=["Secret"])

    created = api.post("/party-tags", {"name": "VIP", "color": "#FF0000"})
    duplicate = api.post("/party-tags", {"name": "vip"})
    bad_color = api.post("/party-tags", {"name": "Red", "color": "red"})

    assert created.status_code == 201
    assert (created.json()["name"], created.json()["color"]) == ("VIP", "#ff0000")
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "tag.duplicate"
    assert duplicate.json()["existing_id"] == created.json()["id"]
    assert bad_color.status_code == 422
    assert [t["name"] for t in api.get("/party-tags").json()["items"]] == ["VIP", "Wholesale"]
    assert Tag.objects.count() == 3


def test_tags_on_a_party_reuse_existing_tags_case_insensitively(api):
    api.post("/party-tags", {"name": "VIP"})

    body = api.post("/parties", {"name": "Tagged", "tags": ["vip", " Export "]}).json()

    assert body["tags"] == ["Export", "VIP"]
    assert Tag.objects.count() == 2


def test_payment_terms_list_and_create(api, make_party):
    assert api.post("/payment-terms", {"name": "Net 60", "due_days": 60}).status_code == 201
    assert api.post("/payment-terms", {"name": "Immediate"}).status_code == 201
    duplicate = api.post("/payment-terms", {"name": "Net 60", "due_days": 30})
    negative = api.post("/payment-terms", {"name": "Past", "due_days": -1})

    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "payment_term.duplicate"
    assert negative.status_code == 422
    assert negative.json()["code"] == "payment_term.due_days_invalid"
    body = api.get("/payment-terms").json()
    assert [(t["name"], t["due_days"]) for t in body["items"]] == [("Immediate", 0), ("Net 60", 60)]


def test_another_companys_payment_term_cannot_be_assigned(api, other_company):
    foreign = PaymentTerm.objects.create(company=other_company, name="Theirs", due_days=10)

    response = api.post("/parties", {"name": "Mine", "payment_term": foreign.pk})

    assert response.status_code == 422
    assert response.json()["code"] == "payment_term.unknown"
    assert not Party.objects.exists()


def test_read_only_role_cannot_create_tags_or_terms(api_as, reader, company):
    client = api_as(reader, company)

    assert client.get("/party-tags").status_code == 200
    assert client.post("/party-tags", {"name": "X"}).status_code == 403
    assert client.post("/payment-terms", {"name": "X"}).status_code == 403
    assert not Tag.objects.exists()
    assert not PaymentTerm.objects.exists()
