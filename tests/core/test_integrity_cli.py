import pytest

from tandem.cli import main
from tandem.core.models import Membership
from tandem.core.services import membership_grant
from tests.factories import UserFactory


def test_check_integrity_exits_zero_on_a_clean_database(company, owner, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["check-integrity"])
    assert exit_info.value.code == 0
    assert "0 failed" in capsys.readouterr().out


def test_check_integrity_exits_one_and_names_the_breach(company, capsys):
    user = UserFactory(username="norole")
    membership = membership_grant(user=user, company=company, roles=["sales"])
    Membership.roles.through.objects.filter(membership_id=membership.pk).delete()

    with pytest.raises(SystemExit) as exit_info:
        main(["check-integrity"])

    out = capsys.readouterr().out
    assert exit_info.value.code == 1
    assert "norole @ ACME: active membership without any role" in out
