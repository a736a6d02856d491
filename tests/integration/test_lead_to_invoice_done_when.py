"""Issue 6's done-when through the API (the browser leg drives the same flow in the UI): a lead
is qualified, moved along the pipeline, won into a draft order of its products of interest;
the order is confirmed, shipped and invoiced, and the customer 360 timeline shows every step,
newest first."""

from datetime import datetime
from decimal import Decimal as D
from functools import partial

import pytest

pytestmark = pytest.mark.django_db


def test_lead_to_invoice_on_one_timeline(api, shop, committed):
    post = partial(committed, api.post)
    products = shop["products"]
    lead = post(
        "/leads",
        {
            "contact_name": "Li Lei",
            "company_name": "Ningbo Pipeline Trading",
            "email": "li.lei@ningbo-pipeline.example",
            "source": "web_form",
        },
    )
    assert lead.status_code == 201, lead.content
    qualified = post(f"/leads/{lead.json()['id']}/qualify", {"expected_revenue": "450.00"})
    assert qualified.status_code == 200, qualified.content
    opportunity_id = qualified.json()["opportunity"]
    opportunity = api.get(f"/opportunities/{opportunity_id}").json()
    party_id = opportunity["party"]

    stages = sorted(
        (
            stage
            for stage in api.get("/pipeline-stages", {"limit": 100}).json()["items"]
            if stage["team"] == opportunity["team"] and not (stage["is_won"] or stage["is_lost"])
        ),
        key=lambda stage: stage["sequence"],
    )
    for stage in stages[1:]:
        moved = post(f"/opportunities/{opportunity_id}/move", {"stage": stage["id"]})
        assert moved.status_code == 200, moved.content
    refused = post(f"/opportunities/{opportunity_id}/win", {"create_order": True})
    assert refused.status_code in (409, 422)  # no products of interest yet: nothing written
    assert api.get(f"/opportunities/{opportunity_id}").json()["state"] == "open"

    patched = api.patch(f"/opportunities/{opportunity_id}", {"products": [products[0].pk]})
    assert patched.status_code == 200, patched.content
    won = post(f"/opportunities/{opportunity_id}/win", {"create_order": True}).json()
    assert won["state"] == "won" and won["sales_order"]
    order_id = won["sales_order"]
    order = api.get(f"/sales-orders/{order_id}").json()
    assert (order["state"], order["party"]) == ("draft", party_id)
    assert [(line["product"], D(line["quantity"])) for line in order["lines"]] == [
        (products[0].pk, D("1"))
    ]
    assert order["total_amount"] == "113.00"  # 100.00 list price + 13% VAT

    order = post(f"/sales-orders/{order_id}/confirm").json()
    assert order["state"] == "confirmed" and order["number"].startswith("SO/")
    shipped = post(f"/sales-orders/{order_id}/ship", {"carrier": "SF", "tracking_reference": "7"})
    assert shipped.json()["delivery_status"] == "delivered"
    invoiced = post(f"/sales-orders/{order_id}/invoice", {"post": True}).json()
    invoice_id = invoiced["invoices"][0]
    invoice_id = invoice_id["id"] if isinstance(invoice_id, dict) else invoice_id
    invoice = api.get(f"/invoices/{invoice_id}").json()
    assert invoice["state"] == "posted"

    overview = api.get(f"/parties/{party_id}/overview").json()
    kinds = [event["kind"] for event in overview["timeline"]]
    for kind in ("opportunity", "order", "delivery", "invoice"):
        assert kind in kinds, kinds
    titles = " ".join(str(event["title"]) for event in overview["timeline"])
    assert order["number"] in titles and invoice["number"] in titles
    # Date-only documents stand at local midnight with an offset, others in UTC: compare instants.
    stamps = [datetime.fromisoformat(event["at"]) for event in overview["timeline"]]
    assert stamps == sorted(stamps, reverse=True)
    assert D(str(overview["open_balance"])) == D("113.00")
