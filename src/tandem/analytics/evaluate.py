"""`tandem analytics evaluate TASK FILE`: run a model and its baseline on the user's own CSV
and print one JSON line (metric, model score, baseline score, split). Django-free.

Shapes (a header row; extra columns are ignored):
- forecast: `series_id,period,value` (periods sort as text: ISO dates or YYYY-MM); the last
  two seasons of every series are held out (`--season`, default 12);
- recommend: `customer_id,order_id,date,product_id,quantity`;
- lead-score: one row per lead with a `won` column (0/1, yes/no, true/false); every other
  column is a field; ten random 75/25 splits;
- churn: `customer_id,date,amount`; calibration ends `--holdout-weeks` (default 39) before the
  last date.
"""

from __future__ import annotations

import csv
import json
import math
import random
from datetime import date, timedelta

from .methods import MethodError

TASKS = ("forecast", "recommend", "lead-score", "churn")
COLUMNS = {
    "forecast": ("series_id", "period", "value"),
    "recommend": ("customer_id", "order_id", "date", "product_id", "quantity"),
    "lead-score": ("won",),
    "churn": ("customer_id", "date", "amount"),
}


class BadFile(Exception):
    """The file cannot be evaluated; the message says why (exit 2)."""


def _rows(path: str, task: str) -> list[dict]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [name.strip() for name in (reader.fieldnames or [])]
            missing = [c for c in COLUMNS[task] if c not in header]
            if missing:
                raise BadFile(
                    f"{path}: missing column(s) {', '.join(missing)}; a {task} file needs "
                    f"{','.join(COLUMNS[task])} (found {','.join(header) or 'no header'})"
                )
            reader.fieldnames = header
            return list(reader)
    except OSError as error:
        raise BadFile(f"{path}: {error.strerror or error}") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise BadFile(f"{path}: not a UTF-8 CSV file ({error})") from None


def _number(value, *, line: int, column: str) -> float:
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        raise BadFile(f"line {line}: {column} is not a number: {value!r}") from None
    if not math.isfinite(number):
        raise BadFile(f"line {line}: {column} is not a finite number: {value!r}")
    return number


def _date(value, *, line: int, column: str) -> date:
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise BadFile(f"line {line}: {column} is not a date (YYYY-MM-DD): {value!r}") from None


def evaluate_forecast(rows, *, season: int = 12) -> dict:
    from .methods.forecast import holdout_score

    series: dict = {}
    for line, row in enumerate(rows, start=2):
        value = _number(row["value"], line=line, column="value")
        series.setdefault(row["series_id"], []).append((row["period"], value))
    ratios, scores, skipped = [], [], []
    for key, points in series.items():
        values = [v for _p, v in sorted(points)]
        if len(values) < 4 * season:
            skipped.append(key)
            continue
        score = holdout_score(values, season, 2 * season)
        scores.append(score)
        if score["baseline_mase"] > 0:
            ratios.append(max(score["ratio"], 1e-9))
    if not scores:
        raise BadFile(f"no series has the {4 * season} periods needed (two held-out seasons)")
    geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios)) if ratios else float("nan")
    return {
        "task": "forecast",
        "metric": "mase",
        "score": sum(s["mase"] for s in scores) / len(scores),
        "baseline": "seasonal_naive",
        "baseline_score": sum(s["baseline_mase"] for s in scores) / len(scores),
        "geomean_mase_ratio": geo,
        "worst_ratio": max(ratios) if ratios else None,
        "series": len(scores),
        "skipped": len(skipped),
        "split": f"last {2 * season} periods of each series held out",
    }


def evaluate_recommend(rows) -> dict:
    from .methods import recommend

    baskets = []
    for line, row in enumerate(rows, start=2):
        _number(row["quantity"], line=line, column="quantity")
        when = _date(row["date"], line=line, column="date")
        baskets.append((row["customer_id"], row["order_id"], row["product_id"], when))
    if len({b[1] for b in baskets}) < 10:
        raise BadFile("fewer than 10 orders: nothing to evaluate")
    together = recommend.evaluate_hide_one(baskets)
    nxt = recommend.evaluate_next_basket(baskets)
    return {
        "task": "recommend",
        "metric": together["metric"],
        "score": together["score"],
        "baseline": together["baseline"],
        "baseline_score": together["baseline_score"],
        "split": "one item hidden from each customer's last order",
        "for_customer": {k: nxt[k] for k in ("metric", "score", "baseline", "baseline_score")}
        | {"split": "each customer's last order held out"},
    }


WON = {"1": 1, "0": 0, "yes": 1, "no": 0, "true": 1, "false": 0, "won": 1, "lost": 0}


def evaluate_lead_score(rows, *, splits: int = 10, seed: int = 0, kind: str = "logistic") -> dict:
    from .methods import leadscore

    labels, features = [], []
    for line, row in enumerate(rows, start=2):
        value = str(row.get("won", "")).strip().lower()
        if value not in WON:
            raise BadFile(f"line {line}: won must be 0/1, yes/no or true/false, not {value!r}")
        labels.append(WON[value])
        features.append({k: v for k, v in row.items() if k != "won" and k})
    rng = random.Random(seed)
    results = []
    for _ in range(splits):
        order = list(range(len(rows)))
        rng.shuffle(order)
        cut = int(len(order) * 0.75)
        train, test = order[:cut], order[cut:]
        results.append(
            leadscore.evaluate(
                [features[i] for i in train],
                [labels[i] for i in train],
                test_rows=[features[i] for i in test],
                test_won=[labels[i] for i in test],
                kind=kind,
            )
        )
    mean = lambda key: sum(r[key] for r in results) / len(results)  # noqa: E731
    return {
        "task": "lead-score",
        "metric": "auc",
        "score": mean("score"),
        "baseline": "naive_bayes",
        "baseline_score": mean("baseline_score"),
        "lift20": mean("lift20"),
        "baseline_lift20": mean("baseline_lift20"),
        "split": f"{splits} random 75/25 splits",
        "model": kind,
    }


def evaluate_churn(rows, *, holdout_weeks: int = 39) -> dict:
    from .methods import clv as clvm
    from .methods import leadscore

    transactions = []
    for line, row in enumerate(rows, start=2):
        when = _date(row["date"], line=line, column="date")
        amount = _number(row["amount"], line=line, column="amount")
        transactions.append((row["customer_id"], when, amount))
    if not transactions:
        raise BadFile("no transactions")
    end = max(w for _c, w, _a in transactions)
    cutoff = end - timedelta(weeks=holdout_weeks)
    ids, x, t_x, T, m = clvm.summarise(transactions, calibration_end=cutoff)
    after = {c for c, w, _a in transactions if w > cutoff}
    churned = [0 if c in after else 1 for c in ids]
    bg = clvm.fit_bgnbd(x, t_x, T)
    risk = [float(v) for v in bg.p_no_purchase(holdout_weeks, x, t_x, T)]
    model = "bgnbd"
    try:  # the logistic model on RFM + P(alive), learnt inside the calibration period
        churn = clvm.fit_churn_logistic(transactions, as_of=cutoff)
        risk = clvm.churn_risk(churn, transactions, as_of=cutoff)[1]
        model = "logistic_rfm"
    except MethodError:
        pass  # too little history inside the calibration period: BG/NBD alone
    result = {
        "task": "churn",
        "metric": "auc",
        "model": model,
        "score": leadscore.auc(churned, risk),
        "baseline": "recency",
        "baseline_score": leadscore.auc(churned, clvm.recency_score(t_x, T)),
        "split": f"calibrated until {cutoff.isoformat()}, {holdout_weeks} weeks held out",
        "customers": len(ids),
    }
    try:
        gg = clvm.fit_gamma_gamma(x, m)
        known = set(ids)
        predicted = float(sum(clvm.clv(bg, gg, x, t_x, T, m, weeks=holdout_weeks)))
        actual = sum(a for c, w, a in transactions if w > cutoff and c in known)
        predicted_orders = float(sum(bg.expected(holdout_weeks, x, t_x, T)))
        result["clv"] = {
            "predicted_total": predicted,
            "actual_total": actual,
            "error_pct": abs(predicted - actual) / actual * 100 if actual else None,
            "predicted_orders": predicted_orders,
        }
    except MethodError as error:
        result["clv"] = {"error": error.code}
    return result


def run(task: str, path: str, *, season: int = 12, holdout_weeks: int = 39) -> dict:
    if task not in TASKS:
        raise BadFile(f"unknown task {task!r}: one of {', '.join(TASKS)}")
    rows = _rows(path, task)
    if not rows:
        raise BadFile(f"{path}: no rows")
    try:
        if task == "forecast":
            return evaluate_forecast(rows, season=season)
        if task == "recommend":
            return evaluate_recommend(rows)
        if task == "lead-score":
            return evaluate_lead_score(rows)
        return evaluate_churn(rows, holdout_weeks=holdout_weeks)
    except MethodError as error:
        raise BadFile(f"{error.code}: {error.message}") from None


def main(args) -> int:
    """The CLI entry: prints one JSON line, or a message on stderr and answers 2."""
    import sys

    try:
        result = run(args.task, args.file, season=args.season, holdout_weeks=args.holdout_weeks)
    except BadFile as error:
        print(f"tandem analytics evaluate: {error}", file=sys.stderr)
        return 2
    print(json.dumps(_plain(result), sort_keys=True))
    return 0


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, float):
        return round(value, 6) if math.isfinite(value) else None
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    return value
