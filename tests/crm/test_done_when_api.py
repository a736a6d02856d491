"""Issue 6's done-when through the API only: a lead from the public web form is qualified,
moved across the pipeline, won into a draft order (`create_order`), confirmed, shipped and
invoiced; the customer's 360 (GET /parties/{id}/overview) shows each step on one timeline,
newest first."""

from decimal import Decimal

from django.test import Client

from tandem.crm.models import Lead, PipelineStage

from .test_overview_orders import shop  # noqa: F401  (the fixture: books, stock of pumps)

D = Decimal


def test_web_lead_to_invoiced_order_on_one_timeline(api, company, shop):  # noqa: F811
    form = Client(enforce_csrf_checks=True).post(
        "/crm/forms/ACME/lead/",
        {
            "contact_name": "Wang Fang",
            "company_name": "Lotus Foods",
            "email": "wang@lotus.example",
            "phone": "",
            "message": "Two pumps, please.",
            "campaign": "spring-expo",
            "homepage": "",
        },
        REMOTE_ADDR="203.0.113.7",
    )
    assert form.status_code in (200, 302)
    lead = Lead.objects.get()

    qualified = api.post(f"/leads/{lead.pk}/qualify", {"expected_revenue": "100.00"}).json()
    opp = {"id": qualified["opportunity"]}
    stages = {s.name: s.pk for s in PipelineStage.objects.filter(company=company)}
    for stage in ("Qualified", "Proposal"):
        moved = api.post(f"/opportunities/{opp['id']}/move", {"stage": stages[stage]})
        assert moved.status_code == 200, moved.content
    assert api.patch(f"/opportunities/{opp['id']}", {"products": [shop.pk]}).status_code == 200
    won = api.post(f"/opportunities/{opp['id']}/win", {"create_order": True}).json()
    order_id = won["sales_order"]
    confirmed = api.post(f"/sales-orders/{order_id}/confirm")
    assert confirmed.status_code == 200, confirmed.content
    shipped = api.post(f"/sales-orders/{order_id}/ship")
    assert shipped.status_code == 200, shipped.content
    invoiced = api.post(f"/sales-orders/{order_id}/invoice", {"post": True})
    assert invoiced.status_code == 200, invoiced.content
    order = invoiced.json()

    view = api.get(f"/parties/{won['party']}/overview", {"limit": 50}).json()

    kinds = [e["kind"] for e in view["timeline"]]
    assert {"opportunity", "stage_change", "order", "delivery", "invoice"} <= set(kinds)
    assert kinds.count("stage_change") == 3  # qualified, proposal, won
    # newest first: the delivery is after the order was confirmed, the order after the win
    assert kinds.index("delivery") < kinds.index("order") < kinds.index("opportunity")
    assert [e["id"] for e in view["timeline"] if e["kind"] == "order"] == [order_id]
    assert [e["id"] for e in view["timeline"] if e["kind"] == "invoice"] == order["invoices"]
    assert view["orders"] == {"count": 1, "open": 0, "quotations": 0}
    assert D(view["lifetime_value"]) == D("100.00")
