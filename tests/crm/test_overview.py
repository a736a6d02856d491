"""The customer 360 on a hand-built set of posted invoices, credit notes and payments.

The rows are made directly (each with a balanced posted journal entry), so these figures
do not depend on the invoice services' workflow.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from tandem.accounting import services as acc
from tandem.accounting.models import Account, Allocation, Invoice, InvoiceLine, Journal, Payment
from tandem.catalog.services import product_create
from tandem.core import panels
from tandem.crm import services
from tandem.crm.queries.overview import party_overview

D = Decimal
NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


@pytest.fixture
def books(company, owner):
    acc.fiscal_year_create(company=company, date_start=date(2025, 1, 1))
    acc.fiscal_year_create(company=company, date_start=date(2026, 1, 1))
    acc.chart_install(company=company, template="prc")
    accounts = {a.code: a for a in Account.objects.filter(company=company)}
    journals = {j.code: j for j in Journal.objects.filter(company=company)}

    def post(on, journal, debit, credit, amount, party):
        entry = acc.entry_create(
            company=company,
            journal=journals[journal],
            date=on,
            lines=[
                {"account": accounts[debit], "debit": amount, "party": party},
                {"account": accounts[credit], "credit": amount, "party": party},
            ],
            user=owner,
        )
        return acc.entry_post(entry=entry, user=owner)

    return {"post": post, "journals": journals, "accounts": accounts}


@pytest.fixture
def customer_book(company, books, make_party):
    """Five posted documents of one customer (CNY company) and one draft."""
    party = make_party("Harbour Trading")
    pump = product_create(company=company, sku="P-1", name="Pump")
    valve = product_create(company=company, sku="V-1", name="Valve")
    post, journals, accounts = books["post"], books["journals"], books["accounts"]
    numbers = iter(range(1, 100))

    def invoice(
        on,
        untaxed,
        tax,
        *,
        product,
        qty,
        kind="customer_invoice",
        rate="1",
        currency="CNY",
        due=None,
        residual=None,
        state="posted",
        paid="not_paid",
    ):
        total = D(untaxed) + D(tax)
        residual = total if residual is None else D(residual)
        total_company = (total * D(rate)).quantize(D("0.01"))
        credit = kind == "customer_credit_note"
        entry = (
            post(
                on,
                "SAL",
                "6001" if credit else "1122",
                "1122" if credit else "6001",
                total_company,
                party,
            )
            if state == "posted"
            else None
        )
        doc = Invoice.objects.create(
            company=company,
            kind=kind,
            party=party,
            journal=journals["SAL"],
            date=on,
            due_date=due,
            currency_id=currency,
            rate=D(rate),
            untaxed_amount=D(untaxed),
            tax_amount=D(tax),
            total_amount=total,
            residual_amount=residual,
            total_company=total_company,
            residual_company=(residual * D(rate)).quantize(D("0.01")),
            entry=entry,
            payment_state=paid,
        )
        InvoiceLine.objects.create(
            company=company,
            invoice=doc,
            product=product,
            account=accounts["6001"],
            quantity=D(qty),
            unit_price=D(untaxed) / D(qty),
            untaxed_amount=D(untaxed),
            tax_amount=D(tax),
            total_amount=total,
        )
        # lines go on while it is a draft: a posted invoice takes no new line
        if state != "draft":
            Invoice.objects.filter(pk=doc.pk).update(
                state=state, number=f"INV/{next(numbers)}" if state == "posted" else ""
            )
            doc.refresh_from_db()
        return doc

    def pay(doc, on, amount):
        entry = post(on, "BNK", "1002", "1122", D(amount), party)
        payment = Payment.objects.create(
            company=company,
            number=f"PAY/{next(numbers)}",
            state="posted",
            direction="in",
            party=party,
            journal=journals["BNK"],
            date=on,
            currency_id="CNY",
            amount=D(amount),
            amount_company=D(amount),
            entry=entry,
        )
        Allocation.objects.create(
            company=company,
            invoice=doc,
            payment=payment,
            date=on,
            amount=D(amount),
            amount_company=D(amount),
        )

    a = invoice(date(2025, 11, 10), "1000", "130", product=pump, qty=10, residual=0, paid="paid")
    pay(a, date(2025, 12, 10), "1130")  # 30 days
    b = invoice(
        date(2026, 1, 5),
        "2000",
        "260",
        product=valve,
        qty=4,
        due=date(2026, 2, 4),
        residual="1260",
        paid="partial",
    )
    pay(b, date(2026, 1, 25), "1000")
    invoice(
        date(2026, 3, 1),
        "100",
        "13",
        product=pump,
        qty=1,
        rate="7.2",
        currency="USD",
        due=date(2026, 3, 31),
    )
    invoice(date(2026, 2, 10), "200", "26", product=pump, qty=2, kind="customer_credit_note")
    f = invoice(date(2026, 2, 1), "500", "65", product=valve, qty=1, residual=0, paid="paid")
    pay(f, date(2026, 2, 11), "565")  # 10 days
    invoice(date(2026, 3, 5), "5000", "650", product=pump, qty=5, state="draft")
    return party, pump, valve


def test_the_360_figures_on_a_hand_built_book(company, customer_book):
    party, pump, valve = customer_book

    view = party_overview(company, party, now=NOW)

    # untaxed x rate: 2026 = 2000 + 100 x 7.2 + 500 - 200; 2025 = 1000
    assert view["revenue_basis"] == "untaxed"
    assert (view["revenue_this_year"], view["revenue_last_year"], view["lifetime_value"]) == (
        D("3020.00"),
        D("1000.00"),
        D("4020.00"),
    )
    # open: 1260 + 113 x 7.2 - 226 (the credit note's unused credit); overdue: due 4 Feb
    assert (view["open_balance"], view["overdue"]) == (D("1847.60"), D("1260.00"))
    assert view["average_days_to_pay"] == D("20.0")
    assert [(p["sku"], p["quantity"], p["revenue"]) for p in view["top_products"]] == [
        ("V-1", D("5"), D("2500.00")),
        ("P-1", D("9"), D("1520.00")),
    ]
    assert view["timeline_count"] == 8  # 5 posted documents + 3 payments
    assert [(e["kind"], e["title"]) for e in view["timeline"][:3]] == [
        ("invoice", "INV/5"),
        ("payment", "PAY/8"),
        ("credit_note", "INV/6"),
    ]


def test_the_timeline_merges_crm_touches_and_pages(
    company, rep, customer_book, make_opportunity, stages, django_assert_num_queries
):
    party, *_ = customer_book
    opp = make_opportunity("Boilers", party=party, owner=rep)
    services.opportunity_move(opportunity=opp, stage=stages["Proposal"], user=rep)
    services.interaction_log(company=company, kind="call", party=party, subject="Intro call")
    services.activity_create(
        company=company,
        kind="meeting",
        summary="Visit",
        due_at=datetime(2027, 1, 5, tzinfo=UTC),
        owner=rep,
        party=party,
    )

    # 25, one for the churn and value scores (analytics), two for campaign emails (marketing)
    with django_assert_num_queries(28):
        view = party_overview(company, party, limit=5, offset=0)
    with django_assert_num_queries(28):
        page_two = party_overview(company, party, limit=5, offset=5)
    for n in range(10):  # a longer timeline costs no more queries
        services.interaction_log(
            company=company,
            kind="note",
            party=party,
            subject=f"n{n}",
            occurred_at=datetime(2025, 1, 1 + n, tzinfo=UTC),
        )
    with django_assert_num_queries(28):
        longer = party_overview(company, party, limit=5, offset=0)

    assert (view["timeline_count"], longer["timeline_count"]) == (12, 22)
    # newest first: the meeting planned for 2027, then today's touches, then the documents
    assert [e["kind"] for e in view["timeline"]][0] == "activity"
    assert {e["kind"] for e in view["timeline"][1:4]} == {
        "stage_change",
        "interaction",
        "opportunity",
    }
    assert view["timeline"][4]["kind"] == "invoice"
    assert len(page_two["timeline"]) == 5
    assert not {(e["kind"], e["id"]) for e in view["timeline"]} & {
        (e["kind"], e["id"]) for e in page_two["timeline"]
    }
    assert [o["name"] for o in view["open_opportunities"]] == ["Boilers"]
    assert view["next_touch"]["title"] == "Visit"
    assert view["last_touch"]["title"] == "Intro call"


def test_the_overview_api_and_the_party_page_panel(api, web, company, customer_book, other_company):
    party, *_ = customer_book

    answer = api.get(f"/parties/{party.pk}/overview", {"limit": 2})
    foreign = api.get("/parties/999999/overview")
    page = web.get(f"/parties/{party.pk}/")

    assert answer.status_code == 200, answer.content
    body = answer.json()
    # answered today (after 31 March 2026): the USD invoice is overdue too
    assert (body["lifetime_value"], body["overdue"], len(body["timeline"])) == (
        "4020.00",
        "2073.60",
        2,
    )
    assert foreign.status_code == 404
    assert foreign.json()["code"] == "party.not_found"
    assert page.status_code == 200
    assert "crm.360" in {name for _o, name, _f in panels._panels["party.detail"]}
    assert 'data-testid="crm-360"' in page.content.decode()
