from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from tandem.accounting import services as accounting
from tandem.accounting.models import Account, EntryLine, Tax
from tandem.catalog.services import product_create
from tandem.core.models import Role
from tandem.core.services import membership_grant
from tandem.inventory import services as inventory
from tandem.parties.models import Party
from tandem.sales import services
from tests.factories import UserFactory

D = Decimal
YEAR = date.today().year


@pytest.fixture
def books(company):
    """ACME with the PRC chart (and its taxes) and the current fiscal year open."""
    accounting.fiscal_year_create(company=company, date_start=date(YEAR, 1, 1))
    accounting.chart_install(company=company, template="prc")
    return company


@pytest.fixture
def vat13(books):
    return Tax.objects.get(company=books, scope="sale", name="销项税 13%")


@pytest.fixture
def customer(books):
    return Party.objects.create(
        company=books,
        name="Beijing Customer",
        is_customer=True,
        currency_id="CNY",
        email="buyer@example.com",
    )


@pytest.fixture
def make_product(books, vat13):
    counter = iter(range(1, 10_000))

    def make(price="100", *, type="goods", taxed=True, **extra):
        product = product_create(
            company=books,
            sku=extra.pop("sku", None) or f"S{next(counter):03d}",
            name=extra.pop("name", "Widget"),
            type=type,
            list_price=D(price),
            cost_price=D(extra.pop("cost", "60")),
            valuation="fifo",
            **extra,
        )
        if taxed:
            vat13.products.add(product)
        return product

    return make


@pytest.fixture
def wh(books):
    return inventory.warehouse_create(company=books, code="WH", name="Main warehouse")


@pytest.fixture
def stock_in(wh):
    """stock_in(product, qty, unit_cost) -> the done receipt."""
    supplier = Party.objects.create(
        company=wh.company, name="Supplier", is_supplier=True, currency_id="CNY"
    )

    def run(product, qty, unit_cost="60"):
        transfer = inventory.transfer_create(
            company=wh.company,
            kind="receipt",
            warehouse=wh,
            party=supplier,
            moves=[{"product": product, "quantity": D(qty), "unit_cost": D(unit_cost)}],
        )
        return inventory.transfer_done(transfer=inventory.transfer_confirm(transfer=transfer))

    return run


@pytest.fixture
def clerk(books):
    """A salesperson: full sales rights, no overrides."""
    user = UserFactory(username="clerk")
    membership_grant(user=user, company=books, roles=["sales"])
    return user


@pytest.fixture
def manager(books):
    """A user of a role that holds both sales override permissions."""
    role, _ = Role.objects.get_or_create(code="sales_manager_test", defaults={"name": "SM"})
    role.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="sales",
            codename__in=["override_price_floor", "override_credit_limit"],
        )
    )
    role.permissions.add(*Role.objects.get(code="sales").permissions.all())
    user = UserFactory(username="manager")
    membership_grant(user=user, company=books, roles=["sales_manager_test"])
    return user


@pytest.fixture
def order_of(customer):
    """order_of(*(product, qty[, extra]), user=None, **fields) -> a quotation."""

    def make(*lines, user=None, party=None, **fields):
        return services.sales_order_create(
            company=customer.company,
            party=party or customer,
            user=user,
            lines=[
                {"product": p, "quantity": D(str(q)), **(rest[0] if rest else {})}
                for p, q, *rest in lines
            ],
            **fields,
        )

    return make


def balance(company, role):
    lines = EntryLine.objects.filter(
        company=company, posted=True, account__in=Account.objects.filter(company=company, role=role)
    )
    return sum((line.debit - line.credit for line in lines), D("0.00"))
