"""Churn and lifetime value: BG/NBD (Fader, Hardie & Lee 2005) for the purchase process and
Gamma-Gamma (Fader & Hardie 2013) for the spend per purchase, fitted by maximum likelihood
with scipy.optimize — written out here rather than taken from `lifetimes` (unmaintained).

Per customer: x repeat purchases (distinct purchase days after the first), t_x the time of
the last purchase and T the age, both since the first purchase, in weeks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import MethodError

MIN_CUSTOMERS = 30


@dataclass
class BGNBD:
    r: float
    alpha: float
    a: float
    b: float

    def p_alive(self, x, t_x, T):
        import numpy as np

        x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        log_ratio = (
            np.log(a)
            - np.log(b + np.maximum(x, 1) - 1)
            + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        )
        alive = 1.0 / (1.0 + np.exp(np.minimum(log_ratio, 700)))
        return np.where(x > 0, alive, 1.0)

    def expected(self, t, x, t_x, T):
        """Expected purchases in the next `t` weeks (conditional on the history)."""
        import numpy as np
        from scipy.special import hyp2f1

        x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        z = t / (alpha + T + t)
        hyp = hyp2f1(r + x, b + x, a + b + x - 1, z)
        first = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp)
        ratio = np.where(x > 0, a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x), 0.0)
        return first / (1 + ratio)

    def p_no_purchase(self, t, x, t_x, T):
        """Probability of no purchase in the next `t` weeks: dead, or alive with a Poisson
        rate from its posterior Gamma(r + x, alpha + T) that yields none."""
        import numpy as np

        alive = self.p_alive(x, t_x, T)
        x, T = np.asarray(x, float), np.asarray(T, float)
        silent = ((self.alpha + T) / (self.alpha + T + t)) ** (self.r + x)
        return 1 - alive + alive * silent


def _bgnbd_negll(params, x, t_x, T):
    import numpy as np

    with np.errstate(all="ignore"):
        value = _bgnbd_negll_raw(params, x, t_x, T)
    return value if np.isfinite(value) else np.inf


def _bgnbd_negll_raw(params, x, t_x, T):
    import numpy as np
    from scipy.special import gammaln

    r, alpha, a, b = np.exp(np.clip(params, -20, 20))
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.where(
        x > 0,
        np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + t_x),
        -np.inf,
    )
    ll = a1 + a2 + np.logaddexp(a3, a4)
    return -ll.sum()


def fit_bgnbd(x, t_x, T) -> BGNBD:
    import numpy as np
    from scipy.optimize import minimize

    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    if len(x) < MIN_CUSTOMERS:
        raise MethodError(
            f"Too few customers to fit a purchase model: {len(x)} (at least {MIN_CUSTOMERS}).",
            code="analytics.too_few_rows",
        )
    best = None
    for start in ([0.0, 0.0, 0.0, 0.0], [-1.0, 1.0, -1.0, 0.5]):
        result = minimize(
            _bgnbd_negll,
            np.array(start),
            args=(x, t_x, T),
            method="Nelder-Mead",
            options={"maxiter": 4000, "xatol": 1e-6, "fatol": 1e-8},
        )
        if best is None or result.fun < best.fun:
            best = result
    r, alpha, a, b = np.exp(best.x)
    return BGNBD(float(r), float(alpha), float(a), float(b))


@dataclass
class GammaGamma:
    p: float
    q: float
    v: float

    def expected_spend(self, x, mean_spend):
        """E[spend per purchase | x purchases averaging mean_spend] (shrunk to the mean)."""
        import numpy as np

        x, m = np.asarray(x, float), np.asarray(mean_spend, float)
        p, q, v = self.p, self.q, self.v
        population = p * v / (q - 1)
        weight = (q - 1) / (p * x + q - 1)
        return np.where(x > 0, weight * population + (1 - weight) * m, population)


def _gg_negll(params, x, m):
    import numpy as np

    with np.errstate(all="ignore"):
        value = _gg_negll_raw(params, x, m)
    return value if np.isfinite(value) else np.inf


def _gg_negll_raw(params, x, m):
    import numpy as np
    from scipy.special import gammaln

    p, q, v = np.exp(np.clip(params, -20, 20))
    ll = (
        gammaln(p * x + q)
        - gammaln(p * x)
        - gammaln(q)
        + q * np.log(v)
        + (p * x - 1) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * np.log(x * m + v)
    )
    return -ll.sum()


def fit_gamma_gamma(x, mean_spend) -> GammaGamma:
    """Fit on repeat customers (x > 0) with a positive mean spend."""
    import numpy as np
    from scipy.optimize import minimize

    x, m = np.asarray(x, float), np.asarray(mean_spend, float)
    keep = (x > 0) & (m > 0)
    if keep.sum() < 10:
        raise MethodError(
            "Too few repeat customers to fit the spend model.", code="analytics.too_few_rows"
        )
    result = minimize(
        _gg_negll,
        np.zeros(3),
        args=(x[keep], m[keep]),
        method="Nelder-Mead",
        options={"maxiter": 4000, "xatol": 1e-6, "fatol": 1e-8},
    )
    p, q, v = np.exp(result.x)
    if q <= 1:
        q = 1.0001
    return GammaGamma(float(p), float(q), float(v))


def summarise(transactions, *, calibration_end, period_days: float = 7.0):
    """From (customer, date, amount) up to `calibration_end` (inclusive): per customer
    x, t_x, T (in periods of `period_days`) and the mean spend of the repeat purchases (one
    purchase = one distinct day, amounts of a day summed). Answers (customers, x, t_x, T, m)."""
    days: dict = {}
    for customer, when, amount in transactions:
        if when > calibration_end:
            continue
        per_day = days.setdefault(customer, {})
        per_day[when] = per_day.get(when, 0.0) + float(amount)
    customers, xs, txs, Ts, ms = [], [], [], [], []
    for customer, per_day in days.items():
        dates = sorted(per_day)
        first = dates[0]
        customers.append(customer)
        xs.append(len(dates) - 1)
        txs.append((dates[-1] - first).days / period_days)
        Ts.append((calibration_end - first).days / period_days)
        repeats = [per_day[d] for d in dates[1:]]
        ms.append(sum(repeats) / len(repeats) if repeats else 0.0)
    return customers, xs, txs, Ts, ms


def clv(
    bg: BGNBD,
    gg: GammaGamma,
    x,
    t_x,
    T,
    mean_spend,
    *,
    weeks: float = 52.0,
    discount_weekly: float = 0.0,
):
    """Expected value of the next `weeks`: expected purchases x expected spend (no
    discounting by default; the horizon is a year)."""
    purchases = bg.expected(weeks, x, t_x, T)
    spend = gg.expected_spend(x, mean_spend)
    factor = 1.0 / (1 + discount_weekly) ** (weeks / 2) if discount_weekly else 1.0
    return purchases * spend * factor


def recency_score(t_x, T):
    """The baseline: weeks since the last purchase (larger = more likely to have churned)."""
    return [Ti - ti for ti, Ti in zip(t_x, T, strict=True)]


def _isfinite(value) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


# -- churn: BG/NBD's P(alive) beside the RFM figures in a small logistic model ----------------

CHURN_LABEL_WEEKS = 13


@dataclass
class ChurnLogistic:
    """A logistic regression of "no purchase in the next `label_weeks`" on the customer's
    frequency, recency, age, spend and BG/NBD probability of being alive, learnt inside the
    calibration period: features as of `label_weeks` before its end, labels from those weeks."""

    model: object  # sklearn pipeline (scaler + logistic regression)
    label_weeks: float
    coefficients: dict


CHURN_FEATURES = (
    "log_repeat_purchases",
    "weeks_since_last",
    "log_weeks_since_last",
    "weeks_since_first",
    "log_total_spend",
    "log_mean_spend",
    "p_alive",
    "purchase_rate",
)


def churn_features(transactions, *, as_of):
    """Per customer who bought up to `as_of`: the CHURN_FEATURES columns. Answers (customers,
    matrix, (x, t_x, T, mean spend), the BG/NBD fitted on them)."""
    import numpy as np

    ids, x, t_x, T, m = summarise(transactions, calibration_end=as_of)
    totals: dict = {}
    for customer, when, amount in transactions:
        if when <= as_of:
            totals[customer] = totals.get(customer, 0.0) + float(amount)
    bg = fit_bgnbd(x, t_x, T)
    xa, ta, Ta = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    spend = np.asarray([totals[c] for c in ids], dtype=float).clip(min=0)
    gap = Ta - ta
    matrix = np.column_stack(
        [
            np.log1p(xa),
            gap,
            np.log1p(gap),
            Ta,
            np.log1p(spend),
            np.log1p(spend / (xa + 1)),
            bg.p_alive(xa, ta, Ta),
            xa / (Ta + 1),
        ]
    )
    return ids, matrix, (x, t_x, T, m), bg


def fit_churn_logistic(transactions, *, as_of, label_weeks: float = CHURN_LABEL_WEEKS):
    """Learn churn inside the history up to `as_of` (see ChurnLogistic). Too few customers or
    a single outcome: MethodError `analytics.too_few_rows`."""
    from datetime import timedelta

    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    start = as_of - timedelta(weeks=label_weeks)
    ids, matrix, _summary, _bg = churn_features(
        [row for row in transactions if row[1] <= start], as_of=start
    )
    bought = {c for c, when, _a in transactions if start < when <= as_of}
    labels = np.asarray([0 if c in bought else 1 for c in ids])
    if len(ids) < MIN_CUSTOMERS or len(set(labels.tolist())) < 2:
        raise MethodError(
            "Too little history to learn churn inside the calibration period.",
            code="analytics.too_few_rows",
        )
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
    model.fit(matrix, labels)
    weights = model[-1].coef_[0]
    coefficients = {name: float(w) for name, w in zip(CHURN_FEATURES, weights, strict=True)}
    return ChurnLogistic(model, label_weeks, coefficients)


def churn_risk(churn: ChurnLogistic, transactions, *, as_of):
    """Probability of no purchase in the `label_weeks` after `as_of`, per customer. Answers
    (customers, risks, (x, t_x, T, mean spend), BG/NBD fitted as of `as_of`)."""
    ids, matrix, summary, bg = churn_features(transactions, as_of=as_of)
    risk = churn.model.predict_proba(matrix)[:, 1]
    return ids, [float(v) for v in risk], summary, bg
