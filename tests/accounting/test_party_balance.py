"""The party's money position (query) and its panel on the party page."""

from datetime import date

from tandem.accounting.queries.parties import party_balance
from tandem.core.services import membership_grant
from tests.factories import UserFactory

from .test_payments_support import YEAR, D, make_invoice, receive


def test_balances_overdue_open_documents_and_days_to_pay(chart, customer):
    # given: one invoice paid after 20 days, one partly paid and overdue, one not yet due,
    # and a payment with 50.00 still unallocated
    paid = make_invoice(chart, customer, [(1, "100.00")], on=date(YEAR, 1, 10),
                        due=date(YEAR, 2, 10))  # fmt: skip
    receive(chart, customer, "113.00", allocations=[(paid, "113.00")], on=date(YEAR, 1, 30))
    late = make_invoice(chart, customer, [(2, "100.00")], on=date(YEAR, 2, 1),
                        due=date(YEAR, 3, 1))  # fmt: skip
    receive(chart, customer, "126.00", allocations=[(late, "76.00")], on=date(YEAR, 3, 5))
    fresh = make_invoice(chart, customer, [(1, "50.00")], on=date(YEAR, 3, 10),
                         due=date(YEAR, 4, 30))  # fmt: skip

    position = party_balance(chart, customer, today=date(YEAR, 3, 31))

    assert position["receivable"] == D("150.00") + D("56.50") - D("50.00")
    assert position["payable"] == D("0.00")
    assert position["overdue"] == D("150.00")
    assert [i.pk for i in position["open_invoices"]] == [late.pk, fresh.pk]
    assert position["open_invoices"][0].days_overdue == 30
    assert [(p.amount, p.unallocated_amount) for p in position["open_payments"]] == [
        (D("126.00"), D("50.00"))
    ]
    assert position["average_days_to_pay"] == D("20.0")


def test_a_supplier_position(chart, supplier):
    bill = make_invoice(chart, supplier, [(1, "1000.00")], kind="vendor_bill",
                        due=date(YEAR, 3, 15))  # fmt: skip
    receive(chart, supplier, "130.00", direction="out", allocations=[(bill, "130.00")])
    position = party_balance(chart, supplier, today=date(YEAR, 4, 1))
    assert (position["receivable"], position["payable"]) == (D("0.00"), D("1000.00"))
    assert (position["overdue"], position["overdue_payable"]) == (D("0.00"), D("1000.00"))
    assert position["average_days_to_pay"] is None


def test_the_query_count_does_not_grow(chart, customer, django_assert_num_queries):
    make_invoice(chart, customer, [(1, "100.00")])
    with django_assert_num_queries(5):  # ledger, overdue, invoices, payments, days to pay
        party_balance(chart, customer, today=date(YEAR, 6, 1))
    for n in range(4):
        invoice = make_invoice(chart, customer, [(1, "10.00")], on=date(YEAR, 3, 1 + n))
        receive(chart, customer, "20.00", allocations=[(invoice, "5.00")])
    with django_assert_num_queries(5):
        party_balance(chart, customer, today=date(YEAR, 6, 1))


def test_the_party_page_shows_the_panel_to_accountants_only(web, chart, customer, client):
    invoice = make_invoice(chart, customer, [(10, "100.00"), (1, "50.00")],
                           due=date(YEAR, 3, 31))  # fmt: skip
    receive(chart, customer, "1000.00", allocations=[(invoice, "1000.00")])

    page = web.get(f"/parties/{customer.pk}/")

    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="party-balance"' in html
    assert 'data-testid="receivable">186.50 CNY' in html
    assert invoice.number in html
    assert "/accounting/payments/new/?party=" in html

    seller = UserFactory(username="seller")  # sees accounting, cannot register payments
    membership_grant(user=seller, company=chart, roles=["sales"])
    client.force_login(seller)
    html = client.get(f"/parties/{customer.pk}/").content.decode()
    assert 'id="party-balance"' in html
    assert "/accounting/payments/new/?party=" not in html

    clerk = UserFactory(username="clerk")  # HR: the party, but no accounting at all
    membership_grant(user=clerk, company=chart, roles=["hr"])
    client.force_login(clerk)
    page = client.get(f"/parties/{customer.pk}/")
    assert page.status_code == 200
    assert 'id="party-balance"' not in page.content.decode()
