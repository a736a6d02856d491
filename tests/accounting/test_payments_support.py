"""Helpers the payment tests share (no tests here; the fixtures are in conftest.py)."""

from datetime import date
from decimal import Decimal

from tandem.accounting import queries
from tandem.accounting.models import Account, Invoice, Tax
from tandem.accounting.services import invoices as invoice_services
from tandem.accounting.services import payments as pay
from tandem.core.services import exchange_rate_set

D = Decimal
YEAR = 2026


def tax13(company, scope="sale"):
    prefix = "销项税" if scope == "sale" else "进项税"
    return Tax.objects.get(company=company, scope=scope, name=f"{prefix} 13%")


def make_invoice(
    company,
    party,
    lines,
    *,
    kind="customer_invoice",
    on=date(YEAR, 3, 1),
    currency=None,
    taxed=True,
    due=None,
    post=True,
    user=None,
):
    """lines: [(quantity, unit_price)]; 13% VAT excluded when `taxed`."""
    scope = "sale" if kind.startswith("customer") else "purchase"
    taxes = [tax13(company, scope)] if taxed else []
    invoice = invoice_services.invoice_create(
        company=company,
        kind=kind,
        party=party,
        date=on,
        due_date=due,
        currency=currency,
        lines=[
            {"description": f"item {n}", "quantity": D(q), "unit_price": D(p), "taxes": taxes}
            for n, (q, p) in enumerate(lines)
        ],
        user=user,
    )
    if post:
        invoice = invoice_services.invoice_post(invoice=invoice, user=user)
    return invoice


def receive(company, party, amount, *, on=date(YEAR, 3, 20), allocations=(), **extra):
    """A posted payment in (or `direction="out"`)."""
    payment = pay.payment_create(
        company=company,
        direction=extra.pop("direction", "in"),
        party=party,
        amount=D(amount),
        date=on,
        allocations=[(inv, D(a)) for inv, a in allocations],
        **extra,
    )
    return pay.payment_post(payment=payment)


def set_rate(company, on, rate, currency="USD"):
    exchange_rate_set(company=company, currency=currency, on_date=on, rate=D(rate))


def tb(company) -> dict[str, Decimal]:
    """{account code: balance} of the trial balance (debit minus credit)."""
    rows = queries.trial_balance(company)["rows"]
    return {row["account"]: row["balance"] for row in rows if row["balance"]}


def party_balance(company, party, code) -> Decimal:
    account = Account.objects.get(company=company, code=code)
    return queries.balance_of(company, account, party=party)


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def state_of(invoice: Invoice):
    invoice = fresh(invoice)
    return invoice.residual_amount, invoice.residual_company, invoice.payment_state
