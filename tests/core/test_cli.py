from tandem.cli import main
from tandem.core.models import ApiToken, User


def test_token_create_prints_the_token_last_and_stores_only_its_hash(owner, capsys):
    main(["token", "create", "--user", "owner"])

    raw = capsys.readouterr().out.strip().splitlines()[-1]
    token = ApiToken.objects.get(user=owner)
    assert raw.startswith("tdm_")
    assert token.token_hash == ApiToken.hash(raw)
    assert raw not in {token.token_hash, token.prefix}


def test_createadmin_makes_an_owner_of_every_company(company, capsys, monkeypatch):
    monkeypatch.setenv("TANDEM_ADMIN_PASSWORD", "demo-pass-42")
    main(["createadmin"])

    admin = User.objects.get(username="admin")
    assert admin.check_password("demo-pass-42")
    assert admin.memberships.get(company=company).roles.filter(code="owner").exists()
    assert "demo-pass-42" in capsys.readouterr().out
