"""/payments over HTTP: the contract of API.md, problem+json refusals, no N+1."""

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.accounting.models import Allocation, Journal, Payment
from tandem.accounting.services import payments as pay
from tandem.core.services import company_create, membership_grant
from tests.factories import UserFactory

from .test_payments_support import YEAR, D, fresh, make_invoice, receive, state_of


def problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == code
    return response.json()


def body(party, amount, allocations=(), **extra):
    return {
        "party": party.pk,
        "direction": "in",
        "amount": amount,
        "date": f"{YEAR}-03-20",
        "allocations": [{"invoice": inv.pk, "amount": a} for inv, a in allocations],
        **extra,
    }


def test_create_read_patch_post(api, chart, customer):
    invoice = make_invoice(chart, customer, [(1, "100.00")])  # 113.00
    created = api.post("/payments", body(customer, "200.00", [(invoice, "100.00")]))
    assert created.status_code == 201
    data = created.json()
    assert {k: data[k] for k in ("number", "state", "direction", "amount", "currency",
                                 "unallocated_amount", "party", "date")} == {
        "number": None, "state": "draft", "direction": "in", "amount": "200.00",
        "currency": "CNY", "unallocated_amount": "200.00", "party": customer.pk,
        "date": f"{YEAR}-03-20",
    }  # fmt: skip
    assert data["journal"] == Journal.objects.get(company=chart, code="BNK").pk
    pid = data["id"]
    patched = api.patch(f"/payments/{pid}", {"allocations": [{"invoice": invoice.pk,
                                                               "amount": "113.00"}]})  # fmt: skip
    assert patched.status_code == 200
    assert patched.json()["allocations"][0]["amount"] == "113.00"
    posted = api.post(f"/payments/{pid}/post").json()
    assert (posted["state"], posted["unallocated_amount"]) == ("posted", "87.00")
    assert posted["entry"] is not None
    assert api.get(f"/payments/{pid}").json() == posted
    problem(api.patch(f"/payments/{pid}", {"memo": "late"}), 409, "payment.not_draft")
    problem(api.delete(f"/payments/{pid}"), 409, "payment.not_draft")
    problem(api.post(f"/payments/{pid}/post"), 409, "payment.invalid_transition")
    assert state_of(invoice) == (D("0.00"), D("0.00"), "paid")


def test_allocate_then_cancel(api, chart, customer):
    payment = receive(chart, customer, "300.00")
    invoice = make_invoice(chart, customer, [(1, "100.00")], on=date(YEAR, 4, 1))
    too_much = api.post(
        f"/payments/{payment.pk}/allocate",
        {"allocations": [{"invoice": invoice.pk, "amount": "113.01"}]},
    )
    problem(too_much, 422, "allocation.exceeds_residual")
    assert state_of(invoice) == (D("113.00"), D("113.00"), "not_paid")
    done = api.post(
        f"/payments/{payment.pk}/allocate",
        {"allocations": [{"invoice": invoice.pk, "amount": "113.00"}]},
    )
    assert done.status_code == 200
    assert done.json()["unallocated_amount"] == "187.00"
    assert done.json()["allocations"][0]["date"] == f"{YEAR}-04-01"
    cancelled = api.post(f"/payments/{payment.pk}/cancel")
    assert cancelled.status_code == 200
    assert (cancelled.json()["state"], cancelled.json()["allocations"]) == ("cancelled", [])
    assert state_of(invoice) == (D("113.00"), D("113.00"), "not_paid")


def test_credit_note_allocation(api, chart, customer):
    invoice = make_invoice(chart, customer, [(10, "100.00")])
    note = make_invoice(chart, customer, [(1, "100.00")], kind="customer_credit_note")
    response = api.post(
        f"/invoices/{note.pk}/allocate-credit", {"invoice": invoice.pk, "amount": "113.00"}
    )
    assert response.status_code == 201
    assert response.json()["credit_note"] == note.pk
    assert response.json()["amount_company"] == "113.00"
    assert state_of(invoice) == (D("1017.00"), D("1017.00"), "partial")
    problem(
        api.post(f"/invoices/{invoice.pk}/allocate-credit",
                 {"invoice": note.pk, "amount": "1.00"}),
        422, "allocation.wrong_kind",
    )  # fmt: skip


def test_refusals_are_problems_and_change_nothing(api, chart, customer, supplier):
    invoice = make_invoice(chart, customer, [(1, "100.00")])
    problem(api.post("/payments", body(customer, "0")), 422, "validation.min_value")
    problem(api.post("/payments", body(customer, "-5.00")), 422, "validation.invalid")
    problem(api.post("/payments", body(customer, "1.001")), 422, "validation.invalid")
    problem(
        api.post("/payments", body(supplier, "10.00", [(invoice, "10.00")])),
        422, "allocation.party_mismatch",
    )  # fmt: skip
    problem(
        api.post("/payments", body(customer, "10.00", [(invoice, "20.00")])),
        422, "allocation.exceeds_unallocated",
    )  # fmt: skip
    problem(
        api.post("/payments", {**body(customer, "10.00"), "allocations": [
            {"invoice": 999999, "amount": "1.00"}]}),
        422, "reference.invalid",
    )  # fmt: skip
    problem(api.post("/payments", body(customer, "10.00", currency="XYZ")), 422,
            "currency.unknown")  # fmt: skip
    problem(api.get("/payments/999999"), 404, "payment.not_found")
    assert Payment.objects.count() == 0
    assert Allocation.objects.count() == 0


def test_another_company_is_invisible(api_as, chart, customer):
    payment = receive(chart, customer, "10.00")
    other = company_create(code="ELSE", name="Else", currency="CNY", country="CN")
    stranger = UserFactory(username="stranger")
    membership_grant(user=stranger, company=other, roles=["owner"])
    client = api_as(stranger, other)
    problem(client.get(f"/payments/{payment.pk}"), 404, "payment.not_found")
    problem(client.post(f"/payments/{payment.pk}/cancel"), 404, "payment.not_found")
    assert client.get("/payments").json() == {"items": [], "count": 0}
    assert fresh(payment).state == "posted"


def test_a_retried_post_makes_one_payment(api, chart, customer):
    headers = {"Idempotency-Key": "pay-1"}
    first = api.post("/payments", body(customer, "10.00"), headers=headers)
    again = api.post("/payments", body(customer, "10.00"), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Payment.objects.count() == 1


def test_list_filters_and_query_count(api, chart, customer, supplier, django_assert_num_queries):
    a = make_invoice(chart, customer, [(1, "100.00")])
    b = make_invoice(chart, customer, [(1, "50.00")], on=date(YEAR, 3, 2))
    receive(chart, customer, "113.00", allocations=[(a, "113.00")], on=date(YEAR, 3, 10))
    receive(chart, customer, "56.50", allocations=[(b, "56.50")], on=date(YEAR, 4, 10))
    receive(chart, supplier, "5.00", direction="out", on=date(YEAR, 5, 10))
    pay.payment_create(company=chart, direction="in", party=customer, amount=D("1.00"),
                       date=date(YEAR, 6, 1))  # fmt: skip

    def numbers(**params):
        found = api.get("/payments", params).json()
        return found["count"], [item["amount"] for item in found["items"]]

    assert numbers() == (4, ["1.00", "5.00", "56.50", "113.00"])
    assert numbers(party=customer.pk, state="posted") == (2, ["56.50", "113.00"])
    assert numbers(direction="out") == (1, ["5.00"])
    assert numbers(date_from=f"{YEAR}-04-01", date_to=f"{YEAR}-05-31") == (2, ["5.00", "56.50"])
    assert numbers(state="draft") == (1, ["1.00"])
    problem(api.get("/payments", {"direction": "sideways"}), 422, "validation.invalid")

    with CaptureQueriesContext(connection) as few:
        assert api.get("/payments").status_code == 200
    for n in range(5):
        invoice = make_invoice(chart, customer, [(1, "10.00")], on=date(YEAR, 7, 1 + n))
        receive(chart, customer, "20.00", allocations=[(invoice, "11.30")],
                on=date(YEAR, 7, 1 + n))  # fmt: skip
    with django_assert_num_queries(len(few.captured_queries)):
        assert api.get("/payments").json()["count"] == 9
