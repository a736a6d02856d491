"""The payment pages: register with allocations (from an invoice too), list, export, detail,
cancel."""

from datetime import date

from tandem.accounting.models import Payment

from .test_payments_support import YEAR, D, make_invoice, receive, state_of


def test_register_from_an_invoice_prefills_and_posts(web, chart, customer):
    older = make_invoice(chart, customer, [(1, "100.00")], on=date(YEAR, 2, 1))  # 113.00
    invoice = make_invoice(chart, customer, [(10, "100.00"), (1, "50.00")])  # 1,186.50

    page = web.get(f"/accounting/payments/new/?invoice={invoice.pk}")

    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="amount"' in html and 'value="1186.50"' in html
    assert f'name="alloc-{invoice.pk}" value="1186.50"' in html
    assert f'name="alloc-{older.pk}" value=""' in html  # the amount went to the invoice

    response = web.post(
        "/accounting/payments/new/",
        {
            "party": customer.pk,
            "direction": "in",
            "journal": page.context["form"].initial["journal"].pk,
            "amount": "1300.00",
            "date": f"{YEAR}-03-20",
            "currency": "CNY",
            f"alloc-{invoice.pk}": "1186.50",
            f"alloc-{older.pk}": "113.00",
            "post": "1",
        },
    )

    payment = Payment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/accounting/payments/{payment.pk}/"
    assert (payment.state, payment.unallocated_amount) == ("posted", D("0.50"))
    assert state_of(invoice) == (D("0.00"), D("0.00"), "paid")
    assert state_of(older) == (D("0.00"), D("0.00"), "paid")
    detail = web.get(response["Location"]).content.decode()
    assert payment.number in detail and invoice.number in detail
    assert f"/accounting/entries/{payment.entry_id}/" in detail


def test_a_refused_registration_redisplays_with_the_error(web, chart, customer):
    invoice = make_invoice(chart, customer, [(1, "100.00")])
    journal_id = web.get("/accounting/payments/new/").context["form"].initial["journal"].pk
    response = web.post(
        "/accounting/payments/new/",
        {
            "party": customer.pk, "direction": "in", "journal": journal_id,
            "amount": "500.00", "date": f"{YEAR}-03-20", "currency": "CNY",
            f"alloc-{invoice.pk}": "200.00", "post": "1",
        },
    )  # fmt: skip
    assert response.status_code == 422
    assert "more than the 113.00 due" in response.content.decode()
    assert Payment.objects.count() == 0


def test_the_invoice_list_follows_the_party(web, chart, customer):
    invoice = make_invoice(chart, customer, [(1, "100.00")])
    fragment = web.get(
        "/accounting/payments/new/invoices/",
        {"party": customer.pk, "direction": "in", "amount": "50.00", "currency": "CNY"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert f'name="alloc-{invoice.pk}" value="50.00"' in fragment
    none = web.get("/accounting/payments/new/invoices/", {"party": customer.pk,
                                                          "direction": "out"})  # fmt: skip
    assert "No open invoices" in none.content.decode()


def test_list_filters_export_and_cancel(web, chart, customer):
    invoice = make_invoice(chart, customer, [(1, "100.00")])
    payment = receive(chart, customer, "113.00", allocations=[(invoice, "113.00")])
    receive(chart, customer, "7.00", on=date(YEAR, 5, 1))

    listing = web.get("/accounting/payments/", {"date_to": f"{YEAR}-04-30"}).content.decode()
    assert payment.number in listing and "7.00" not in listing
    csv = web.get("/accounting/payments/", {"format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    body = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0].startswith("Date,Number,Direction,Party,Amount")
    assert len(body.splitlines()) == 3
    xlsx = web.get("/accounting/payments/", {"format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")

    response = web.post(f"/accounting/payments/{payment.pk}/cancel/")
    assert response.status_code == 302
    assert Payment.objects.get(pk=payment.pk).state == "cancelled"
    assert state_of(invoice) == (D("113.00"), D("113.00"), "not_paid")
