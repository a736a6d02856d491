from decimal import Decimal

import pytest

from tandem.core import events
from tandem.core.errors import Conflict, Duplicate, ValidationFailed
from tandem.core.integrity import run_all
from tandem.parties import services
from tandem.parties.models import Address, Contact, Party, PaymentTerm, Tag
from tests.parties.conftest import INVALID_USCC, VALID_USCC


def test_valid_and_invalid_uscc():
    assert services.normalize_tax_id(f" {VALID_USCC[:8]}-{VALID_USCC[8:]} ", country="CN") == (
        VALID_USCC
    )
    with pytest.raises(ValidationFailed) as refused:
        services.normalize_tax_id(INVALID_USCC, country="CN")
    assert (refused.value.code, refused.value.field) == ("party.tax_id_invalid", "tax_id")


def test_a_chinese_person_may_use_the_resident_id_as_tax_id():
    resident_id = "11010519491231002X"

    assert services.normalize_tax_id(resident_id, country="CN", kind="person") == resident_id
    with pytest.raises(ValidationFailed):
        services.normalize_tax_id(resident_id, country="CN", kind="organization")


def test_countries_without_a_validator_keep_a_compact_tax_id():
    assert services.normalize_tax_id("ab-12 34.5", country="AQ") == "AB12345"
    assert services.normalize_tax_id("ab-12", country="") == "AB12"


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("138 0013 8000", "CN", "+8613800138000"),
        ("+86 (592) 123-4567", "US", "+865921234567"),
        ("(212) 555-0123", "US", "+12125550123"),
        ("", "CN", ""),
    ],
)
def test_phone_numbers_are_stored_in_e164(raw, region, expected):
    assert services.normalize_phone(raw, region=region) == expected


def test_credit_limit_rounds_half_up_to_the_currency(company):
    party = services.party_create(
        company=company, name="Yen Buyer", currency="JPY", credit_limit="1000.5"
    )
    assert party.credit_limit == Decimal("1001.00")
    party = services.party_update(party=party, currency="CNY", credit_limit=Decimal("10.005"))
    assert party.credit_limit == Decimal("10.01")


def test_create_with_invalid_tags_rolls_back_new_tags(company):
    with pytest.raises(ValidationFailed):
        services.party_create(company=company, name="T", tags=["Fine", "x" * 51])

    assert not Tag.objects.exists()
    assert not Party.objects.exists()


def test_duplicate_carries_the_existing_id(company):
    first = services.party_create(company=company, name="First", email="a@example.com")

    with pytest.raises(Duplicate) as refused:
        services.party_create(company=company, name="Second", email="A@example.com ")

    assert refused.value.code == "party.duplicate"
    assert refused.value.extra == {"existing_id": first.pk}
    assert Party.objects.count() == 1


def test_changing_country_rechecks_the_tax_id(company):
    party = services.party_create(company=company, name="Moving", tax_id=VALID_USCC)

    with pytest.raises(ValidationFailed) as refused:
        services.party_update(party=party, country="DE")

    assert refused.value.field == "tax_id"
    party.refresh_from_db()
    assert (party.country, party.tax_id) == ("CN", VALID_USCC)


def test_moving_a_default_address_to_another_kind_keeps_one_default(company):
    party = services.party_create(company=company, name="Addresses")
    billing = services.address_create(party=party, kind="billing", city="A")
    shipping = services.address_create(party=party, kind="shipping", city="B")

    services.address_update(address=billing, kind="shipping")

    assert list(Address.objects.filter(is_default=True).values_list("pk", "kind")) == [
        (billing.pk, "shipping")
    ]
    shipping.refresh_from_db()
    assert shipping.is_default is False


def test_explicit_non_default_and_non_primary(company):
    party = services.party_create(company=company, name="Explicit")

    address = services.address_create(party=party, city="A", is_default=False)
    contact = services.contact_create(party=party, name="B", is_primary=False)

    assert (address.is_default, contact.is_primary) == (False, False)


def test_a_payment_term_in_use_cannot_be_deleted(company):
    term = services.payment_term_create(company=company, name="Net 30", due_days=30)
    services.party_create(company=company, name="Termed", payment_term=term)

    with pytest.raises(Conflict) as refused:
        services.payment_term_delete(term=term)

    assert refused.value.code == "payment_term.in_use"
    assert PaymentTerm.objects.filter(pk=term.pk).exists()


def test_deleting_a_tag_removes_it_from_parties(company):
    party = services.party_create(company=company, name="Tagged", tags=["Gone", "Stays"])

    services.tag_delete(tag=Tag.objects.get(name="Gone"))

    assert list(party.tags.values_list("name", flat=True)) == ["Stays"]


def test_history_records_each_change_with_old_and_new_values(company):
    party = services.party_create(company=company, name="Before", credit_limit="100")

    services.party_update(party=party, name="After", credit_limit="250")
    services.party_update(party=party, name="After")  # no change, no history row

    records = list(party.history.order_by("history_date"))
    assert [r.history_type for r in records] == ["+", "~"]
    changes = {c.field: (c.old, c.new) for c in records[1].diff_against(records[0]).changes}
    assert changes == {
        "name": ("Before", "After"),
        "credit_limit": (Decimal("100.00"), Decimal("250.00")),
    }


# -- integrity checks ------------------------------------------------------------------------------


def _breaches(prefix="parties"):
    return {name: breaches for name, breaches in run_all().results if name.startswith(prefix)}


def test_integrity_checks_pass_on_valid_data(company):
    party = services.party_create(company=company, name="Clean", tags=["A"])
    services.contact_create(party=party, name="C")
    services.address_create(party=party, city="X")

    assert all(not b for b in _breaches().values())


def test_integrity_check_finds_rows_in_the_wrong_company(company, other_company):
    party = services.party_create(company=company, name="Mixed")
    contact = services.contact_create(party=party, name="Leaked")
    Contact.objects.filter(pk=contact.pk).update(company=other_company)
    foreign_tag = Tag.objects.create(company=other_company, name="Foreign")
    party.tags.add(foreign_tag)

    breaches = _breaches()

    assert breaches["parties: contacts and addresses share their party's company"] == [
        f"parties.Contact {contact.pk}: company differs from party {party.pk}"
    ]
    assert breaches["parties: tags and payment terms share their party's company"] == [
        f"party {party.pk}: tag {foreign_tag.pk} belongs to another company"
    ]


def test_party_changes_publish_events_on_commit(company, django_capture_on_commit_callbacks):
    seen = []

    def handler(event, **payload):
        seen.append((event, payload["party_id"]))

    events.subscribe("*", handler)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            party = services.party_create(company=company, name="Evented")
            services.party_update(party=party, name="Evented Again")
            services.party_update(party=party, name="Evented Again", tags=[])  # no change
            party_id = party.pk
            services.party_delete(party=party)
    finally:
        events.unsubscribe("*", handler)

    assert seen == [
        ("party.created", party_id),
        ("party.updated", party_id),
        ("party.deleted", party_id),
    ]
