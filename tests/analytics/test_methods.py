"""The pure analytics methods on small fixtures with known answers."""

import math
import random
from datetime import date, timedelta

import pytest

from tandem.analytics.methods import MethodError, clv, forecast, leadscore, recommend, reorder, rfm

# -- forecast --------------------------------------------------------------------------------


def seasonal_series(n=72, m=12, seed=1):
    rng = random.Random(seed)
    return [100 + 0.8 * t + 25 * math.sin(2 * math.pi * t / m) + rng.gauss(0, 2) for t in range(n)]


def test_seasonal_naive_repeats_the_last_season():
    assert forecast.seasonal_naive([1, 2, 3, 4, 5, 6], 4, 6) == [3, 4, 5, 6, 3, 4]
    assert forecast.seasonal_naive([1, 2], 1, 3) == [2, 2, 2]


def test_mase_by_hand():
    # in-sample naive (m=1) errors: |2-1|, |4-2|, |4-4| -> scale 1.0; forecast errors 1 and 3
    assert forecast.mase([5, 7], [4, 4], [1, 2, 4, 4], 1) == pytest.approx(2.0)


def test_ets_beats_the_seasonal_naive_on_a_trending_seasonal_series():
    # given six years of a monthly series with trend and season plus a little noise
    y = seasonal_series()
    # when the last two seasons are held out
    score = forecast.holdout_score(y, 12, 24)
    # then an ETS model was chosen and its MASE is well under the seasonal naive's
    assert score["method"].startswith("ets(")
    assert score["ratio"] < 0.5


def test_on_white_noise_the_guard_keeps_a_level_only_ets():
    # On white noise the seasonal naive forecast repeats last year's noise (error sd
    # sqrt(2) sigma) while a level-only ETS forecasts the mean (sd sigma): ETS wins on the
    # validation seasons, so the guard keeps it — but no trend and no season are invented.
    rng = random.Random(1)
    y = [50 + rng.gauss(0, 10) for _ in range(96)]
    result = forecast.forecast_auto(y, 12, 12)
    assert result.method in {"ets(A,N,N)", "ets(M,N,N)"}
    assert result.validation["ets_mae"] < result.validation["naive_mae"]
    assert max(result.mean) - min(result.mean) < 1e-6  # a flat forecast


def test_the_guard_keeps_the_naive_forecast_when_ets_is_worse():
    # a series that repeats one season exactly: the seasonal naive is perfect on validation
    season = [10, 30, 20, 50, 40, 60, 35, 25, 15, 45, 55, 5]
    y = season * 6
    result = forecast.forecast_auto(y, 12, 12)
    assert result.method == "seasonal_naive"
    assert result.mean == season
    assert result.lower == season and result.upper == season  # no spread: zero width


def test_the_guard_judges_on_the_last_season_of_the_history_given():
    # given noisy, trending seasons and then a last season that repeats the one before exactly
    rng = random.Random(5)
    season = [10, 30, 20, 50, 40, 60, 35, 25, 15, 45, 55, 5]
    y = [v + 0.5 * t + rng.gauss(0, 3) for t, v in enumerate(season * 5)]
    y += y[-12:]
    # when forecast: the seasonal naive is exact on the validation season, so it is used
    result = forecast.forecast_auto(y, 12, 12)
    assert result.method == "seasonal_naive"
    assert len(result.validation["ets"]) == 1  # one origin: the last season
    assert result.validation["naive_mae"] == 0.0 < result.validation["ets_mae"]
    assert result.mean == pytest.approx(y[-12:])


def test_forecast_intervals_contain_the_mean():
    result = forecast.forecast_auto(seasonal_series(), 12, 6)
    assert len(result.mean) == 6
    for low, mean, high in zip(result.lower, result.mean, result.upper, strict=True):
        assert low < mean < high


def test_no_history_and_bad_horizon_are_refused_with_codes():
    with pytest.raises(MethodError) as caught:
        forecast.forecast_auto([], 12, 3)
    assert caught.value.code == "analytics.no_history"
    with pytest.raises(MethodError) as caught:
        forecast.forecast_auto([1.0, 2.0], 12, 0)
    assert caught.value.code == "analytics.bad_horizon"


def test_croston_sba_by_hand():
    # demands 4 at t=1 and 6 at t=4 (0-based): first size 4, interval 2; then at t=4 the
    # interval since the last demand is 3 -> size 4 + .5*(6-4) = 5, interval 2 + .5*(3-2) = 2.5
    y = [0, 4, 0, 0, 6]
    plain = forecast.croston(y, 2, alpha=0.5, sba=False)
    assert plain.mean == [pytest.approx(5 / 2.5)] * 2
    sba = forecast.croston(y, 2, alpha=0.5, sba=True)
    assert sba.mean == [pytest.approx(5 / 2.5 * 0.75)] * 2
    assert forecast.is_intermittent(y)
    assert not forecast.is_intermittent([3, 4, 5, 0, 4])


def test_demand_forecast_uses_croston_for_intermittent_weeks():
    y = [0, 0, 3, 0, 0, 0, 2, 0, 0, 4] * 8
    assert forecast.forecast_demand(y, 52, 4).method == "croston_sba"


# -- rfm -------------------------------------------------------------------------------------


def test_quintile_scores_with_distinct_values():
    # ten distinct values: two customers per score
    assert rfm.quintile_scores([10, 1, 9, 2, 8, 3, 7, 4, 6, 5]) == [5, 1, 5, 1, 4, 2, 4, 2, 3, 3]
    assert rfm.quintile_scores([1, 2, 3, 4, 5], reverse=True) == [5, 4, 3, 2, 1]


def test_quintile_scores_share_ties():
    # six customers with one order and four with 2, 3, 4, 5 orders: the six share average
    # rank 3.5 -> floor(5 * 3 / 10) + 1 = 2; then ranks 7..10 -> 4, 4, 5, 5
    assert rfm.quintile_scores([1, 1, 1, 1, 1, 1, 2, 3, 4, 5]) == [2] * 6 + [4, 4, 5, 5]


def test_rfm_table_exact():
    as_of = date(2026, 6, 30)
    rows = []
    # customer i bought i times, the last time 10*i days ago... reversed: c5 most recent
    for i in range(1, 6):
        for k in range(i):
            rows.append((f"c{i}", as_of - timedelta(days=10 * (6 - i) + 30 * k), 100 * i))
    table = {row.customer: row for row in rfm.rfm_table(rows, as_of=as_of)}
    assert [table[f"c{i}"].recency_days for i in range(1, 6)] == [50, 40, 30, 20, 10]
    assert [table[f"c{i}"].frequency for i in range(1, 6)] == [1, 2, 3, 4, 5]
    assert [table[f"c{i}"].monetary for i in range(1, 6)] == [100, 400, 900, 1600, 2500]
    assert [(table[f"c{i}"].r, table[f"c{i}"].f, table[f"c{i}"].m) for i in range(1, 6)] == [
        (1, 1, 1),
        (2, 2, 2),
        (3, 3, 3),
        (4, 4, 4),
        (5, 5, 5),
    ]
    assert table["c5"].band == "champions" and table["c1"].band == "lost"
    assert table["c3"].band == "loyal" and table["c2"].band == "lapsing"


def test_clusters_describe_big_frequent_buyers():
    as_of = date(2026, 6, 30)
    rows = []
    for i in range(20):
        rows += [(f"big{i}", as_of - timedelta(days=7 * k + 1), 900) for k in range(12)]
        rows += [(f"small{i}", as_of - timedelta(days=200 + k), 20) for k in range(1)]
    table = rfm.rfm_table(rows, as_of=as_of)
    labels, described = rfm.clusters(table, k=2)
    big = described[labels[0]]
    assert big["size"] == 20
    assert big["words"] == ["big", "frequent", "active"]


# -- recommendations -------------------------------------------------------------------------


def test_bought_together_recommends_the_pair_that_goes_together():
    baskets = []
    for order in range(30):
        baskets += [(f"c{order % 7}", order, "pasta"), (f"c{order % 7}", order, "sauce")]
        baskets.append((f"c{order % 7}", order, ["milk", "bread", "eggs"][order % 3]))
    model = recommend.fit(baskets)
    assert recommend.bought_together(model, "pasta", k=1)[0][0] == "sauce"
    assert recommend.popular(model, k=2) == ["pasta", "sauce"]
    assert recommend.bought_together(model, "unknown") == []


def test_for_customer_blends_repeats_and_similar_items():
    baskets = [("ann", 1, "tea"), ("ann", 2, "tea"), ("ann", 2, "lemon")]
    baskets += [("bob", 10 + i, "lemon") for i in range(3)]
    baskets += [("bob", 10 + i, "honey") for i in range(3)]
    model = recommend.fit(baskets)
    items = recommend.for_customer(model, "ann", k=3)
    assert [(p, reason) for p, _s, reason in items] == [
        ("tea", "repeat"),
        ("lemon", "repeat"),
        ("honey", "similar"),
    ]
    assert [p for p, _s, _r in recommend.for_customer(model, "nobody", k=1)] == ["lemon"]


# -- lead scoring ----------------------------------------------------------------------------


def test_auc_and_lift_by_hand():
    assert leadscore.auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.75)
    assert leadscore.auc([0, 1], [0.5, 0.5]) == pytest.approx(0.5)
    # 10 leads, 2 won, both in the top 2 (20 %): won rate 1.0 over 0.2 -> lift 5
    labels = [1, 1, 0, 0, 0, 0, 0, 0, 0, 0]
    assert leadscore.lift_at(labels, [10 - i for i in range(10)]) == pytest.approx(5.0)


def leads(n, seed):
    rng = random.Random(seed)
    rows, won = [], []
    for _ in range(n):
        source = rng.choice(["web", "referral", "fair", "cold"])
        size = rng.randint(1, 500)
        logit = -1.5 + {"web": 0, "referral": 1.5, "fair": 0.5, "cold": -1}[source] + size / 250
        rows.append({"source": source, "employees": size})
        won.append(int(rng.random() < 1 / (1 + math.exp(-logit))))
    return rows, won


def test_lead_model_learns_the_fields_and_names_its_factors():
    rows, won = leads(600, 1)
    test_rows, test_won = leads(400, 2)
    result = leadscore.evaluate(rows, won, test_rows=test_rows, test_won=test_won)
    assert result["score"] > 0.7
    assert result["score"] >= result["baseline_score"] - 0.02
    model = leadscore.fit(rows, won)
    factors = model.factors({"source": "referral", "employees": 480})
    assert {name for name, _v in factors} & {"source_referral", "employees"}
    assert (
        model.predict([{"source": "referral", "employees": 480}])[0]
        > model.predict([{"source": "cold", "employees": 5}])[0]
    )


def test_lead_model_refuses_too_few_rows():
    with pytest.raises(MethodError) as caught:
        leadscore.fit([{"a": 1}] * 10, [0, 1] * 5)
    assert caught.value.code == "analytics.too_few_rows"


def test_tiers():
    assert [leadscore.tier_of(p, (0.6, 0.3, 0.1)) for p in (0.7, 0.6, 0.4, 0.2, 0.05)] == [
        "A",
        "A",
        "B",
        "C",
        "D",
    ]


# -- churn and lifetime value ----------------------------------------------------------------


def test_bgnbd_recovers_a_simulated_population():
    import numpy as np

    rng = np.random.default_rng(3)
    n, T = 2000, 52.0
    lam = rng.gamma(2.0, 1 / 8.0, n)  # r=2, alpha=8: 0.25 purchases a week on average
    p = rng.beta(1.0, 4.0, n)
    xs, txs = [], []
    for i in range(n):
        t, x, last = 0.0, 0, 0.0
        while True:
            t += rng.exponential(1 / lam[i])
            if t > T:
                break
            x, last = x + 1, t
            if rng.random() < p[i]:
                break
        xs.append(x)
        txs.append(last)
    model = clv.fit_bgnbd(xs, txs, [T] * n)
    assert model.r == pytest.approx(2.0, rel=0.35)
    assert model.alpha == pytest.approx(8.0, rel=0.35)
    # a customer who bought often and recently is more likely alive than one who stopped
    alive = model.p_alive([10, 10], [51.0, 10.0], [52.0, 52.0])
    assert alive[0] > 0.9 > alive[1]
    silent = model.p_no_purchase(13, [10, 0], [51.0, 0.0], [52.0, 52.0])
    assert silent[0] < silent[1]


def _stayers_and_leavers():
    """40 customers from 2026-01-01 buying every two weeks: 20 until the end of the year,
    20 who stop for good between weeks 10 and 29."""
    start = date(2026, 1, 1)
    rows = []
    for i in range(40):
        last_week = 52 if i < 20 else 10 + i % 20
        rows += [
            (f"c{i:02d}", start + timedelta(weeks=w), 10.0 + i % 5)
            for w in range(0, last_week + 1, 2)
        ]
    return start, rows


def test_the_churn_model_learns_inside_the_calibration_period_who_stops():
    start, rows = _stayers_and_leavers()
    as_of = start + timedelta(weeks=40)
    # learnt on weeks 0-27 (features) and 27-40 (who bought again), nothing after as_of
    churn = clv.fit_churn_logistic(rows, as_of=as_of)
    assert churn.label_weeks == 13 and set(churn.coefficients) == set(clv.CHURN_FEATURES)
    ids, risk, _summary, _bg = clv.churn_risk(churn, rows, as_of=as_of)
    by_id = dict(zip(ids, risk, strict=True))
    stayers = [by_id[f"c{i:02d}"] for i in range(20)]
    leavers = [by_id[f"c{i:02d}"] for i in range(20, 40)]
    # every customer who stopped is riskier than every one who still buys
    assert max(stayers) < min(leavers)
    assert max(stayers) < 0.5 < min(leavers)


def test_the_churn_model_refuses_a_history_with_one_outcome():
    start, rows = _stayers_and_leavers()
    stayers = [row for row in rows if int(row[0][1:]) < 20]
    with pytest.raises(MethodError) as caught:
        clv.fit_churn_logistic(stayers, as_of=start + timedelta(weeks=40))
    assert caught.value.code == "analytics.too_few_rows"


def test_gamma_gamma_shrinks_towards_the_population_mean():
    import numpy as np

    # given spends drawn from the model itself: p=6, q=4, v=15 (population mean 30)
    rng = np.random.default_rng(5)
    x = rng.integers(1, 8, 1500)
    nu = rng.gamma(4.0, 1 / 15.0, 1500)
    m = rng.gamma(6.0 * x, 1 / nu) / x
    model = clv.fit_gamma_gamma(x, m)
    population = model.p * model.v / (model.q - 1)
    assert population == pytest.approx(30, rel=0.1)
    spend = model.expected_spend([1, 1], [population * 3, population / 3])
    assert population / 3 < spend[1] < population < spend[0] < population * 3


def test_summarise_counts_repeat_days_in_weeks():
    rows = [
        ("a", date(2026, 1, 1), 10),
        ("a", date(2026, 1, 1), 5),
        ("a", date(2026, 1, 15), 20),
        ("b", date(2026, 1, 8), 7),
        ("a", date(2026, 3, 1), 99),
    ]
    customers, x, t_x, T, m = clv.summarise(rows, calibration_end=date(2026, 1, 29))
    assert customers == ["a", "b"]
    assert x == [1, 0] and t_x == [2.0, 0.0] and T == [4.0, 3.0] and m == [20.0, 0.0]


# -- reorder point ---------------------------------------------------------------------------


def test_reorder_point_by_hand():
    # errors -2, 2, -2, 2 -> sigma 2; lead time 4 weeks -> sigma_L = 4; 95 % -> z = 1.6449;
    # safety stock 6.58; lead-time demand 4 x 10 = 40; reorder point 46.58
    sigma = reorder.error_sd([8, 12, 8, 12], [10, 10, 10, 10])
    assert sigma == 2.0
    point = reorder.reorder_point(
        forecast_per_period=10, sigma=sigma, lead_time_periods=4, service_level=0.95
    )
    assert point.sigma_lead_time == 4.0
    assert point.z == pytest.approx(1.644854, abs=1e-6)
    assert point.safety_stock == pytest.approx(6.579415, abs=1e-6)
    assert point.reorder_point == pytest.approx(46.579415, abs=1e-6)
    assert reorder.stockout_rate(
        reorder_level=point.reorder_point, lead_time_demand=40, sigma_lead_time=4
    ) == pytest.approx(0.05)
    # a forecast that changes per week: 1.5 weeks of [10, 20, ...] -> 10 + 0.5 * 20 = 20
    varying = reorder.reorder_point(
        forecast_per_period=[10, 20, 30], sigma=0, lead_time_periods=1.5, service_level=0.9
    )
    assert varying.lead_time_demand == 20 and varying.reorder_point == 20


@pytest.mark.parametrize("level", [0.5, 0.999, 1.2, 0.2])
def test_service_level_outside_the_range_is_refused(level):
    with pytest.raises(MethodError) as caught:
        reorder.reorder_point(
            forecast_per_period=1, sigma=1, lead_time_periods=1, service_level=level
        )
    assert caught.value.code == "analytics.bad_service_level"


def _switchers(last: str):
    """Five customers who bought A in their first four baskets, B in the next two, and `last`
    in their seventh (the scored one)."""
    rows = []
    for c in range(5):
        for n in range(1, 8):
            product = "A" if n <= 4 else ("B" if n <= 6 else last)
            rows.append((f"c{c}", f"c{c}-{n}", product, n))
    return rows


def test_the_blend_is_chosen_on_the_inner_validation_basket_never_the_scored_one():
    # given customers who moved from A to B: their last basket of the training part (the
    # sixth) holds B, which only a recency decay ranks above the more frequent A
    switched = recommend.evaluate_next_basket(_switchers("B"), k=1)
    assert switched["params"]["decay"] == 0.5
    assert switched["params"]["similar_weight"] == 0.0  # no pair goes together: no weight
    assert switched["params"]["validation_recall"] == 1.0
    assert switched["score"] == 1.0 and switched["baseline_score"] == 0.0
    # when the scored basket says the opposite, the same blend is chosen (it never sees it)
    back = recommend.evaluate_next_basket(_switchers("A"), k=1)
    assert back["params"] == switched["params"]
    assert back["score"] == 0.0 and back["baseline_score"] == 1.0


def test_the_customers_own_repeat_list_is_kept_and_co_purchase_fills_the_rest():
    # ann bought tea three times, jam twice, lemon once; bob's baskets pair lemon with honey
    rows = [("ann", 1, "tea"), ("ann", 2, "tea"), ("ann", 3, "tea")]
    rows += [("ann", 1, "jam"), ("ann", 2, "jam"), ("ann", 3, "lemon")]
    rows += [("bob", 10 + i, p) for i in range(4) for p in ("lemon", "honey")]
    rows += [("cid", 20 + i, "bread") for i in range(6)]
    model = recommend.fit(rows)
    # however strong the similarity weight, her own three come first, by how often she bought
    for weight in (0.0, 0.5):
        items = recommend.for_customer(model, "ann", k=4, similar_weight=weight)
        assert [(p, r) for p, _s, r in items][:3] == [
            ("tea", "repeat"),
            ("jam", "repeat"),
            ("lemon", "repeat"),
        ]
        # the slot left goes to what goes with her lemon, not to the popular bread
        assert items[3][0] == "honey" and items[3][2] == "similar"
    # a decay of 0.5 ranks by recency: lemon (her latest basket) before jam
    recent = recommend.for_customer(model, "ann", k=3, counts=recommend.repeat_counts(model, 0.5))
    assert [p for p, _s, _r in recent] == ["tea", "lemon", "jam"]
