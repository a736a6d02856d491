"""Lead scoring: a probability to win from a lead's fields, by logistic regression or gradient
boosting (scikit-learn), against an Odoo-style naive Bayes baseline (per field value, the
frequencies among won and lost leads, multiplied). Scored by AUC and top-20 % lift.

Rows are dicts {field: value}; `won` is a list of 0/1. A field whose values are all numbers is
numeric; any other is categorical (its values as text).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import MethodError

MIN_ROWS = 40
MIN_CLASS = 8


def auc(labels, scores) -> float:
    """Area under the ROC curve (ties count half): the Mann-Whitney statistic."""
    pairs = sorted(zip(scores, labels, strict=True), key=lambda p: p[0])
    positives = sum(1 for _s, y in pairs if y)
    negatives = len(pairs) - positives
    if not positives or not negatives:
        return float("nan")
    rank_sum = 0.0
    i = 0
    while i < len(pairs):
        j = i
        while j + 1 < len(pairs) and pairs[j + 1][0] == pairs[i][0]:
            j += 1
        average = (i + j) / 2 + 1
        rank_sum += average * sum(1 for t in range(i, j + 1) if pairs[t][1])
        i = j + 1
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def lift_at(labels, scores, share: float = 0.2) -> float:
    """Won rate among the top `share` by score over the overall won rate."""
    n = len(labels)
    top = max(1, int(round(n * share)))
    order = sorted(range(n), key=lambda i: (-scores[i], i))[:top]
    base = sum(labels) / n
    if not base:
        return float("nan")
    return (sum(labels[i] for i in order) / top) / base


def _kinds(rows: list[dict]) -> dict:
    fields = sorted({key for row in rows for key in row})
    kinds = {}
    for name in fields:
        values = [row.get(name) for row in rows if row.get(name) not in (None, "")]
        numeric = True
        for value in values:
            try:
                float(value)
            except (TypeError, ValueError):
                numeric = False
                break
        kinds[name] = "numeric" if numeric and values else "category"
    return kinds


class NaiveBayes:
    """Odoo's predictive lead scoring: P(won | fields) from per-value frequencies among won
    and lost leads, with Laplace smoothing; numbers are binned by quintile first."""

    def fit(self, rows: list[dict], won: list[int]):
        self.kinds = _kinds(rows)
        self.bins = {}
        for name, kind in self.kinds.items():
            if kind == "numeric":
                values = sorted(float(r[name]) for r in rows if r.get(name) not in (None, ""))
                self.bins[name] = (
                    [values[int(len(values) * q / 5)] for q in range(1, 5)] if values else []
                )
        self.won = sum(won)
        self.lost = len(won) - self.won
        self.counts = {}
        for row, label in zip(rows, won, strict=True):
            for name in self.kinds:
                key = (name, self._value(name, row.get(name)))
                won_lost = self.counts.setdefault(key, [0, 0])
                won_lost[0 if label else 1] += 1
        self.levels = {}
        for name, _value in self.counts:
            self.levels[name] = self.levels.get(name, 0) + 1
        return self

    def _value(self, name, value):
        if value in (None, ""):
            return None
        if self.kinds.get(name) == "numeric":
            number = float(value)
            return sum(1 for cut in self.bins[name] if number > cut)
        return str(value)

    def predict(self, rows: list[dict]) -> list[float]:
        out = []
        for row in rows:
            log_won = math.log((self.won + 1) / (self.won + self.lost + 2))
            log_lost = math.log((self.lost + 1) / (self.won + self.lost + 2))
            for name in self.kinds:
                won, lost = self.counts.get((name, self._value(name, row.get(name))), (0, 0))
                levels = self.levels.get(name, 1) + 1
                log_won += math.log((won + 1) / (self.won + levels))
                log_lost += math.log((lost + 1) / (self.lost + levels))
            top = max(log_won, log_lost)
            out.append(
                math.exp(log_won - top) / (math.exp(log_won - top) + math.exp(log_lost - top))
            )
        return out


@dataclass
class LeadModel:
    kind: str  # "logistic" | "boosting"
    kinds: dict
    pipeline: object
    feature_names: list

    def predict(self, rows: list[dict]) -> list[float]:
        return [float(p) for p in self.pipeline.predict_proba(_frame(rows, self.kinds))[:, 1]]

    def factors(self, row: dict, *, top: int = 3) -> list[tuple[str, float]]:
        """The fields that push this row's score most (logistic: coefficient x value; boosting:
        the model's feature importances among the fields the row has)."""
        import numpy as np

        prep = self.pipeline.named_steps["prep"]
        model = self.pipeline.named_steps["model"]
        x = prep.transform(_frame([row], self.kinds))
        x = np.asarray(x.todense() if hasattr(x, "todense") else x).ravel()
        if hasattr(model, "coef_"):
            contributions = x * model.coef_.ravel()
        else:
            contributions = model.feature_importances_ * (x != 0)
        order = np.argsort(-np.abs(contributions))[:top]
        return [
            (_pretty(self.feature_names[i]), float(contributions[i]))
            for i in order
            if contributions[i]
        ]


def _pretty(name: str) -> str:
    for prefix in ("num__", "cat__"):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _frame(rows, kinds):
    import pandas as pd

    frame = pd.DataFrame([{k: row.get(k) for k in kinds} for row in rows], columns=list(kinds))
    for name, kind in kinds.items():
        if kind == "numeric":
            frame[name] = pd.to_numeric(frame[name], errors="coerce")
        else:
            frame[name] = frame[name].map(lambda v: "" if v is None else str(v))
    return frame


def fit(rows: list[dict], won: list[int], *, kind: str = "logistic", seed: int = 0) -> LeadModel:
    """Fit a lead model: `logistic` (one-hot categories, scaled numbers, L2) or `boosting`
    (scikit-learn's HistGradientBoosting)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    if len(rows) < MIN_ROWS or min(sum(won), len(won) - sum(won)) < MIN_CLASS:
        raise MethodError(
            f"Too few leads to learn from: {len(rows)} rows, {sum(won)} won "
            f"(at least {MIN_ROWS} rows with {MIN_CLASS} won and {MIN_CLASS} lost).",
            code="analytics.too_few_rows",
        )
    kinds = _kinds(rows)
    numeric = [k for k, v in kinds.items() if v == "numeric"]
    category = [k for k, v in kinds.items() if v == "category"]
    prep = ColumnTransformer(
        [
            (
                "num",
                Pipeline(
                    [("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]
                ),
                numeric,
            ),
            ("cat", OneHotEncoder(handle_unknown="ignore", min_frequency=5), category),
        ],
        sparse_threshold=0.0,
    )
    if kind == "boosting":
        model = HistGradientBoostingClassifier(
            max_iter=200,
            learning_rate=0.05,
            max_leaf_nodes=15,
            l2_regularization=1.0,
            min_samples_leaf=20,
            random_state=seed,
        )
    else:
        model = LogisticRegression(C=0.1, max_iter=2000)
    pipeline = Pipeline([("prep", prep), ("model", model)])
    pipeline.fit(_frame(rows, kinds), list(won))
    names = list(pipeline.named_steps["prep"].get_feature_names_out())
    return LeadModel(kind, kinds, pipeline, names)


def evaluate(
    rows: list[dict],
    won: list[int],
    *,
    test_rows: list[dict],
    test_won: list[int],
    kind: str = "logistic",
) -> dict:
    """Fit the model and the naive Bayes baseline on one part, score both on the other."""
    model = fit(rows, won, kind=kind)
    scores = model.predict(test_rows)
    base = NaiveBayes().fit(rows, won).predict(test_rows)
    return {
        "metric": "auc",
        "score": auc(test_won, scores),
        "lift20": lift_at(test_won, scores),
        "baseline": "naive_bayes",
        "baseline_score": auc(test_won, base),
        "baseline_lift20": lift_at(test_won, base),
    }


def tier_of(probability: float, cuts: tuple[float, float, float]) -> str:
    """A/B/C/D by the probability's place among the cut points (the 80th, 50th and 20th
    percentiles of the scored leads)."""
    a, b, c = cuts
    if probability >= a:
        return "A"
    if probability >= b:
        return "B"
    if probability >= c:
        return "C"
    return "D"
