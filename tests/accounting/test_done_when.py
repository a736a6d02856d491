"""Issue 3's done-when: PRC chart, a customer invoice of 10 × 100.00 + 1 × 50.00 with 13% VAT
excluded (1,050.00 + 136.50 = 1,186.50), paid 1,000.00 then 186.50 — checked after each step
through the services and through the API."""

from datetime import date

from tandem.accounting.queries.parties import party_balance
from tandem.accounting.services import payments as pay
from tandem.core.integrity import run_all

from .test_payments_support import YEAR, D, make_invoice, state_of, tb

TODAY = date(YEAR, 6, 30)


def _check_books(company, customer, invoice, *, receivable, bank, residual, payment_state):
    balances = tb(company)
    assert balances.get("1122", D("0.00")) == receivable
    assert balances["6001"] == D("-1050.00")
    assert balances["222102"] == D("-136.50")
    assert balances.get("1002", D("0.00")) == bank
    assert sum(balances.values()) == 0
    assert state_of(invoice) == (residual, residual, payment_state)
    position = party_balance(company, customer, today=TODAY)
    assert position["receivable"] == receivable
    assert position["overdue"] == residual  # due on 31 March, so overdue on 30 June
    assert [i.pk for i in position["open_invoices"]] == ([invoice.pk] if residual else [])
    assert run_all().ok, run_all().render()


def test_done_when_through_the_services(chart, customer):
    invoice = make_invoice(chart, customer, [(10, "100.00"), (1, "50.00")], due=date(YEAR, 3, 31))
    assert (invoice.untaxed_amount, invoice.tax_amount, invoice.total_amount) == (
        D("1050.00"),
        D("136.50"),
        D("1186.50"),
    )
    _check_books(chart, customer, invoice, receivable=D("1186.50"), bank=D("0.00"),
                 residual=D("1186.50"), payment_state="not_paid")  # fmt: skip

    first = pay.payment_create(
        company=chart, direction="in", party=customer, amount=D("1000.00"),
        date=date(YEAR, 4, 10), allocations=[(invoice, D("1000.00"))],
    )  # fmt: skip
    pay.payment_post(payment=first)
    _check_books(chart, customer, invoice, receivable=D("186.50"), bank=D("1000.00"),
                 residual=D("186.50"), payment_state="partial")  # fmt: skip

    second = pay.payment_create(
        company=chart, direction="in", party=customer, amount=D("186.50"),
        date=date(YEAR, 4, 20), allocations=[(invoice, D("186.50"))],
    )  # fmt: skip
    pay.payment_post(payment=second)
    _check_books(chart, customer, invoice, receivable=D("0.00"), bank=D("1186.50"),
                 residual=D("0.00"), payment_state="paid")  # fmt: skip
    assert party_balance(chart, customer, today=TODAY)["average_days_to_pay"] == D("50.0")


def test_done_when_through_the_api(chart, customer, api):
    invoice = make_invoice(chart, customer, [(10, "100.00"), (1, "50.00")], due=date(YEAR, 3, 31))
    steps = [
        ("1000.00", f"{YEAR}-04-10", D("186.50"), D("1000.00"), "partial"),
        ("186.50", f"{YEAR}-04-20", D("0.00"), D("1186.50"), "paid"),
    ]
    for number, (paid, on, residual, bank, payment_state) in enumerate(steps, start=1):
        created = api.post(
            "/payments",
            {
                "party": customer.pk,
                "direction": "in",
                "amount": paid,
                "date": on,
                "allocations": [{"invoice": invoice.pk, "amount": paid}],
            },
        )
        assert created.status_code == 201, created.json()
        assert created.json()["state"] == "draft"
        posted = api.post(f"/payments/{created.json()['id']}/post")
        assert posted.status_code == 200, posted.json()
        body = posted.json()
        assert body["number"] == f"PAY/BNK/{YEAR}/{number:05d}"
        assert (body["amount"], body["unallocated_amount"], body["currency"]) == (
            paid,
            "0.00",
            "CNY",
        )
        assert body["allocations"][0]["invoice"] == invoice.pk
        assert body["allocations"][0]["amount"] == paid
        _check_books(chart, customer, invoice, receivable=residual, bank=bank,
                     residual=residual, payment_state=payment_state)  # fmt: skip
        report = api.get("/reports/trial-balance").json()
        rows = {row["account"]: row for row in report["rows"]}
        assert D(str(rows["1002"]["balance"])) == bank
        assert report["totals"]["debit"] == report["totals"]["credit"]
