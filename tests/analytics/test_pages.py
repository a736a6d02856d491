"""Issue 19, "Done when": the product page shows the stored "bought together" rows, the
customer page the stored scores and "for this customer", and /analytics/customers/ lists the
scored customers sortable by risk and value. Known stored rows in, exact screen text out."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tandem.analytics import queries
from tandem.analytics.models import (
    ModelName,
    ModelRun,
    PartyRecommendation,
    PartyScore,
    ProductPair,
    RunState,
    Segment,
)
from tandem.catalog.services import product_create
from tandem.inventory import services as inventory
from tandem.inventory.models import StockLevel
from tandem.parties.services import party_create

D = Decimal


def _run(company, name):
    return ModelRun.objects.create(
        company=company, name=name, state=RunState.ACTIVE, trained_at=datetime.now(UTC)
    )


@pytest.fixture
def stored(company):
    """Stored predictions of ACME: pasta goes with sauce (0.42) and cheese (0.12) and,
    weakly, with an archived product; Ann (lapsing, 72 % churn risk) is recommended sauce and
    bread. 5 jars of sauce are available (8 on hand, 3 reserved), no cheese, 10 bread."""
    names = ["pasta", "sauce", "cheese", "bread", "old"]
    p = {
        n: product_create(company=company, sku=n.upper(), name=n.title(), list_price=D(4))
        for n in names
    }
    p["old"].active = False
    p["old"].save(update_fields=["active"])
    ann = party_create(company=company, name="Ann Lapsing", is_customer=True)
    bob = party_create(company=company, name="Bob Loyal", is_customer=True)
    cid = party_create(company=company, name="Cid Unscored", is_customer=True)
    together = _run(company, ModelName.BOUGHT_TOGETHER)
    ProductPair.objects.bulk_create(
        ProductPair(
            company=company,
            run=together,
            product=p["pasta"],
            other=other,
            rank=rank,
            score=score,
            quantity=qty,
        )
        for rank, (other, score, qty) in enumerate(
            [(p["sauce"], 0.42, D(6)), (p["cheese"], 0.12, D(1)), (p["old"], 0.05, D(1))], 1
        )
    )
    mine = _run(company, ModelName.FOR_CUSTOMER)
    PartyRecommendation.objects.bulk_create(
        PartyRecommendation(
            company=company,
            run=mine,
            party=ann,
            product=product,
            rank=rank,
            score=score,
            reason=reason,
            quantity=qty,
        )
        for rank, (product, score, reason, qty) in enumerate(
            [(p["sauce"], 2.0, "repeat", D(3)), (p["bread"], 0.4, "similar", D(2))], 1
        )
    )
    rfm = _run(company, ModelName.RFM)
    PartyScore.objects.bulk_create(
        [
            PartyScore(
                company=company,
                run=rfm,
                party=ann,
                recency_days=120,
                frequency=4,
                monetary=D("800.00"),
                r=1,
                f=3,
                m=4,
                band="lapsing",
                cluster=1,
                churn_risk=0.72,
                p_alive=0.35,
                expected_orders=0.8,
                clv=D("150.00"),
            ),
            PartyScore(
                company=company,
                run=rfm,
                party=bob,
                recency_days=10,
                frequency=12,
                monetary=D("3000.00"),
                r=5,
                f=5,
                m=5,
                band="champions",
                cluster=0,
                churn_risk=0.10,
                p_alive=0.97,
                expected_orders=9.5,
                clv=D("2400.00"),
            ),
        ]
    )
    seg = _run(company, ModelName.SEGMENTS)
    Segment.objects.bulk_create(
        [
            Segment(
                company=company,
                run=seg,
                index=0,
                size=1,
                words=["big", "frequent", "active"],
                recency_days=10,
                frequency=12,
                monetary=D(3000),
            ),
            Segment(
                company=company,
                run=seg,
                index=1,
                size=1,
                words=["mid-size", "lapsing"],
                recency_days=120,
                frequency=4,
                monetary=D(800),
            ),
        ]
    )
    # a stored stock position (the read side's input), in the warehouse's stock location
    wh = inventory.warehouse_create(company=company, code="WH", name="Main")
    StockLevel.objects.bulk_create(
        [
            StockLevel(
                company=company,
                product=p["sauce"],
                location=wh.stock_location,
                on_hand=D(8),
                reserved=D(3),
            ),
            StockLevel(
                company=company, product=p["bread"], location=wh.stock_location, on_hand=D(10)
            ),
        ]
    )
    return p, ann, bob, cid


def test_bought_together_reads_stored_pairs_with_stock_flags(
    company, stored, django_assert_num_queries
):
    p, *_ = stored
    with django_assert_num_queries(2):  # the pairs, the stock of their products
        items = queries.product_bought_together(company, p["pasta"].pk)
    assert [(i["product"].sku, i["score"], i["available"], i["short"]) for i in items] == [
        ("SAUCE", 0.42, D(5), True),  # 5 available below the usual 6 jars
        ("CHEESE", 0.12, 0, True),
    ]  # the archived product is not offered


def test_the_product_page_shows_bought_together(web, company, stored):
    p, *_ = stored
    html = web.get(f"/catalog/products/{p['pasta'].pk}/").content.decode()
    section = html.partition('id="bought-together"')[2].partition("</section>")[0]
    sauce = section.partition(f'data-together="{p["sauce"].pk}"')[2].partition("</tr>")[0]
    assert f'href="/catalog/products/{p["sauce"].pk}/"' in sauce
    assert "Very often bought together" in sauce and "0.42" in sauce
    assert "Only 5 available" in sauce and "/purchasing/replenishment/" in sauce
    cheese = section.partition(f'data-together="{p["cheese"].pk}"')[2].partition("</tr>")[0]
    assert "Often bought together" in cheese and "Only 0 available" in cheese
    assert f'data-together="{p["old"].pk}"' not in section
    # a product with no stored pair says so
    html = web.get(f"/catalog/products/{p['bread'].pk}/").content.decode()
    assert "Nothing stored yet" in html.partition('id="bought-together"')[2]


def test_the_customer_page_shows_scores_drivers_and_recommendations(
    web, company, stored, django_assert_num_queries
):
    p, ann, _bob, cid = stored
    with django_assert_num_queries(4):  # score, segment, recommendations, their stock
        found = queries.customer_insight(company, ann.pk)
    assert [(i["product"].sku, i["available"], i["short"]) for i in found["recommended"]] == [
        ("SAUCE", D(5), False),  # 5 available cover the usual 3
        ("BREAD", D(10), False),
    ]
    html = web.get(f"/parties/{ann.pk}/").content.decode()
    panel = html.partition('id="customer-analytics"')[2].partition("</section>")[0]
    assert "lapsing" in panel and "R 1 · F 3 · M 4" in panel
    assert "mid-size · lapsing" in panel
    assert "72 % chance of no order in the next 13 weeks" in panel
    assert "last order 120 days ago; 4 orders; 35 % likely still a customer" in panel
    assert "150.00" in panel and "about 0.8 orders" in panel
    sauce = panel.partition(f'data-recommended="{p["sauce"].pk}"')[2].partition("</tr>")[0]
    assert "Bought before by this customer" in sauce and "In stock" in sauce
    bread = panel.partition(f'data-recommended="{p["bread"].pk}"')[2].partition("</tr>")[0]
    assert "Goes with what this customer buys" in bread
    # a customer with nothing stored gets no panel
    assert 'id="customer-analytics"' not in web.get(f"/parties/{cid.pk}/").content.decode()


def test_customers_sort_by_risk_and_value_and_page(web, company, stored):
    _p, ann, bob, _cid = stored

    def order(**params):
        html = web.get("/analytics/customers/", params).content.decode()
        table = html.partition('id="customers"')[2].partition("</table>")[0]
        return [int(chunk.partition('"')[0]) for chunk in table.split('data-party="')[1:]]

    # at stake (churn risk x expected value): Bob 0.10 x 2,400 = 240 before Ann 0.72 x 150 = 108
    assert order() == [bob.pk, ann.pk]
    assert order(sort="risk") == [ann.pk, bob.pk]
    assert order(sort="value") == [bob.pk, ann.pk]
    assert order(sort="recency") == [ann.pk, bob.pk]
    assert order(band="lapsing") == [ann.pk]
    assert order(sort="nonsense") == [bob.pk, ann.pk]  # an unknown sort falls back


def test_customers_list_pages_by_fifty(web, company):
    rfm = _run(company, ModelName.RFM)
    parties = [party_create(company=company, name=f"C{i:02d}", is_customer=True) for i in range(51)]
    PartyScore.objects.bulk_create(
        PartyScore(
            company=company,
            run=rfm,
            party=party,
            recency_days=i,
            frequency=1,
            monetary=D(10),
            r=1,
            f=1,
            m=1,
            band="lost",
            churn_risk=i / 100,
        )
        for i, party in enumerate(parties)
    )
    first = web.get("/analytics/customers/", {"sort": "risk"}).content.decode()
    assert first.count('data-party="') == 50 and "Page 1 of 2" in first
    second = web.get("/analytics/customers/", {"sort": "risk", "page": 2}).content.decode()
    assert second.count('data-party="') == 1
    assert f'data-party="{parties[0].pk}"' in second  # the lowest risk is last


def test_the_reorder_rules_show_the_expected_stock_of_each_level(web, company, monkeypatch):
    """Lead-time demand 100, safety stock 16.449 (95 %): at the current minimum 80 the stock
    expected when a replenishment arrives is 80 - 100 = -20, at the forecast's point 16.449."""
    from tandem.core import providers
    from tandem.purchasing.forecast_points import REORDER_POINTS
    from tandem.purchasing.services import reorder_rule_create

    widget = product_create(company=company, sku="W", name="Widget", list_price=D(5))
    wh = inventory.warehouse_create(company=company, code="WH", name="Main")
    rule = reorder_rule_create(
        company=company, product=widget, warehouse=wh, min_quantity=D(80), max_quantity=D(200)
    )
    point = {
        "reorder_point": D("116.449"),
        "safety_stock": D("16.449"),
        "lead_time_demand": D("100"),
        "lead_time_days": 14,
        "service_level": D("0.95"),
    }
    monkeypatch.setitem(
        providers._providers, REORDER_POINTS, lambda company, ids: {widget.pk: point}
    )
    page = web.get("/purchasing/reorder-rules/").content.decode()
    row = page.partition(f"/purchasing/reorder-rules/{rule.pk}/")[0].rpartition("<tr>")[2]
    assert "stock expected on arrival -20 → 16.449" in row
