from tandem.core.models import Role
from tandem.core.roles import ROLES
from tandem.core.services import membership_grant, user_permissions
from tests.factories import UserFactory


def test_every_role_exists_with_permissions(db):
    assert set(Role.objects.values_list("code", flat=True)) == set(ROLES)
    for role in Role.objects.exclude(code="hr"):
        assert role.permissions.exists(), role.code


def test_read_only_role_grants_only_view(company):
    user = UserFactory()
    membership_grant(user=user, company=company, roles=["readonly"])

    perms = user_permissions(user, company)

    assert "parties.view_party" in perms
    assert "catalog.view_product" in perms
    assert all(p.split(".")[1].startswith("view_") for p in perms)


def test_sales_may_edit_parties_but_not_products(company):
    user = UserFactory()
    membership_grant(user=user, company=company, roles=["sales"])

    perms = user_permissions(user, company)

    assert {"parties.add_party", "parties.change_party"} <= perms
    assert "catalog.view_product" in perms
    assert "catalog.add_product" not in perms


def test_permissions_do_not_leak_across_companies(company, other_company):
    user = UserFactory()
    membership_grant(user=user, company=company, roles=["owner"])

    assert "parties.add_party" in user_permissions(user, company)
    assert user_permissions(user, other_company) == frozenset()
