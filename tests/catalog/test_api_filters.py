"""GET /products filters by `valuation`, `type` and `tracking` (audit finding 7:
`valuation=fifo` returned average and standard products too)."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def four(make_product):
    make_product("A-FIFO", valuation="fifo")
    make_product("B-AVG-LOT", valuation="average", tracking="lot")
    make_product("C-SERVICE", type="service", valuation="standard")
    make_product("D-SERIAL", valuation="standard", tracking="serial", type="consumable")


def _skus(api, **params):
    answer = api.get("/products", params)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["count"] == len(body["items"])
    return [p["sku"] for p in body["items"]]


def test_valuation_type_and_tracking_filter(api, four):
    assert _skus(api, valuation="fifo") == ["A-FIFO"]
    assert _skus(api, valuation="average") == ["B-AVG-LOT"]
    assert _skus(api, valuation="standard") == ["C-SERVICE", "D-SERIAL"]
    assert _skus(api, tracking="lot") == ["B-AVG-LOT"]
    assert _skus(api, tracking="none") == ["A-FIFO", "C-SERVICE"]
    assert _skus(api, type="consumable") == ["D-SERIAL"]
    assert _skus(api, valuation="standard", tracking="serial") == ["D-SERIAL"]
    assert _skus(api, valuation="fifo", search="zzzqqqnotthere") == []
    assert len(_skus(api)) == 4


@pytest.mark.parametrize(
    "params", [{"valuation": "lifo"}, {"tracking": "batch"}, {"type": "gadget"}]
)
def test_an_unknown_value_is_422_naming_the_filter(api, four, params):
    answer = api.get("/products", params)

    assert answer.status_code == 422, answer.content
    assert [e["field"] for e in answer.json()["errors"]] == list(params)
