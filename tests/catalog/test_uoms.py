from decimal import Decimal

import pytest

from tandem.catalog import services
from tandem.catalog.models import Uom, UomCategory
from tandem.core.errors import DomainError
from tandem.core.services import company_create


def test_a_new_company_gets_the_standard_units(db):
    company = company_create(code="NEW", name="New Co", currency="CNY")

    units = {
        (u.category.name, u.name): (u.ratio, u.is_reference, u.decimal_places)
        for u in Uom.objects.filter(company=company).select_related("category")
    }

    assert units == {
        ("Units", "unit"): (Decimal(1), True, 0),
        ("Units", "dozen"): (Decimal(12), False, 2),
        ("Weight", "kg"): (Decimal(1), True, 3),
        ("Weight", "g"): (Decimal("0.001"), False, 2),
        ("Weight", "t"): (Decimal(1000), False, 6),
        ("Length", "m"): (Decimal(1), True, 3),
        ("Length", "cm"): (Decimal("0.01"), False, 1),
        ("Length", "km"): (Decimal(1000), False, 6),
        ("Time", "hour"): (Decimal(1), True, 2),
        ("Time", "day"): (Decimal(8), False, 2),
        ("Volume", "L"): (Decimal(1), True, 3),
        ("Volume", "mL"): (Decimal("0.001"), False, 1),
    }
    assert set(UomCategory.objects.filter(company=company).values_list("kind", flat=True)) == {
        "units",
        "weight",
        "length",
        "time",
        "volume",
    }


def test_seeding_again_adds_nothing(company):
    before = Uom.objects.filter(company=company).count()

    assert services.uoms_seed(company=company) == 0
    assert Uom.objects.filter(company=company).count() == before == 12


def test_seeding_restores_only_what_is_missing(company, uoms):
    Uom.objects.filter(pk=uoms["km"].pk).delete()

    assert services.uoms_seed(company=company) == 1
    assert Uom.objects.get(company=company, name="km").ratio == Decimal(1000)


def test_each_company_has_its_own_units(company, other_company):
    assert Uom.objects.filter(company=other_company).count() == 12
    assert not Uom.objects.filter(company=company, category__company=other_company).exists()


@pytest.mark.parametrize(
    ("quantity", "source", "target", "expected"),
    [
        ("2", "dozen", "unit", "24"),
        ("30", "unit", "dozen", "2.50"),
        ("5", "unit", "dozen", "0.42"),  # 0.41666… rounded to the dozen's 2 places
        ("1500", "g", "kg", "1.500"),
        ("1234.5678", "g", "kg", "1.235"),  # half up to the kg's 3 places
        ("1.2345", "kg", "g", "1234.50"),
        ("250", "cm", "m", "2.500"),
        ("3", "day", "hour", "24.00"),  # a working day is 8 hours
        ("10", "hour", "day", "1.25"),
        ("2.5", "t", "kg", "2500.000"),
        ("1", "g", "t", "0.000001"),
        ("1", "L", "mL", "1000.0"),
    ],
)
def test_uom_convert(uoms, quantity, source, target, expected):
    result = services.uom_convert(
        quantity=Decimal(quantity), from_uom=uoms[source], to_uom=uoms[target]
    )
    assert result == Decimal(expected)
    assert str(result) == expected  # rounded to the target's places, not just equal


def test_converting_between_categories_is_refused(uoms):
    with pytest.raises(DomainError) as refused:
        services.uom_convert(quantity=Decimal(1), from_uom=uoms["kg"], to_uom=uoms["m"])

    assert refused.value.code == "uom.incompatible"
    assert refused.value.status == 422


def test_a_second_reference_unit_is_refused_by_the_database(company, uoms):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Uom.objects.create(
            company=company,
            category=uoms["kg"].category,
            name="lb",
            symbol="lb",
            ratio=Decimal(1),
            is_reference=True,
        )
    assert Uom.objects.filter(category=uoms["kg"].category, is_reference=True).count() == 1


def test_a_new_category_comes_with_its_reference_unit(company):
    category = services.uom_category_create(
        company=company, name="Area", kind="area", reference_name="m²", reference_places=2
    )

    (reference,) = category.uoms.all()
    assert (reference.name, reference.ratio, reference.is_reference) == ("m²", Decimal(1), True)


def test_the_reference_ratio_stays_one(uoms):
    with pytest.raises(DomainError) as refused:
        services.uom_update(uom=uoms["kg"], ratio=Decimal(2))

    assert refused.value.code == "uom.reference_ratio"
    assert Uom.objects.get(pk=uoms["kg"].pk).ratio == Decimal(1)
