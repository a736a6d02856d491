"""The company profile: checked tax id, bank accounts and logo; nothing written on a refusal."""

import io

import pytest
from PIL import Image

from tandem.core.errors import ValidationFailed
from tandem.core.models import CompanyBankAccount, CompanyProfile
from tandem.core.profile import company_language, company_profile, company_profile_update

USCC = "91310115MA1H7XK23W"


def png(size=(40, 20), kind="PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, kind)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.django_db
def test_a_full_profile_is_saved_with_the_compact_uscc_and_one_default_account(company):
    profile = company_profile_update(
        company=company,
        legal_name_en="Acme Trading Co., Ltd.",
        legal_name_zh="艾克米贸易有限公司",
        street="世纪大道100号",
        city="浦东新区",
        state="上海市",
        postal_code="200120",
        tax_id=f" {USCC.lower()} ",
        email="billing@acme.example",
        website="acme.example",
        bank_accounts=[
            {
                "bank_name": "招商银行上海分行",
                "holder": "艾克米贸易有限公司",
                "number": "6225 8812 3456 7890",
            },
            {
                "bank_name": "Deutsche Bank",
                "holder": "Acme",
                "number": "DE89 3704 0044 0532 0130 00",
            },
        ],
        logo=png(),
    )
    assert profile.tax_id == USCC
    assert profile.website == "https://acme.example"
    assert profile.logo.name.endswith(".png")
    accounts = list(CompanyBankAccount.objects.filter(company=company))
    assert [(a.number, a.is_default) for a in accounts] == [
        ("6225881234567890", True),
        ("DE89370400440532013000", False),
    ]
    assert company_profile(company).legal_name_zh == "艾克米贸易有限公司"
    assert company_language(company) == "zh-hans"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"tax_id": "91310115MA1H7XK23X"}, "tax_id", "company.tax_id_invalid"),
        ({"email": "not-an-email"}, "email", "validation.email"),
        ({"document_language": "fr"}, "document_language", "validation.choice"),
        (
            {
                "bank_accounts": [
                    {"bank_name": "B", "holder": "H", "number": "DE89370400440532013001"}
                ]
            },
            "bank_accounts.0.number",
            "company.bank_account_invalid",
        ),
        (
            {"bank_accounts": [{"bank_name": "", "holder": "H", "number": "123456789"}]},
            "bank_accounts.0.bank_name",
            "validation.required",
        ),
        ({"logo": b"<svg xmlns='http://www.w3.org/2000/svg'/>"}, "logo", "company.logo_invalid"),
        ({"logo": b"\x89PNG" + b"0" * (1024 * 1024)}, "logo", "company.logo_too_large"),
    ],
)
def test_a_refused_field_is_named_and_nothing_changes(company, changes, field, code):
    company_profile_update(company=company, legal_name_en="Before", tax_id=USCC)
    with pytest.raises(ValidationFailed) as refused:
        company_profile_update(company=company, legal_name_en="After", **changes)
    assert refused.value.code == code
    assert refused.value.field == field
    profile = CompanyProfile.objects.get(company=company)
    assert (profile.legal_name_en, profile.tax_id, profile.logo.name) == ("Before", USCC, "")
    assert not CompanyBankAccount.objects.filter(company=company).exists()


@pytest.mark.django_db
def test_a_foreign_company_s_tax_id_follows_its_country(other_company):
    with pytest.raises(ValidationFailed) as refused:
        company_profile_update(company=other_company, tax_id="91310115MA1H7XK23W!")
    assert refused.value.field == "tax_id"
    assert company_profile_update(company=other_company, tax_id="12-3456789").tax_id
    assert company_language(other_company) == "en"
