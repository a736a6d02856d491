"""Training every model of a company: read its history set-based, score each model on the most
recent period it did not see beside a naive baseline, store its predictions in bulk.

Each model trains on its own: one that has too little history (`analytics.too_few_rows`) or
fails leaves its previous run in place and the others still train. A model that does not beat
its baseline is stored as using the baseline (the verdict says so) and its predictions are the
baseline's.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core import events

from ..methods import MethodError
from ..models import (
    Forecast,
    LeadScore,
    ModelName,
    ModelRun,
    PartyRecommendation,
    PartyScore,
    ProductPair,
    ReorderSuggestion,
    RunState,
    Segment,
    Verdict,
)
from . import data

logger = logging.getLogger("tandem.analytics")

CENT = Decimal("0.01")
MILLI = Decimal("0.001")
TOP_K = 10
CHURN_WEEKS = 13  # churn risk: probability of no order in the next quarter
CLV_WEEKS = 52
SALES_HORIZON = 12  # months stored
DEMAND_HORIZON = 12  # weeks stored
DEFAULT_LEAD_TIME_DAYS = 14
DEFAULT_SERVICE_LEVEL = 0.95
MIN_CUSTOMERS = 30
MIN_BASKETS = 30

PREDICTIONS = (
    PartyScore,
    Segment,
    ProductPair,
    PartyRecommendation,
    Forecast,
    ReorderSuggestion,
    LeadScore,
)


def money(value) -> Decimal:
    return Decimal(str(round(float(value), 2))).quantize(CENT)


def qty(value) -> Decimal:
    return Decimal(str(round(float(value), 3))).quantize(MILLI)


class TooFew(MethodError):
    def __init__(self, message: str):
        super().__init__(message, code="analytics.too_few_rows")


# -- run lifecycle -----------------------------------------------------------------------------


class Training:
    """One training pass over a company: the data read once, the runs it writes."""

    def __init__(self, *, company, as_of: date, job=None, params=None):
        self.company = company
        self.as_of = as_of
        self.job = job
        self.params = params or {}
        self.runs: dict[str, ModelRun] = {}
        self.lines = data.sales_lines(company, until=as_of)

    def start(self, name: str, **fields) -> ModelRun:
        run = ModelRun.objects.create(
            company=self.company,
            name=name,
            state=RunState.TRAINING,
            job=self.job,
            task=str(ModelName(name).label),
            **fields,
        )
        self.runs[name] = run
        return run

    def fail(self, run: ModelRun, error: Exception) -> None:
        code = getattr(error, "code", "analytics.failed")
        run.state = RunState.FAILED
        run.verdict = Verdict.TOO_FEW_ROWS if code == "analytics.too_few_rows" else Verdict.FAILED
        run.message = f"{code}: {getattr(error, 'message', str(error))}"[:500]
        run.trained_at = timezone.now()
        run.save()

    @transaction.atomic
    def activate(self, runs: list[ModelRun], rows: list[list]) -> None:
        """Store the predictions and make `runs` the active ones, replacing the previous."""
        for batch in rows:
            if batch:
                type(batch[0]).objects.bulk_create(batch, batch_size=2000)
        names = [run.name for run in runs]
        old = list(
            ModelRun.objects.select_for_update()
            .filter(company=self.company, name__in=names, state=RunState.ACTIVE)
            .order_by("pk")
        )
        if old:
            for model in PREDICTIONS:
                model.objects.filter(run__in=old).delete()
            ModelRun.objects.filter(pk__in=[r.pk for r in old]).update(state=RunState.SUPERSEDED)
        now = timezone.now()
        for run in runs:
            run.state = RunState.ACTIVE
            run.trained_at = now
            run.save()
        # e.g. the reorder rules that follow the demand forecast move to its new points
        events.publish("analytics.model_activated", company_id=self.company.pk, models=names)


def active_run(company, name) -> ModelRun | None:
    return ModelRun.objects.filter(company=company, name=name, state=RunState.ACTIVE).first()


def _verdict(run: ModelRun) -> None:
    if run.score is None or run.baseline_score is None:
        run.verdict = Verdict.NO_BASELINE
        return
    better = (
        run.score > run.baseline_score if run.higher_is_better else run.score < run.baseline_score
    )
    run.verdict = Verdict.BETTER if better else Verdict.NOT_BETTER
    run.uses_baseline = not better


def _clean(value):
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return float(value)


# -- customers: RFM, segments, churn, lifetime value -----------------------------------------


def _transactions(lines):
    """(party, date, amount) per party and order date."""
    totals: dict = defaultdict(float)
    for party, _order, when, _product, _qty, amount in lines:
        totals[(party, when)] += float(amount)
    return [(party, when, amount) for (party, when), amount in totals.items()]


def holdout_days(start: date, end: date) -> int:
    return max(28, min(273, (end - start).days // 4))


def train_customers(t: Training) -> None:
    from ..methods import clv as clvm
    from ..methods import leadscore, rfm

    runs = {
        name: t.start(name)
        for name in (ModelName.RFM, ModelName.SEGMENTS, ModelName.CHURN, ModelName.CLV)
    }
    transactions = _transactions(t.lines)
    customers = {party for party, _w, _a in transactions}
    try:
        if len(customers) < MIN_CUSTOMERS:
            raise TooFew(
                _("%(count)s customers with orders; at least %(min)s are needed.")
                % {"count": len(customers), "min": MIN_CUSTOMERS}
            )
        start = min(w for _p, w, _a in transactions)
        days = holdout_days(start, t.as_of)
        cutoff = t.as_of - timedelta(days=days)
        split = _("trained until %(cutoff)s, scored on the %(days)s days after") % {
            "cutoff": cutoff.isoformat(),
            "days": days,
        }
        before = [row for row in transactions if row[1] <= cutoff]
        bought_after = {p for p, w, _a in transactions if w > cutoff}
        for run in runs.values():
            run.rows = len(transactions)
            run.window_start, run.window_end, run.split = start, t.as_of, split
        # RFM: the top band's repeat rate over the bottom band's, on the held-out period
        past = rfm.rfm_table(before, as_of=cutoff)
        rates = {}
        for band in rfm.BANDS:
            members = [row.customer for row in past if row.band == band]
            if members:
                rates[band] = sum(1 for c in members if c in bought_after) / len(members)
        top = rates.get("champions", rates.get("loyal"))
        bottom = rates.get("lost", rates.get("lapsing"))
        run = runs[ModelName.RFM]
        run.metric, run.baseline, run.baseline_score = "top_bottom_repeat_ratio", "no_bands", 1.0
        run.params = {"repeat_rates": rates}
        if top is not None and bottom is not None:
            run.score = top / max(bottom, 1.0 / max(len(past), 1))
        _verdict(run)
        run.uses_baseline = False
        # churn and value: calibrate until the cutoff, check on the held-out period
        ids, x, t_x, T, m = clvm.summarise(transactions, calibration_end=cutoff)
        churned = [0 if c in bought_after else 1 for c in ids]
        weeks = days / 7
        churn_run, clv_run = runs[ModelName.CHURN], runs[ModelName.CLV]
        churn_run.metric, churn_run.baseline = "auc", "recency"
        clv_run.metric, clv_run.baseline = "holdout_total_error_pct", "run_rate"
        clv_run.higher_is_better = False
        churn_model = None
        churn_kind = "bgnbd"
        try:
            bg = clvm.fit_bgnbd(x, t_x, T)
            risk = [float(v) for v in bg.p_no_purchase(weeks, x, t_x, T)]
            churn_kind = "bgnbd"
            try:  # a logistic model on RFM + P(alive), learnt inside the calibration period
                learnt = clvm.fit_churn_logistic(transactions, as_of=cutoff)
                risk = clvm.churn_risk(learnt, transactions, as_of=cutoff)[1]
                churn_kind = "logistic_rfm"
            except MethodError:
                pass  # too little history before the cutoff: BG/NBD alone
            churn_run.score = _clean(leadscore.auc(churned, risk))
            churn_run.baseline_score = _clean(leadscore.auc(churned, clvm.recency_score(t_x, T)))
            _verdict(churn_run)
            churn_model = True
            gg = clvm.fit_gamma_gamma(x, m)
            predicted = float(sum(clvm.clv(bg, gg, x, t_x, T, m, weeks=weeks)))
            actual = sum(a for p, w, a in transactions if w > cutoff and p in set(ids))
            spent = sum(a for _p, _w, a in before)
            span = max((cutoff - start).days, 1)
            run_rate = spent / span * days
            if actual:
                clv_run.score = abs(predicted - actual) / actual * 100
                clv_run.baseline_score = abs(run_rate - actual) / actual * 100
            clv_run.params = {"predicted": predicted, "actual": actual, "run_rate": run_rate}
            _verdict(clv_run)
        except MethodError as error:
            if churn_model is None:
                t.fail(churn_run, error)
            t.fail(clv_run, error)
        # the stored scores: RFM and segments as of today, churn and value refitted on all
        table = rfm.rfm_table(transactions, as_of=t.as_of)
        labels, described = rfm.clusters(table, k=min(4, len(table)), seed=0)
        ids, x, t_x, T, m = clvm.summarise(transactions, calibration_end=t.as_of)
        position = {c: i for i, c in enumerate(ids)}
        risk = alive = expected = value = None
        if churn_run.state == RunState.TRAINING:
            bg = clvm.fit_bgnbd(x, t_x, T)
            risk = bg.p_no_purchase(CHURN_WEEKS, x, t_x, T)
            alive = bg.p_alive(x, t_x, T)
            expected = bg.expected(CLV_WEEKS, x, t_x, T)
            churn_run.params = {"r": bg.r, "alpha": bg.alpha, "a": bg.a, "b": bg.b}
            if churn_kind == "logistic_rfm":
                try:
                    learnt = clvm.fit_churn_logistic(
                        transactions, as_of=t.as_of, label_weeks=CHURN_WEEKS
                    )
                    risk = clvm.churn_risk(learnt, transactions, as_of=t.as_of)[1]
                    churn_run.params["coefficients"] = learnt.coefficients
                except MethodError:
                    churn_kind = "bgnbd"
            churn_run.params["model"] = churn_kind
            if churn_run.uses_baseline:  # recency ranks better: say so, keep the scale
                risk = _recency_risk(t_x, T)
            if clv_run.state == RunState.TRAINING:
                gg = clvm.fit_gamma_gamma(x, m)
                value = clvm.clv(bg, gg, x, t_x, T, m, weeks=CLV_WEEKS)
                clv_run.params.update({"p": gg.p, "q": gg.q, "v": gg.v})
        carried = _previous_customer_values(t.company) if risk is None else {}
        scores = []
        rfm_run = runs[ModelName.RFM]
        for row, label in zip(table, labels, strict=True):
            i = position[row.customer]
            old = carried.get(row.customer, {})
            scores.append(
                PartyScore(
                    company=t.company,
                    run=rfm_run,
                    party_id=row.customer,
                    recency_days=row.recency_days,
                    frequency=row.frequency,
                    monetary=money(row.monetary),
                    r=row.r,
                    f=row.f,
                    m=row.m,
                    band=row.band,
                    cluster=label,
                    churn_risk=float(risk[i]) if risk is not None else old.get("churn_risk"),
                    p_alive=float(alive[i]) if alive is not None else old.get("p_alive"),
                    expected_orders=(
                        float(expected[i]) if expected is not None else old.get("expected_orders")
                    ),
                    clv=money(value[i]) if value is not None else old.get("clv"),
                )
            )
        segments = [
            Segment(
                company=t.company,
                run=runs[ModelName.SEGMENTS],
                index=index,
                size=info["size"],
                words=info["words"],
                recency_days=info["center"]["recency_days"],
                frequency=info["center"]["frequency"],
                monetary=money(info["center"]["monetary"]),
            )
            for index, info in enumerate(described)
        ]
        runs[ModelName.SEGMENTS].verdict = Verdict.NO_BASELINE
        runs[ModelName.SEGMENTS].params = {"k": len(described)}
    except MethodError as error:
        for run in runs.values():
            if run.state == RunState.TRAINING:
                t.fail(run, error)
        return
    ready = [run for run in runs.values() if run.state == RunState.TRAINING]
    t.activate(ready, [scores, segments])


def _recency_risk(t_x, T):
    """Churn risk from recency alone (the baseline): the share of customers who bought more
    recently, so the scale stays 0..1."""
    gaps = [Ti - ti for ti, Ti in zip(t_x, T, strict=True)]
    order = sorted(gaps)
    import bisect

    n = len(order)
    return [bisect.bisect_left(order, g) / n for g in gaps]


def _previous_customer_values(company) -> dict:
    run = active_run(company, ModelName.RFM)
    if run is None:
        return {}
    return {
        row["party_id"]: row
        for row in PartyScore.objects.filter(run=run).values(
            "party_id", "churn_risk", "p_alive", "expected_orders", "clv"
        )
    }


# -- recommendations -----------------------------------------------------------------------------


def train_recommendations(t: Training) -> None:
    from ..methods import recommend

    together = t.start(ModelName.BOUGHT_TOGETHER, metric="hit@10", baseline="popularity")
    mine = t.start(ModelName.FOR_CUSTOMER, metric="recall@10", baseline="own_top_frequency")
    baskets = [(p, o, prod, when) for p, o, when, prod, _q, _a in t.lines]
    orders = {o for _p, o, _prod, _w in baskets}
    try:
        if len(orders) < MIN_BASKETS:
            raise TooFew(
                _("%(count)s orders; at least %(min)s are needed.")
                % {"count": len(orders), "min": MIN_BASKETS}
            )
        start = min(w for *_x, w in baskets)
        for run in (together, mine):
            run.rows, run.window_start, run.window_end = len(baskets), start, t.as_of
        hide = recommend.evaluate_hide_one(baskets, k=TOP_K)
        together.score, together.baseline_score = hide["score"], hide["baseline_score"]
        together.split = _("one item hidden from each customer's last order (%(n)s orders)") % {
            "n": hide["cases"]
        }
        _verdict(together)
        nxt = recommend.evaluate_next_basket(baskets, k=TOP_K)
        mine.score, mine.baseline_score = nxt["score"], nxt["baseline_score"]
        mine.split = _("each customer's last order held out (%(n)s customers)") % {
            "n": nxt["cases"]
        }
        mine.params = {  # the blend chosen on the inner validation split
            key: round(value, 4) if isinstance(value, float) else value
            for key, value in nxt["params"].items()
        }
        _verdict(mine)
        model = recommend.fit(baskets)
    except MethodError as error:
        t.fail(together, error)
        t.fail(mine, error)
        return
    usual, usual_of = _typical_quantities(t.lines)
    pairs = []
    for product in model.products:
        if together.uses_baseline:
            top = [
                (p, float(model.popularity[model.index[p]]))
                for p in recommend.popular(model, k=TOP_K, exclude=[product])
            ]
        else:
            top = recommend.bought_together(model, product, k=TOP_K)
        pairs += [
            ProductPair(
                company=t.company,
                run=together,
                product_id=product,
                other_id=other,
                rank=rank,
                score=score,
                quantity=usual.get(other),
            )
            for rank, (other, score) in enumerate(top, start=1)
        ]
    recommendations = []
    blend = nxt["params"]
    counts = recommend.repeat_counts(model, blend["decay"])
    similar = recommend.similar_to_own(model)
    for customer in model.customers:
        if mine.uses_baseline:
            items = _own_top(model, customer)
        else:
            items = recommend.for_customer(
                model,
                customer,
                k=TOP_K,
                similar_weight=blend["similar_weight"],
                counts=counts,
                similar=similar,
            )
        recommendations += [
            PartyRecommendation(
                company=t.company,
                run=mine,
                party_id=customer,
                product_id=p,
                rank=rank,
                score=score,
                reason=reason,
                quantity=usual_of.get((customer, p), usual.get(p)),
            )
            for rank, (p, score, reason) in enumerate(items, start=1)
        ]
    t.activate([together, mine], [pairs, recommendations])


def _typical_quantities(lines) -> tuple[dict, dict]:
    """The median quantity of a line per product, and per (customer, product)."""
    from statistics import median

    by_product: dict = defaultdict(list)
    by_pair: dict = defaultdict(list)
    for party, _o, _w, product, quantity, _a in lines:
        by_product[product].append(quantity)
        by_pair[(party, product)].append(quantity)
    return (
        {key: qty(median(values)) for key, values in by_product.items()},
        {key: qty(median(values)) for key, values in by_pair.items()},
    )


def _own_top(model, customer):
    from ..methods import recommend

    row = model.customer_counts.getrow(model.customers[customer])
    own = sorted(
        zip(row.indices, row.data, strict=True),
        key=lambda p: (-p[1], -model.popularity[p[0]], p[0]),
    )[:TOP_K]
    items = [(model.products[i], float(c), "repeat") for i, c in own]
    if len(items) < TOP_K:
        seen = {p for p, _s, _r in items}
        items += [
            (p, 0.0, "popular") for p in recommend.popular(model, k=2 * TOP_K) if p not in seen
        ][: TOP_K - len(items)]
    return items


# -- forecasts -----------------------------------------------------------------------------------


def month_start(d: date) -> date:
    return d.replace(day=1)


def add_months(d: date, n: int) -> date:
    index = d.year * 12 + d.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def week_start(d: date) -> date:
    return d - timedelta(days=d.weekday())


def monthly_sales(lines, as_of: date) -> tuple[list[date], list[float]]:
    """Untaxed sales per month, from the first month with an order to the last complete one."""
    totals: dict = defaultdict(float)
    for _p, _o, when, _prod, _q, amount in lines:
        totals[month_start(when)] += float(amount)
    if not totals:
        return [], []
    first, last = min(totals), add_months(month_start(as_of), -1)
    months = []
    current = first
    while current <= last:
        months.append(current)
        current = add_months(current, 1)
    return months, [totals.get(mo, 0.0) for mo in months]


def train_sales_forecast(t: Training) -> None:
    from ..methods import forecast as fc

    run = t.start(
        ModelName.SALES_FORECAST, metric="mase", baseline="seasonal_naive", higher_is_better=False
    )
    months, values = monthly_sales(t.lines, t.as_of)
    try:
        if len(months) < 12:
            raise TooFew(
                _("%(count)s months of sales; at least 12 are needed.") % {"count": len(months)}
            )
        m = 12 if len(months) >= 30 else 1
        holdout = 6
        score = fc.holdout_score(values, m, holdout)
        run.score, run.baseline_score = _clean(score["mase"]), _clean(score["baseline_mase"])
        run.rows, run.window_start, run.window_end = len(months), months[0], months[-1]
        run.split = _("the last %(n)s months held out") % {"n": holdout}
        _verdict(run)
        result = fc.forecast_auto(values, m, SALES_HORIZON)
        run.uses_baseline = result.method == "seasonal_naive"
        run.params = {
            "method": result.method,
            "season": m,
            "holdout_method": score["method"],
            # the chart's history, so the page reads it instead of aggregating every order
            "history": [
                [mo.isoformat(), str(money(v))]
                for mo, v in zip(months[-24:], values[-24:], strict=True)
            ],
        }
    except MethodError as error:
        t.fail(run, error)
        return
    rows = [
        Forecast(
            company=t.company,
            run=run,
            product=None,
            period=add_months(months[-1], k + 1),
            forecast=money(mean),
            lower=money(low),
            upper=money(high),
            method=result.method,
        )
        for k, (mean, low, high) in enumerate(
            zip(result.mean, result.lower, result.upper, strict=True)
        )
    ]
    t.activate([run], [rows])


def weekly_demand(lines, as_of: date):
    """Units per product per week (complete weeks only): (weeks, products, matrix)."""
    import numpy as np

    if not lines:
        return [], [], np.zeros((0, 0))
    first = week_start(min(row[2] for row in lines))
    last = week_start(as_of) - timedelta(days=7)
    n_weeks = (last - first).days // 7 + 1
    if n_weeks <= 0:
        return [], [], np.zeros((0, 0))
    products = sorted({row[3] for row in lines})
    index = {p: i for i, p in enumerate(products)}
    matrix = np.zeros((len(products), n_weeks))
    for _p, _o, when, product, quantity, _a in lines:
        week = (week_start(when) - first).days // 7
        if 0 <= week < n_weeks:
            matrix[index[product], week] += float(quantity)
    weeks = [first + timedelta(days=7 * k) for k in range(n_weeks)]
    return weeks, products, matrix


def train_demand_forecast(t: Training) -> None:
    from ..methods import forecast as fc
    from ..methods import reorder

    run = t.start(
        ModelName.DEMAND_FORECAST,
        metric="mae_units_per_week",
        baseline="naive",
        higher_is_better=False,
    )
    weeks, products, matrix = weekly_demand(t.lines, t.as_of)
    try:
        if len(weeks) < 16:
            raise TooFew(
                _("%(count)s weeks of sales; at least 16 are needed.") % {"count": len(weeks)}
            )
        holdout = 8
        season = 52 if len(weeks) >= 2 * 52 + holdout else 1
        model_err = base_err = 0.0
        for series in matrix:
            train, test = list(series[:-holdout]), list(series[-holdout:])
            result, _sd = fc.demand_fast(train, holdout)
            model_err += sum(abs(a - f) for a, f in zip(test, result.mean, strict=True))
            base = fc.seasonal_naive(train, season, holdout)
            base_err += sum(abs(a - f) for a, f in zip(test, base, strict=True))
        cases = len(products) * holdout
        run.score, run.baseline_score = model_err / cases, base_err / cases
        run.baseline = "seasonal_naive" if season > 1 else "naive"
        run.rows, run.window_start, run.window_end = int(matrix.size), weeks[0], weeks[-1]
        run.split = _("the last %(n)s weeks held out, %(p)s products") % {
            "n": holdout,
            "p": len(products),
        }
        _verdict(run)
    except MethodError as error:
        t.fail(run, error)
        return
    lead_times = data.lead_times(t.company)
    level = float(t.params.get("service_level", DEFAULT_SERVICE_LEVEL))
    forecasts, suggestions = [], []
    for product, series in zip(products, matrix, strict=True):
        y = list(series)
        if run.uses_baseline:
            result = fc.seasonal_naive_forecast(y, season, DEMAND_HORIZON)
            sd = fc.mase_scale(y, season)
        else:
            result, sd = fc.demand_fast(y, DEMAND_HORIZON)
        for k in range(DEMAND_HORIZON):
            forecasts.append(
                Forecast(
                    company=t.company,
                    run=run,
                    product_id=product,
                    period=weeks[-1] + timedelta(days=7 * (k + 1)),
                    forecast=money(max(result.mean[k], 0)),
                    lower=money(max(result.lower[k], 0)),
                    upper=money(max(result.upper[k], 0)),
                    method=result.method,
                )
            )
        days = lead_times.get(product, DEFAULT_LEAD_TIME_DAYS)
        point = reorder.reorder_point(
            forecast_per_period=[max(v, 0) for v in result.mean],
            sigma=sd,
            lead_time_periods=days / 7,
            service_level=level,
        )
        suggestions.append(
            ReorderSuggestion(
                company=t.company,
                run=run,
                product_id=product,
                service_level=Decimal(str(level)).quantize(Decimal("0.0001")),
                lead_time_days=days,
                lead_time_demand=qty(point.lead_time_demand),
                safety_stock=qty(point.safety_stock),
                reorder_point=qty(point.reorder_point),
            )
        )
    run.params = {"season": season, "service_level": level}
    t.activate([run], [forecasts, suggestions])


# -- lead scoring ------------------------------------------------------------------------------


def train_lead_score(t: Training) -> None:
    from ..methods import leadscore

    run = t.start(ModelName.LEAD_SCORE, metric="auc", baseline="naive_bayes")
    rows = data.opportunities(t.company)
    closed = [row for row in rows if row["state"] in data.CLOSED]
    try:
        won = [1 if row["state"] == "won" else 0 for row in closed]
        features = [data.features_of_opportunity(row) for row in closed]
        if len(closed) < leadscore.MIN_ROWS or min(sum(won), len(won) - sum(won)) < 8:
            raise TooFew(
                _(
                    "%(count)s closed opportunities (%(won)s won); at least %(min)s with "
                    "8 won and 8 lost are needed."
                )
                % {"count": len(closed), "won": sum(won), "min": leadscore.MIN_ROWS}
            )
        cut = int(len(closed) * 0.75)
        result = leadscore.evaluate(
            features[:cut], won[:cut], test_rows=features[cut:], test_won=won[cut:]
        )
        run.score, run.baseline_score = _clean(result["score"]), _clean(result["baseline_score"])
        run.params = {
            "lift20": _clean(result["lift20"]),
            "baseline_lift20": _clean(result["baseline_lift20"]),
        }
        run.rows = len(closed)
        run.window_start = closed[0]["created_at"].date()
        run.window_end = closed[-1]["created_at"].date()
        run.split = _("the newest quarter of closed opportunities held out (%(n)s)") % {
            "n": len(closed) - cut
        }
        _verdict(run)
        model = leadscore.fit(features, won)
        baseline = leadscore.NaiveBayes().fit(features, won)
    except MethodError as error:
        t.fail(run, error)
        return
    targets = [
        ("opportunity", row["id"], data.features_of_opportunity(row))
        for row in rows
        if row["state"] == "open"
    ]
    targets += [
        ("lead", row["id"], data.features_of_lead(row)) for row in data.open_leads(t.company)
    ]
    fields = [f for _k, _i, f in targets]
    if run.uses_baseline:
        probabilities = baseline.predict(fields) if fields else []
    else:
        probabilities = model.predict(fields) if fields else []
    ordered = sorted(probabilities)
    cuts = tuple(
        ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else 1.0
        for q in (0.8, 0.5, 0.2)
    )
    scores = []
    for (kind, pk, fields_of), probability in zip(targets, probabilities, strict=True):
        factors = (
            []
            if run.uses_baseline
            else [
                {"field": name, "weight": round(weight, 3)}
                for name, weight in model.factors(fields_of)
            ]
        )
        scores.append(
            LeadScore(
                company=t.company,
                run=run,
                probability=probability,
                tier=leadscore.tier_of(probability, cuts),
                factors=factors,
                lead_id=pk if kind == "lead" else None,
                opportunity_id=pk if kind == "opportunity" else None,
            )
        )
    t.activate([run], [scores])


MODEL_STEPS = [
    ("customers", train_customers),
    ("recommendations", train_recommendations),
    ("sales_forecast", train_sales_forecast),
    ("demand_forecast", train_demand_forecast),
    ("lead_score", train_lead_score),
]
STEP_NAMES = tuple(name for name, _step in MODEL_STEPS)


def analytics_train(
    *,
    company,
    as_of: date | None = None,
    job=None,
    progress=None,
    only: list[str] | None = None,
    params: dict | None = None,
) -> list[ModelRun]:
    """Train every model of `company` (or the steps named in `only`) and store what they
    predict. Answers the runs written, trained or failed."""
    as_of = as_of or timezone.localdate()
    training = Training(company=company, as_of=as_of, job=job, params=params)
    steps = [(name, fn) for name, fn in MODEL_STEPS if not only or name in only]
    for done, (name, step) in enumerate(steps):
        if progress:
            progress(done, len(steps))
        try:
            step(training)
        except Exception as error:  # noqa: BLE001 - one model's failure must not stop the rest
            logger.exception("analytics: %s failed for company %s", name, company.pk)
            for run in training.runs.values():
                if run.state == RunState.TRAINING:
                    training.fail(run, error)
    if progress:
        progress(len(steps), len(steps))
    return list(training.runs.values())
