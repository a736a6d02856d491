"""The Django admin cannot bypass the services: a company's currency once used, numbering
sequences, a row's company and memberships stay as they are whatever the change form posts."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib import admin
from django.test import RequestFactory

from tandem.core.models import Company, Membership, Sequence, User
from tandem.core.services import exchange_rate_set, membership_grant, sequence_next
from tandem.parties.models import Party, Tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(company):
    user = User.objects.create_superuser("root", "root@example.com", "x-unused-x")
    membership_grant(user=user, company=company, roles=["owner"])
    return user


@pytest.fixture
def site(client, superuser):
    client.force_login(superuser)
    return client


def company_form(company, **changes):
    data = {
        "code": company.code,
        "name": company.name,
        "currency": company.currency_id,
        "country": company.country,
        "time_zone": company.time_zone,
        "fiscal_year_start_month": company.fiscal_year_start_month,
    }
    return {**data, **changes}


def test_the_currency_changes_while_nothing_is_recorded(site, company):
    response = site.post(
        f"/admin/core/company/{company.pk}/change/", company_form(company, currency="USD")
    )
    assert response.status_code == 302
    assert Company.objects.get(pk=company.pk).currency_id == "USD"


@pytest.mark.parametrize("record", ["sequence", "rate"])
def test_the_currency_is_locked_once_something_is_recorded(site, company, record):
    if record == "sequence":
        sequence_next(company=company, code="invoice:test", on_date=date(2026, 3, 1))
    else:
        exchange_rate_set(
            company=company, currency="USD", on_date=date(2026, 3, 1), rate=Decimal("7.1")
        )

    page = site.get(f"/admin/core/company/{company.pk}/change/")
    assert page.status_code == 200
    assert 'name="currency"' not in page.content.decode()  # shown, not editable

    response = site.post(
        f"/admin/core/company/{company.pk}/change/",
        company_form(company, currency="USD", name="Renamed"),
    )
    assert response.status_code == 302
    stored = Company.objects.get(pk=company.pk)
    assert (stored.currency_id, stored.name) == ("CNY", "Renamed")


def test_a_currency_change_posted_against_a_stale_form_is_refused(site, company, superuser):
    # the form was built before the first posting: the form check refuses the change
    from tandem.core.admin import CompanyAdminForm

    sequence_next(company=company, code="invoice:test", on_date=date(2026, 3, 1))
    form = CompanyAdminForm(
        data=company_form(company, currency="USD"), instance=Company.objects.get(pk=company.pk)
    )
    assert not form.is_valid()
    assert form.errors["currency"][0].startswith("The company currency stays CNY")
    assert Company.objects.get(pk=company.pk).currency_id == "CNY"


def test_sequences_are_view_only(site, company):
    sequence_next(company=company, code="invoice:test", on_date=date(2026, 3, 1))
    sequence = Sequence.objects.get(company=company, code="invoice:test")
    change = f"/admin/core/sequence/{sequence.pk}/change/"

    assert site.get(change).status_code == 200  # visible
    posted = site.post(
        change,
        {
            "company": company.pk,
            "code": "invoice:test",
            "year": sequence.year,
            "prefix": sequence.prefix,
            "padding": sequence.padding,
            "last_number": 0,
        },
    )
    assert posted.status_code == 403
    assert site.post("/admin/core/sequence/add/", {"company": company.pk}).status_code == 403
    deleted = site.post(f"/admin/core/sequence/{sequence.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 403
    assert Sequence.objects.get(pk=sequence.pk).last_number == 1


def test_a_row_never_moves_to_another_company(site, company, other_company):
    tag = Tag.objects.create(company=company, name="vip", color="#ff0000")
    response = site.post(
        f"/admin/parties/tag/{tag.pk}/change/",
        {"name": "VIP", "company": other_company.pk, "color": "#00ff00"},
    )
    assert response.status_code == 302
    tag.refresh_from_db()
    assert (tag.company_id, tag.name) == (company.pk, "VIP")  # the rest still edits


def test_every_company_scoped_admin_locks_the_company(company, superuser):
    request = RequestFactory().get("/admin/")
    request.user = superuser
    checked = []
    for model, model_admin in admin.site._registry.items():
        if not any(f.name == "company" for f in model._meta.concrete_fields):
            continue
        obj = model(company=company)
        obj.pk = 1  # an existing row, as the change view sees it
        if model_admin.has_change_permission(request, obj):
            assert "company" in model_admin.get_readonly_fields(request, obj), model
        for inline in model_admin.get_inline_instances(request, obj):
            if any(f.name == "company" for f in inline.model._meta.concrete_fields):
                assert "company" not in inline.get_fields(request, obj), inline
        checked.append(model)
    assert Party in checked and Sequence in checked


def test_memberships_do_not_change_in_the_admin(site, company, other_company, superuser):
    member = User.objects.create_user("member", "m@example.com", "x-unused-x")
    membership_grant(user=member, company=company, roles=["sales"])
    before = list(
        Membership.objects.filter(user=member).values_list("company_id", "is_active", "roles")
    )
    page = site.get(f"/admin/core/user/{member.pk}/change/")
    assert page.status_code == 200
    assert "memberships-0-roles" not in page.content.decode()  # listed, not a form

    site.post(
        f"/admin/core/user/{member.pk}/change/",
        {
            "username": "member",
            "email": "m@example.com",
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "language": "",
            "memberships-TOTAL_FORMS": "2",
            "memberships-INITIAL_FORMS": "1",
            "memberships-0-id": Membership.objects.get(user=member).pk,
            "memberships-0-user": member.pk,
            "memberships-0-company": company.pk,
            "memberships-0-is_active": "",
            "memberships-1-user": member.pk,
            "memberships-1-company": other_company.pk,
            "memberships-1-is_active": "on",
        },
    )
    after = list(
        Membership.objects.filter(user=member).values_list("company_id", "is_active", "roles")
    )
    assert after == before
