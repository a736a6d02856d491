"""RFM: recency, frequency and monetary value per customer, each scored 1..5 by quintile.

Quintile scores: customers are ranked by the value (ties share their average rank); the score
of a customer with average rank r among n is floor(5 * (r - 0.5) / n) + 1, so with n distinct
values exactly n/5 customers get each score. Recency is ranked the other way (the most recent
buyers score 5). The band is read from the three scores (see `band_of`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class RFM:
    customer: object
    recency_days: int
    frequency: int
    monetary: float
    r: int
    f: int
    m: int
    band: str


BANDS = ("champions", "loyal", "promising", "at_risk", "lapsing", "lost")


def quintile_scores(values: list[float], *, reverse: bool = False) -> list[int]:
    """1..5 per value by average rank (see the module's docstring); `reverse`: small is 5."""
    n = len(values)
    if n == 0:
        return []
    order = sorted(range(n), key=lambda i: values[i])
    ranks = [0.0] * n
    i = 0
    while i < n:
        j = i
        while j + 1 < n and values[order[j + 1]] == values[order[i]]:
            j += 1
        average = (i + j) / 2 + 1  # 1-based average rank of the tie group
        for k in range(i, j + 1):
            ranks[order[k]] = average
        i = j + 1
    scores = [min(5, int(5 * (rank - 0.5) / n) + 1) for rank in ranks]
    return [6 - s for s in scores] if reverse else scores


def band_of(r: int, f: int, m: int) -> str:
    """A plain band from the scores: recent and frequent buyers are champions; good customers
    who stopped buying are at risk; the rest by recency."""
    if r >= 4 and f >= 4:
        return "champions"
    if r >= 3 and f >= 3:
        return "loyal"
    if r >= 4:
        return "promising"
    if r <= 2 and (f >= 4 or m >= 4):
        return "at_risk"
    if r >= 2:
        return "lapsing"
    return "lost"


def rfm_table(transactions, *, as_of: date) -> list[RFM]:
    """`transactions`: iterable of (customer, date, amount). One RFM row per customer, in the
    order of first appearance. Frequency counts distinct purchase dates (like Fader et al.)."""
    days: dict[object, set] = {}
    totals: dict[object, float] = {}
    last: dict[object, date] = {}
    for customer, when, amount in transactions:
        days.setdefault(customer, set()).add(when)
        totals[customer] = totals.get(customer, 0.0) + float(amount)
        if customer not in last or when > last[customer]:
            last[customer] = when
    customers = list(days)
    recency = [(as_of - last[c]).days for c in customers]
    frequency = [len(days[c]) for c in customers]
    monetary = [totals[c] for c in customers]
    rs = quintile_scores(recency, reverse=True)
    fs = quintile_scores(frequency)
    ms = quintile_scores(monetary)
    return [
        RFM(
            c,
            recency[i],
            frequency[i],
            monetary[i],
            rs[i],
            fs[i],
            ms[i],
            band_of(rs[i], fs[i], ms[i]),
        )
        for i, c in enumerate(customers)
    ]


def describe_cluster(center: dict, overall: dict) -> list[str]:
    """Words for a cluster centre compared with the overall medians: 'big', 'frequent',
    'lapsing'... (`center`/`overall` hold recency_days, frequency, monetary)."""
    words = []
    words.append(
        "big"
        if center["monetary"] >= 1.5 * overall["monetary"]
        else ("small" if center["monetary"] <= 0.67 * overall["monetary"] else "mid-size")
    )
    words.append(
        "frequent"
        if center["frequency"] >= 1.5 * overall["frequency"]
        else ("occasional" if center["frequency"] <= 0.67 * overall["frequency"] else "regular")
    )
    words.append(
        "lapsing" if center["recency_days"] >= 1.5 * max(overall["recency_days"], 1) else "active"
    )
    return words


def clusters(rows: list[RFM], *, k: int = 4, seed: int = 0) -> tuple[list[int], list[dict]]:
    """k-means on log-scaled (recency, frequency, monetary). Answers a cluster index per row
    and per cluster its size, centre (in original units, medians) and words."""
    import numpy as np
    from sklearn.cluster import KMeans

    if len(rows) < k:
        k = max(1, len(rows))
    data = np.array([[r.recency_days, r.frequency, max(r.monetary, 0.0)] for r in rows], float)
    features = np.log1p(data)
    features = (features - features.mean(axis=0)) / (features.std(axis=0) + 1e-9)
    labels = KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(features)
    overall = dict(
        zip(("recency_days", "frequency", "monetary"), np.median(data, axis=0), strict=True)
    )
    out = []
    for index in range(k):
        members = data[labels == index]
        center = dict(
            zip(("recency_days", "frequency", "monetary"), np.median(members, axis=0), strict=True)
        )
        out.append(
            {
                "size": int(len(members)),
                "center": {k2: float(v) for k2, v in center.items()},
                "words": describe_cluster(center, overall),
            }
        )
    return [int(x) for x in labels], out
