"""The quality loop: a complaint about a lot -> a quality issue -> where-used and the receipt."""

from datetime import date
from decimal import Decimal

import pytest

from tandem.catalog.services import product_create
from tandem.core.errors import ValidationFailed
from tandem.service import services
from tandem.service.models import QualityIssue

D = Decimal
YEAR = date.today().year


def test_one_complaint_traces_the_lot(company, lot_world, api):
    alpha, beta, gamma = lot_world["customers"]
    # given a complaint from Beta Foods about lot L-42
    ticket = services.ticket_create(
        company=company,
        subject="Compressor noise",
        channel="phone",
        party=beta,
        lot=lot_world["lot"],
        defect_code="NOISE",
    )
    assert ticket.product == lot_world["product"]
    # when one click makes a quality issue
    issue = services.ticket_quality_issue(ticket=ticket)
    assert (issue.product, issue.lot, issue.defect_code) == (
        lot_world["product"],
        lot_world["lot"],
        "NOISE",
    )
    # then where-used lists every customer of the lot, the complainant marked
    answer = api.get(f"/quality-issues/{issue.pk}/where-used")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert [(c["name"], D(c["quantity"]), c["complained"]) for c in body["customers"]] == [
        ("Alpha Mart", D(4), False),
        ("Beta Foods", D(3), True),
        ("Gamma Hotel", D(2), False),
    ]
    others = [c["name"] for c in body["customers"] if not c["complained"]]
    assert others == ["Alpha Mart", "Gamma Hotel"]
    # and the trace reaches the supplier's receipt
    [receipt] = body["receipts"]
    assert receipt["supplier_name"] == "Cold Parts Ltd"
    assert receipt["number"] == lot_world["receipt"].number
    assert receipt["origin"] == "PO/2026/00007"
    assert D(receipt["quantity"]) == D(10)
    # a second complaint on the same lot joins the same open issue
    second = services.ticket_create(
        company=company,
        subject="Noise again",
        channel="email",
        party=alpha,
        lot=lot_world["lot"],
    )
    assert services.ticket_quality_issue(ticket=second) == issue
    assert QualityIssue.objects.count() == 1
    assert sorted(issue.tickets.values_list("pk", flat=True)) == [ticket.pk, second.pk]


def test_a_ticket_without_product_cannot_make_an_issue(company, lot_world):
    ticket = services.ticket_create(company=company, subject="Hello", channel="api")
    with pytest.raises(ValidationFailed) as err:
        services.ticket_quality_issue(ticket=ticket)
    assert err.value.code == "quality.no_product"
    assert not QualityIssue.objects.exists()


def test_a_lot_of_another_product_is_refused(company, lot_world):
    other = product_create(
        company=company, sku="OTHER", name="Other", valuation="fifo", tracking="lot"
    )
    with pytest.raises(ValidationFailed) as err:
        services.ticket_create(
            company=company, subject="x", channel="api", product=other, lot=lot_world["lot"]
        )
    assert err.value.code == "ticket.lot_mismatch"
