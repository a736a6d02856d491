"""The integrator's first call against a fresh `tandem serve --demo`, over real HTTP."""

import json
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.browser


def _call(served, path, *, method="GET", body=None, headers=None):
    request = urllib.request.Request(
        served["url"] + "/api/v1" + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={
            "Authorization": f"Bearer {served['token']}",
            "Content-Type": "application/json",
            **(headers or {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def test_cli_token_lists_the_demo_parties(served):
    status, body = _call(served, "/parties?limit=5")
    assert status == 200
    # 80 generated parties plus those the demo's qualified leads created
    assert body["count"] >= 80
    assert len(body["items"]) == 5


def test_other_company_is_reached_only_through_x_company(served):
    _, demo = _call(served, "/parties?limit=1")
    status, us = _call(served, "/parties?limit=1", headers={"X-Company": "DEMO-US"})
    assert status == 200
    assert us["count"] != demo["count"]
    foreign_id = us["items"][0]["id"]
    status, problem = _call(served, f"/parties/{foreign_id}")
    assert status == 404
    assert problem["code"] == "party.not_found"


def test_idempotent_create_over_http(served):
    body = {"name": "Idempotent Trading Ltd", "is_customer": True, "country": "CN"}
    key = {"Idempotency-Key": "served-create-1"}
    first = _call(served, "/parties", method="POST", body=body, headers=key)
    again = _call(served, "/parties", method="POST", body=body, headers=key)
    assert first[0] == again[0] == 201
    assert first[1]["id"] == again[1]["id"]
    status, listed = _call(served, "/parties?search=Idempotent%20Trading")
    assert listed["count"] == 1


def test_unauthenticated_call_is_401_problem(served):
    request = urllib.request.Request(served["url"] + "/api/v1/parties")
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=30)
    assert error.value.code == 401
    assert error.value.headers["Content-Type"] == "application/problem+json"
