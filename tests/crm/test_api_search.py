"""`search` on /pipeline-stages, /activities, /interactions and /cadences (audit finding 7:
it was ignored and every row came back)."""

import pytest

pytestmark = pytest.mark.django_db


def _made(answer) -> int:
    assert answer.status_code == 201, answer.content
    return answer.json()["id"]


@pytest.fixture
def harbour(make_party):
    return make_party("Harbour Trading")


@pytest.fixture
def summit(make_party):
    return make_party("Summit Foods")


def test_pipeline_stages_match_their_name(api, stages):
    found = api.listed("/pipeline-stages", search="NEGOT")
    none = api.listed("/pipeline-stages", search="zzzqqqnotthere")

    assert [s["id"] for s in found["items"]] == [stages["Negotiation"].pk]
    assert none == {"items": [], "count": 0}


def test_activities_match_summary_or_party_name(api, harbour, summit):
    call = _made(
        api.post(
            "/activities",
            {
                "kind": "call",
                "summary": "Discuss the renewal",
                "due_at": "2030-01-07T10:00:00",
                "party": harbour.pk,
            },
        )
    )
    meeting = _made(
        api.post(
            "/activities",
            {
                "kind": "meeting",
                "summary": "Quarterly review",
                "due_at": "2030-01-08T10:00:00",
                "party": summit.pk,
            },
        )
    )
    _made(
        api.post(
            "/activities",
            {
                "kind": "task",
                "summary": "Send samples",
                "due_at": "2030-01-09T10:00:00",
                "party": harbour.pk,
            },
        )
    )

    by_summary = api.listed("/activities", search="renewal")
    by_party = api.listed("/activities", search="summit")
    none = api.listed("/activities", search="zzzqqqnotthere")
    wildcard = api.listed("/activities", search="%")

    assert [a["id"] for a in by_summary["items"]] == [call]
    assert [a["id"] for a in by_party["items"]] == [meeting]
    assert none["count"] == 0
    assert wildcard["count"] == 0  # a LIKE wildcard is a literal character here


def test_interactions_match_subject_or_party_name(api, harbour, summit):
    email = _made(
        api.post(
            "/interactions",
            {"kind": "email", "subject": "Price list for 2030", "party": harbour.pk},
        )
    )
    call = _made(
        api.post("/interactions", {"kind": "call", "subject": "Intro call", "party": summit.pk})
    )

    by_subject = api.listed("/interactions", search="PRICE LIST")
    by_party = api.listed("/interactions", search="Summit")
    none = api.listed("/interactions", search="zzzqqqnotthere")

    assert [i["id"] for i in by_subject["items"]] == [email]
    assert [i["id"] for i in by_party["items"]] == [call]
    assert none["count"] == 0


def test_cadences_match_their_name(api):
    weekly = _made(api.post("/cadences", {"name": "Weekly lead nudge", "applies_to": "lead"}))
    _made(api.post("/cadences", {"name": "Customer check-in", "applies_to": "party"}))

    found = api.listed("/cadences", search="nudge")
    none = api.listed("/cadences", search="zzzqqqnotthere")

    assert [c["id"] for c in found["items"]] == [weekly]
    assert none["count"] == 0
