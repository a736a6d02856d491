import pytest
from stdnum.cn import uscc

from tandem.core.services import membership_grant
from tandem.parties import services
from tests.factories import UserFactory


def make_uscc(body: str = "91350100M000100Y4") -> str:
    """A valid unified social credit code: 17 characters plus the computed check digit."""
    return body + uscc.calc_check_digit(body)


VALID_USCC = make_uscc()  # 91350100M000100Y43
OTHER_USCC = make_uscc("91110000600037341")  # ...L
INVALID_USCC = "91350100M000100Y42"


@pytest.fixture
def make_party(company):
    """Create a party of `company` (or the given one) through the service."""

    def make(name="Acme Customer", *, of=None, **fields):
        return services.party_create(company=of or company, name=name, **fields)

    return make


@pytest.fixture
def reader(company):
    user = UserFactory(username="reader")
    membership_grant(user=user, company=company, roles=["readonly"])
    return user


@pytest.fixture
def stranger(other_company):
    """The owner of the other company, who must never see ACME's parties."""
    user = UserFactory(username="stranger")
    membership_grant(user=user, company=other_company, roles=["owner"])
    return user
