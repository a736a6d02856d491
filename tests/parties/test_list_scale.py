"""The first page of the party list costs the same queries at 5 and at 10,000 parties."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.parties.models import Address, Contact, Party


def _bulk(company, start, count):
    parties = Party.objects.bulk_create(
        Party(
            company=company,
            name=f"Bulk {i:05d}",
            is_customer=True,
            currency_id="CNY",
            email=f"bulk{i}@example.com",
        )
        for i in range(start, start + count)
    )
    Contact.objects.bulk_create(
        Contact(company=company, party=p, name=f"Buyer {p.pk}", is_primary=True) for p in parties
    )
    Address.objects.bulk_create(
        Address(company=company, party=p, kind="billing", city="Shanghai", is_default=True)
        for p in parties
    )


def test_first_page_query_count_is_constant_up_to_10000_parties(
    api, web, company, django_assert_num_queries
):
    _bulk(company, 0, 5)
    api.get("/parties")
    web.get("/parties/")
    with CaptureQueriesContext(connection) as api_small:
        assert api.get("/parties", {"limit": 50}).json()["count"] == 5
    with CaptureQueriesContext(connection) as web_small:
        assert web.get("/parties/").status_code == 200

    _bulk(company, 5, 9_995)

    with django_assert_num_queries(len(api_small.captured_queries)):
        body = api.get("/parties", {"limit": 50}).json()
    with django_assert_num_queries(len(web_small.captured_queries)):
        page = web.get("/parties/")
    assert body["count"] == 10_000
    assert len(body["items"]) == 50
    assert "Bulk 00000" in page.content.decode()
