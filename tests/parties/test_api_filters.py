"""GET /parties filters by the API.md field names `is_customer` and `is_supplier` (audit
finding 7: they were ignored, and a value such as "maybe" was accepted)."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def four(make_party):
    make_party("Alpha Customer", is_customer=True, is_supplier=False)
    make_party("Beta Supplier", is_customer=False, is_supplier=True)
    make_party("Gamma Both", is_customer=True, is_supplier=True)
    make_party("Delta Neither", is_customer=False, is_supplier=False)


def _names(api, **params):
    answer = api.get("/parties", params)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["count"] == len(body["items"])
    return [p["name"] for p in body["items"]]


def test_role_flags_filter_each_way_and_together(api, four):
    assert _names(api, is_customer="true") == ["Alpha Customer", "Gamma Both"]
    assert _names(api, is_customer="false") == ["Beta Supplier", "Delta Neither"]
    assert _names(api, is_supplier="true") == ["Beta Supplier", "Gamma Both"]
    assert _names(api, is_customer="true", is_supplier="true") == ["Gamma Both"]
    assert _names(api, is_customer="false", is_supplier="false") == ["Delta Neither"]
    assert _names(api, is_supplier="true", search="gamma") == ["Gamma Both"]
    assert len(_names(api)) == 4


@pytest.mark.parametrize("params", [{"is_supplier": "maybe"}, {"is_customer": "2x"}])
def test_a_flag_that_is_not_a_boolean_is_422_naming_it(api, four, params):
    answer = api.get("/parties", params)

    assert answer.status_code == 422, answer.content
    assert [e["field"] for e in answer.json()["errors"]] == list(params)
