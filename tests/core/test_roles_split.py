"""Issue 14, hole 3: roles split so that CRM settings and teams, customer and vendor documents,
and a user's identity each need their own permission."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from tandem.accounting import services as accounting
from tandem.accounting.models import Invoice
from tandem.accounting.services.invoices import invoice_create
from tandem.core.models import User
from tandem.core.services import membership_grant, user_permissions
from tandem.crm import services as crm
from tandem.crm.models import SalesTeam
from tandem.crm.queries.visibility import crm_settings
from tandem.parties.models import Party
from tests.factories import UserFactory


def member(company, username, *roles):
    user = UserFactory(username=username)
    membership_grant(user=user, company=company, roles=list(roles))
    return user


def browser(user):
    client = Client()
    client.force_login(user)
    return client


# -- (a) CRM settings and teams are a manager's ---------------------------------------------


@pytest.fixture
def team(company, owner):
    return crm.team_create(company=company, name="South", leader=owner)


def test_a_rep_cannot_switch_off_team_visibility_nor_join_a_team(company, team, api_as):
    crm.crm_settings_update(company=company, team_visibility=True)
    rep = member(company, "rep", "sales")
    web, api = browser(rep), api_as(rep, company)

    switched = web.post("/crm/settings/", {"form": "visibility"})
    added = web.post("/crm/settings/", {"form": "team", "team-name": "Mine"})
    edited = web.post(f"/crm/settings/teams/{team.pk}/", {"name": "South", "members": [rep.pk]})
    joined = api.patch(f"/sales-teams/{team.pk}", {"members": [rep.pk]})
    created = api.post("/sales-teams", {"name": "Mine", "members": [rep.pk]})

    assert [r.status_code for r in (switched, added, edited, joined, created)] == [403] * 5
    assert joined.json()["code"] == "permission.denied"
    assert crm_settings(company).team_visibility is True
    assert list(team.members.all()) == []
    assert list(SalesTeam.objects.filter(company=company)) == [team]
    # the rep still sees the settings and works its leads
    assert web.get("/crm/settings/").status_code == 200
    assert "crm.add_lead" in user_permissions(rep, company)


def test_a_sales_manager_and_an_admin_may(company, team, owner, api_as):
    manager = member(company, "manager", "sales_manager")

    switched = browser(manager).post("/crm/settings/", {"form": "visibility"})
    joined = api_as(owner, company).patch(f"/sales-teams/{team.pk}", {"members": [manager.pk]})

    assert (switched.status_code, joined.status_code) == (302, 200)
    assert crm_settings(company).team_visibility is False
    assert list(team.members.all()) == [manager]


# -- (b) customer and vendor documents ------------------------------------------------------


@pytest.fixture
def books(company, owner):
    accounting.fiscal_year_create(company=company, date_start=date(2026, 1, 1))
    accounting.chart_install(company=company, template="prc")
    customer = Party.objects.create(
        company=company, name="Customer", is_customer=True, currency_id="CNY"
    )
    supplier = Party.objects.create(
        company=company, name="Supplier", is_supplier=True, currency_id="CNY"
    )

    def draft(kind, *, post=False):
        party = customer if kind.startswith("customer") else supplier
        lines = [{"description": "Work", "quantity": Decimal(2), "unit_price": Decimal(100)}]
        return invoice_create(
            company=company,
            kind=kind,
            party=party,
            date=date(2026, 3, 10),
            lines=lines,
            user=owner,
            post=post,
        )

    return {"customer": customer, "supplier": supplier, "draft": draft}


def _invoice_body(party, kind):
    return {
        "kind": kind,
        "party": party.pk,
        "date": "2026-03-10",
        "lines": [{"description": "Work", "quantity": "1", "unit_price": "50"}],
    }


def test_a_buyer_books_vendor_bills_but_no_customer_invoice(company, books, api_as):
    buyer = member(company, "buyer", "purchasing")
    api, web = api_as(buyer, company), browser(buyer)
    draft = books["draft"]("customer_invoice")
    posted = books["draft"]("customer_invoice", post=True)
    before = Invoice.objects.count()

    refused = [
        api.post("/invoices", _invoice_body(books["customer"], "customer_invoice")),
        api.post("/invoices", _invoice_body(books["customer"], "customer_credit_note")),
        api.patch(f"/invoices/{draft.pk}", {"reference": "mine"}),
        api.post(f"/invoices/{draft.pk}/post"),
        api.post(f"/invoices/{posted.pk}/cancel"),
        api.post(f"/invoices/{posted.pk}/credit"),
        api.delete(f"/invoices/{draft.pk}"),
        web.post(f"/accounting/invoices/{draft.pk}/post/"),
        web.post(f"/accounting/invoices/{posted.pk}/cancel/"),
        web.post(f"/accounting/invoices/{posted.pk}/credit/"),
        web.get("/accounting/documents/customer-invoices/new/"),
    ]

    assert [r.status_code for r in refused] == [403] * len(refused)
    assert Invoice.objects.count() == before
    draft.refresh_from_db()
    posted.refresh_from_db()
    assert (draft.state, draft.reference, posted.state) == ("draft", "", "posted")
    # the buyer still reads them
    assert api.get(f"/invoices/{posted.pk}").status_code == 200

    bill = api.post("/invoices", _invoice_body(books["supplier"], "vendor_bill"))
    assert bill.status_code == 201, bill.content
    done = api.post(f"/invoices/{bill.json()['id']}/post")
    assert (done.status_code, done.json()["state"]) == (200, "posted")


def test_an_accountant_posts_both_kinds(company, books, api_as):
    accountant = member(company, "accountant", "accountant")
    api = api_as(accountant, company)
    invoice, bill = books["draft"]("customer_invoice"), books["draft"]("vendor_bill")

    answers = [api.post(f"/invoices/{doc.pk}/post") for doc in (invoice, bill)]

    assert [a.status_code for a in answers] == [200, 200]
    assert {a.json()["state"] for a in answers} == {"posted"}


def test_the_invoice_pages_offer_the_buyer_no_customer_invoice_button(company, books):
    buyer = member(company, "buyer", "purchasing")
    draft = books["draft"]("customer_invoice")

    page = browser(buyer).get(f"/accounting/invoices/{draft.pk}/")

    assert page.status_code == 200
    assert f"/accounting/invoices/{draft.pk}/post/".encode() not in page.content


def test_payments_follow_the_same_split_of_duties(company, books, api_as, owner):
    """A payables clerk (payments, and the vendor side only) pays suppliers but can neither
    register, post, cancel nor delete money in from customers."""
    from django.contrib.auth.models import Permission

    from tandem.accounting.models import Journal, Payment
    from tandem.core.models import Role

    role = Role.objects.create(code="payables", name="Payables clerk")
    role.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="accounting",
            codename__in=[
                "add_payment",
                "change_payment",
                "delete_payment",
                "view_payment",
                "view_invoice",
                "manage_vendor_bills",
            ],
        )
    )
    clerk = member(company, "payables", "payables")
    api, web = api_as(clerk, company), browser(clerk)
    bank = Journal.objects.filter(company=company, kind="bank").first()
    receipt = (
        api_as(owner, company)
        .post(
            "/payments",
            {
                "direction": "in",
                "party": books["customer"].pk,
                "amount": "10",
                "date": "2026-03-11",
                "journal": bank.pk,
            },
        )
        .json()
    )
    before = Payment.objects.count()

    refused = [
        api.post(
            "/payments",
            {
                "direction": "in",
                "party": books["customer"].pk,
                "amount": "5",
                "date": "2026-03-11",
                "journal": bank.pk,
            },
        ),
        api.patch(f"/payments/{receipt['id']}", {"memo": "mine"}),
        api.post(f"/payments/{receipt['id']}/post"),
        api.delete(f"/payments/{receipt['id']}"),
        web.post(f"/accounting/payments/{receipt['id']}/post/"),
        web.post(f"/accounting/payments/{receipt['id']}/delete/"),
        api.post("/payments/import", {"receipts": [{"reference": "X", "amount": "5"}]}),
    ]

    assert [r.status_code for r in refused] == [403] * len(refused)
    assert Payment.objects.count() == before
    assert Payment.objects.get(pk=receipt["id"]).state == "draft"
    paid = api.post(
        "/payments",
        {
            "direction": "out",
            "party": books["supplier"].pk,
            "amount": "7",
            "date": "2026-03-11",
            "journal": bank.pk,
        },
    )
    assert paid.status_code == 201, paid.content
    assert api.post(f"/payments/{paid.json()['id']}/post").json()["state"] == "posted"


# -- (c) a user's name, email and password are its own ---------------------------------------


@pytest.fixture
def shared_user(company, other_company):
    user = member(company, "shared", "sales")
    membership_grant(user=user, company=other_company, roles=["sales"])
    return user


def test_an_admin_of_one_company_cannot_take_over_a_user_of_another(
    company, owner, shared_user, api_as
):
    api = api_as(owner, company)

    answers = [
        api.patch(f"/users/{shared_user.pk}", {"email": "attacker@evil.test"}),
        api.patch(f"/users/{shared_user.pk}", {"first_name": "Mallory"}),
    ]

    assert [a.status_code for a in answers] == [403, 403]
    assert answers[0].json()["code"] == "user.identity_foreign"
    shared_user.refresh_from_db()
    assert (shared_user.email, shared_user.first_name) == ("shared@example.com", "")
    # roles in its own company stay the admin's to change
    roles = api.patch(f"/users/{shared_user.pk}", {"roles": ["readonly"]})
    assert (roles.status_code, roles.json()["roles"]) == (200, ["readonly"])


def test_an_admin_of_every_company_of_the_user_may(company, other_company, owner, shared_user):
    from tests.conftest import ApiClient

    membership_grant(user=owner, company=other_company, roles=["admin"])

    answer = ApiClient(owner, company).patch(f"/users/{shared_user.pk}", {"email": "s@acme.test"})

    assert answer.status_code == 200
    assert User.objects.get(pk=shared_user.pk).email == "s@acme.test"


def test_a_user_of_one_company_is_its_admins_to_rename(company, owner, api_as):
    clerk = member(company, "clerk", "readonly")

    answer = api_as(owner, company).patch(f"/users/{clerk.pk}", {"first_name": "Carl"})

    assert answer.status_code == 200
    assert User.objects.get(pk=clerk.pk).first_name == "Carl"
