from decimal import Decimal

import pytest

from tandem.catalog import services
from tandem.catalog.models import Uom
from tandem.parties.models import Party


@pytest.fixture
def uoms(company):
    """The company's seeded units by name (unit, dozen, kg, g, t, m, cm, km, hour, day, L, mL)."""
    return {u.name: u for u in Uom.objects.filter(company=company).select_related("category")}


@pytest.fixture
def make_product(company):
    counter = iter(range(1, 10_000))

    def make(sku=None, *, company=company, **fields):
        fields.setdefault("name", f"Product {sku}")
        return services.product_create(
            company=company, sku=sku or f"P-{next(counter):04d}", **fields
        )

    return make


def party_with(company, name, currency=None):
    """A customer; sets the party currency where the parties model has one."""
    fields = {f.name for f in Party._meta.get_fields()}
    extra = {}
    if "currency" in fields:
        extra["currency_id"] = currency or company.currency_id
    return Party.objects.create(company=company, name=name, is_customer=True, **extra)


@pytest.fixture
def make_party(company):
    def make(name="Customer", *, company=company, currency=None):
        return party_with(company, name, currency)

    return make


def D(value) -> Decimal:
    return Decimal(value)
