"""Request bodies that are not JSON objects, unknown routes and methods: problem+json 4xx,
nothing written."""

import pytest
from django.test import Client

from tandem.accounting.models import FiscalYear
from tandem.core.models import Company, ExchangeRate
from tandem.purchasing.models import PurchaseOrder

NOT_OBJECTS = ["[1,2]", '"x"', "null", "1", "true", "[]"]


def _problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    assert {"type", "title", "status", "detail", "code"} <= set(body)
    assert body["status"] == status
    return body


# -- bodies ------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", NOT_OBJECTS)
def test_optional_body_that_is_not_an_object_is_422(api, raw):
    body = _problem(api.post("/fiscal-years", raw=raw), 422, "validation.invalid")

    assert [e["field"] for e in body["errors"]] == ["body"]
    assert not FiscalYear.objects.exists()


@pytest.mark.parametrize("raw", NOT_OBJECTS)
def test_replenishment_run_refuses_a_non_object_body(api, raw):
    _problem(api.post("/replenishment/run", raw=raw), 422, "validation.invalid")

    assert not PurchaseOrder.objects.exists()


@pytest.mark.parametrize("raw", NOT_OBJECTS)
def test_required_bodies_and_patches_refuse_non_objects_too(api, company, raw):
    before = Company.objects.filter(pk=company.pk).values()[0]

    _problem(api.post("/exchange-rates", raw=raw), 422, "validation.invalid")
    patched = api.client.patch(
        f"/api/v1/companies/{company.pk}",
        raw,
        content_type="application/json",
        headers=api._headers(None),
    )

    _problem(patched, 422, "validation.invalid")
    assert not ExchangeRate.objects.exists()
    assert Company.objects.filter(pk=company.pk).values()[0] == before


def test_an_absent_optional_body_or_an_empty_object_still_acts(api):
    assert api.post("/fiscal-years", {}).status_code == 201
    assert api.post("/fiscal-years", {}).status_code == 201
    assert FiscalYear.objects.count() == 2
    assert api.post("/replenishment/run", raw="").status_code == 200
    assert api.post("/replenishment/run", {}).status_code == 200


def test_broken_json_stays_400(api):
    _problem(api.post("/fiscal-years", raw="[1,"), 400, "request.malformed")
    assert not FiscalYear.objects.exists()


# -- routes and methods ------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post", "patch", "delete", "put"])
@pytest.mark.parametrize("path", ["/nonexistent", "/stock/moves/1/x", "/parties/1/overview/x"])
def test_unknown_api_path_is_problem_404(api, method, path):
    body = "{}" if method != "get" else None
    response = getattr(api.client, method)(
        "/api/v1" + path, body, content_type="application/json", headers=api._headers(None)
    )

    body = _problem(response, 404, "route.not_found")
    assert path in body["detail"]


def test_unknown_path_without_auth_is_problem_404_too(db):
    _problem(Client().post("/api/v1/nonexistent", {}), 404, "route.not_found")
    _problem(Client().get("/api/nowhere"), 404, "route.not_found")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("put", "/parties/1", {"GET", "PATCH", "DELETE"}),
        ("delete", "/parties", {"GET", "POST"}),
        ("post", "/parties/1/overview", {"GET"}),
        ("put", "/companies", {"GET", "POST"}),
    ],
)
def test_wrong_method_is_problem_405(api, method, path, allowed):
    response = getattr(api.client, method)(
        "/api/v1" + path, "{}", content_type="application/json", headers=api._headers(None)
    )

    body = _problem(response, 405, "request.method_not_allowed")
    assert {m.strip() for m in response["Allow"].split(",")} == allowed
    assert method.upper() in body["detail"]


def test_pages_outside_the_api_keep_their_html_404(web):
    response = web.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_known_missing_row_keeps_its_own_code(api):
    _problem(api.get("/exchange-rates/999999"), 404, "exchange_rate.not_found")
