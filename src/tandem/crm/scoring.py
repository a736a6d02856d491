"""Scores beside the CRM's rows, supplied by a higher app through core.providers.

`crm.lead_scores(company, kind, ids)` answers {id: {"score", "tier", "factors"}} for kind
"lead" or "opportunity"; `parties.scores(company, ids)` answers {party id: {"churn_risk",
"clv", "band", "segment"}}. Each is one query for the whole page, never one per row.
"""

from tandem.core import providers

LEAD_SCORES = "crm.lead_scores"
PARTY_SCORES = "parties.scores"


def with_lead_scores(company, kind: str, rows: list) -> list:
    """Set `score` and `score_tier` on each lead or opportunity of `rows` (None unscored)."""
    scores = providers.ask(LEAD_SCORES, company, kind, [row.pk for row in rows], default={})
    for row in rows:
        found = scores.get(row.pk)
        row.score = found["score"] if found else None
        row.score_tier = found["tier"] if found else ""
    return rows


def party_scores(company, party_id: int) -> dict:
    """{"churn_risk", "clv", "band", "segment"} of one party, each None when unscored."""
    scores = providers.ask(PARTY_SCORES, company, [party_id], default={})
    found = scores.get(party_id) or {}
    return {key: found.get(key) for key in ("churn_risk", "clv", "band", "segment")}
