from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.cache import cache

from tandem.core.services import membership_grant
from tandem.crm import services
from tandem.crm.models import LostReason, PipelineStage
from tandem.parties import services as party_services
from tests.factories import UserFactory

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai, a Tuesday


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The web-to-lead rate limit counts in the cache; every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def stages(company):
    """The default pipeline every new company gets, by name."""
    return {s.name: s for s in PipelineStage.objects.filter(company=company, team__isnull=True)}


@pytest.fixture
def reasons(company):
    return {r.name: r for r in LostReason.objects.filter(company=company)}


@pytest.fixture
def rep(company):
    user = UserFactory(username="rep", first_name="Rita", last_name="Rep", email="rita@acme.test")
    membership_grant(user=user, company=company, roles=["sales"])
    return user


@pytest.fixture
def make_party(company):
    def make(name="Harbour Trading", *, of=None, **fields):
        fields.setdefault("is_customer", True)
        return party_services.party_create(company=of or company, name=name, **fields)

    return make


@pytest.fixture
def make_opportunity(company, make_party):
    """Open an opportunity through the service; the party is made unless given."""

    def make(name="Deal", *, party=None, of=None, revenue="1000.00", **fields):
        of = of or company
        party = party or make_party(f"Customer of {name}", of=of)
        return services.opportunity_create(
            company=of, name=name, party=party, expected_revenue=Decimal(revenue), **fields
        )

    return make


@pytest.fixture
def make_lead(company):
    def make(**fields):
        fields.setdefault("contact_name", "Li Lei")
        return services.lead_create(company=fields.pop("of", company), **fields)

    return make
