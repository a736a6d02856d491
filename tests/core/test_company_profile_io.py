"""The company profile through the API and the settings page: what documents print about the
company is editable by the people allowed to, refused field by field, and nothing is half
written."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tandem.core.models import CompanyBankAccount, CompanyProfile
from tandem.core.services import membership_grant
from tests.factories import UserFactory

USCC = "91310115MA1H7XK23W"


def png(size=(40, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 90, 200)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.django_db
def test_the_api_reads_and_patches_the_profile_and_its_bank_accounts(api, company):
    empty = api.get(f"/companies/{company.pk}/profile")
    assert empty.status_code == 200
    assert empty.json()["street"] == "" and empty.json()["bank_accounts"] == []

    answer = api.patch(
        f"/companies/{company.pk}/profile",
        {
            "legal_name_zh": "艾克米贸易有限公司",
            "street": "世纪大道100号",
            "city": "上海市",
            "tax_id": USCC.lower(),
            "bank_accounts": [
                {"bank_name": "招商银行", "holder": "艾克米", "number": "6225 8812 3456 7890"}
            ],
        },
    )

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["tax_id"] == USCC
    assert body["street"] == "世纪大道100号"
    assert body["bank_accounts"] == [
        {
            "bank_name": "招商银行",
            "holder": "艾克米",
            "number": "6225881234567890",
            "bic": "",
            "is_default": True,
        }
    ]
    # a later patch of one field leaves the others and the accounts as they were
    again = api.patch(f"/companies/{company.pk}/profile", {"phone": "021-5555 0000"}).json()
    assert again["street"] == "世纪大道100号" and len(again["bank_accounts"]) == 1


@pytest.mark.django_db
def test_a_refused_field_names_itself_and_nothing_changes(api, company):
    api.patch(f"/companies/{company.pk}/profile", {"city": "上海市"})

    answer = api.patch(
        f"/companies/{company.pk}/profile",
        {
            "city": "北京市",
            "tax_id": "91310115MA1H7XK23X",  # wrong check character
            "bank_accounts": [{"bank_name": "B", "holder": "H", "number": "12"}],
        },
    )

    assert answer.status_code == 422
    fields = {e["field"] for e in answer.json()["errors"]}
    assert "tax_id" in fields
    assert CompanyProfile.objects.get(company=company).city == "上海市"
    assert not CompanyBankAccount.objects.filter(company=company).exists()


@pytest.mark.django_db
def test_logo_upload_checks_the_image_and_can_be_removed(api, company):
    url = f"/api/v1/companies/{company.pk}/logo"
    headers = api._headers(None)
    bad = api.client.post(
        url, {"file": SimpleUploadedFile("logo.png", b"not an image")}, headers=headers
    )
    assert bad.status_code == 422
    assert bad.json()["code"] == "company.logo_invalid"

    good = api.client.post(url, {"file": SimpleUploadedFile("logo.png", png())}, headers=headers)
    assert good.status_code == 200, good.content
    assert good.json()["has_logo"] is True

    removed = api.delete(f"/companies/{company.pk}/logo")
    assert removed.json()["has_logo"] is False


@pytest.mark.django_db
def test_only_users_who_may_change_the_company_write_its_profile(api_as, company, other_company):
    reader = UserFactory(username="reader")
    membership_grant(user=reader, company=company, roles=["readonly"])
    client = api_as(reader, company)

    assert client.get(f"/companies/{company.pk}/profile").status_code == 200
    refused = client.patch(f"/companies/{company.pk}/profile", {"city": "X"})
    assert refused.status_code == 403
    assert client.get(f"/companies/{other_company.pk}/profile").status_code == 404
    assert not CompanyProfile.objects.filter(company=company).exists()


@pytest.mark.django_db
def test_the_settings_page_saves_the_profile_and_shows_a_refusal_beside_its_field(web, company):
    page = web.get("/settings/profile/")
    assert page.status_code == 200
    form = {
        "street": "世纪大道100号",
        "city": "上海市",
        "tax_id": USCC,
        "document_language": "",
        "bank-TOTAL_FORMS": "2",
        "bank-INITIAL_FORMS": "0",
        "bank-0-bank_name": "招商银行",
        "bank-0-holder": "艾克米",
        "bank-0-number": "6225881234567890",
        "bank-1-bank_name": "",
        "bank-1-holder": "",
        "bank-1-number": "",
    }
    saved = web.post("/settings/profile/", form)
    assert saved.status_code == 302
    profile = CompanyProfile.objects.get(company=company)
    assert (profile.street, profile.tax_id) == ("世纪大道100号", USCC)
    assert CompanyBankAccount.objects.filter(company=company).count() == 1

    refused = web.post("/settings/profile/", {**form, "bank-0-number": "12", "city": "北京市"})
    assert refused.status_code == 422
    html = refused.content.decode()
    assert "Enter an IBAN or an account number of 6 to 34 digits." in html
    assert CompanyProfile.objects.get(company=company).city == "上海市"
    # what the clerk typed is still in the form
    assert "北京市" in html
