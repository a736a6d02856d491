"""Forecasts: the ETS family with automatic selection by AICc, guarded by the seasonal naive
forecast on a validation split; Croston / SBA for intermittent demand; MASE.

A series is a sequence of floats, oldest first, at one period (month, week, quarter); `m` is
its seasonal period (12, 52, 4; 1 for none).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

from . import MethodError

Z80 = 1.2815515655446004  # two-sided 80 % interval


@dataclass
class Forecast:
    method: str  # "ets(A,Ad,M)", "seasonal_naive", "croston_sba"...
    mean: list[float]
    lower: list[float]
    upper: list[float]
    level: float = 0.8
    # validation figures of the guard: MAE of the chosen model and of the seasonal naive
    validation: dict = field(default_factory=dict)


def seasonal_naive(y, m: int, h: int) -> list[float]:
    """Repeat the last season: forecast t+k = y[t+k-m*ceil(k/m)] (naive when m == 1)."""
    y = list(y)
    m = max(1, int(m))
    if len(y) < m:
        m = 1
    if not y:
        raise MethodError("No history to forecast from.", code="analytics.no_history")
    last = y[-m:]
    return [float(last[k % m]) for k in range(h)]


def mase_scale(insample, m: int) -> float:
    """The in-sample MAE of the seasonal naive forecast (naive when the series is too short)."""
    y = list(insample)
    m = max(1, int(m))
    if len(y) <= m:
        m = 1
    diffs = [abs(y[i] - y[i - m]) for i in range(m, len(y))]
    return sum(diffs) / len(diffs) if diffs else float("nan")


def mase(actual, forecast, insample, m: int) -> float:
    """Mean absolute scaled error of `forecast` against `actual` (Hyndman & Koehler 2006)."""
    actual = list(actual)
    forecast = list(forecast)
    scale = mase_scale(insample, m)
    mae = sum(abs(a - f) for a, f in zip(actual, forecast, strict=True)) / len(actual)
    if not scale or math.isnan(scale):
        return float("inf") if mae else 0.0
    return mae / scale


def _mae(actual, forecast) -> float:
    return sum(abs(a - f) for a, f in zip(actual, forecast, strict=True)) / len(actual)


def _candidates(m: int, positive: bool, n: int):
    seasonal = [None] if m <= 1 or n < 2 * m + 2 else [None, "add"] + (["mul"] if positive else [])
    for error in ["add", "mul"] if positive else ["add"]:
        for trend, damped in [(None, False), ("add", False), ("add", True)]:
            for season in seasonal:
                if error == "add" and season == "mul":
                    continue  # numerically unstable (Hyndman's forecast package excludes it)
                yield error, trend, damped, season


def _label(error, trend, damped, season) -> str:
    e = {"add": "A", "mul": "M"}[error]
    t = "N" if trend is None else ("Ad" if damped else "A")
    s = "N" if season is None else {"add": "A", "mul": "M"}[season]
    return f"ets({e},{t},{s})"


def ets_fit(y, m: int):
    """Fit every admissible ETS model and keep the one with the lowest AICc.

    Answers (label, fitted results) or (None, None) when nothing fits."""
    import numpy as np
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    y = pd.Series(np.asarray(y, dtype=float))
    positive = bool((y > 0).all())
    best = (None, None, math.inf)
    for error, trend, damped, season in _candidates(m, positive, len(y)):
        params = 2 + (2 if trend else 0) + (1 if damped else 0) + (m if season else 0)
        if len(y) <= params + 2:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with np.errstate(all="ignore"):
                    model = ETSModel(
                        y,
                        error=error,
                        trend=trend,
                        damped_trend=damped,
                        seasonal=season,
                        seasonal_periods=m if season else None,
                        initialization_method="heuristic"
                        if season and len(y) >= 3 * m
                        else "estimated",
                    )
                    fit = model.fit(disp=False, maxiter=200)
        except Exception:  # noqa: BLE001 - a model that does not fit is just not a candidate
            continue
        aicc = fit.aicc
        if aicc is None or not np.isfinite(aicc) or not np.isfinite(fit.fittedvalues).all():
            continue
        if aicc < best[2]:
            best = (_label(error, trend, damped, season), fit, aicc)
    return best[0], best[1]


def _ets_forecast(fit, h: int, level: float):
    import numpy as np

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(all="ignore"):
                pred = fit.get_prediction(start=fit.nobs, end=fit.nobs + h - 1)
                frame = pred.summary_frame(alpha=1 - level)
    except Exception as exc:  # noqa: BLE001 - statsmodels raises many kinds here
        raise ValueError(str(exc)) from exc
    mean = [float(v) for v in frame["mean"]]
    lower = [float(v) for v in frame["pi_lower"]]
    upper = [float(v) for v in frame["pi_upper"]]
    if not all(map(math.isfinite, mean + lower + upper)):
        raise ValueError("non-finite forecast")
    return mean, lower, upper


def _z(level: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(0.5 + level / 2)


def seasonal_naive_forecast(y, m: int, h: int, *, level: float = 0.8) -> Forecast:
    """The seasonal naive forecast with intervals from the seasonal differences' spread:
    sd * sqrt(k), k the number of whole seasons ahead (Hyndman, FPP3 5.5)."""
    y = [float(v) for v in y]
    mean = seasonal_naive(y, m, h)
    mm = m if len(y) > m else 1
    diffs = [y[i] - y[i - mm] for i in range(mm, len(y))]
    sd = math.sqrt(sum(d * d for d in diffs) / len(diffs)) if diffs else 0.0
    z = _z(level)
    lower, upper = [], []
    for k in range(h):
        width = z * sd * math.sqrt(k // mm + 1)
        lower.append(mean[k] - width)
        upper.append(mean[k] + width)
    return Forecast("seasonal_naive", mean, lower, upper, level)


def forecast_auto(
    y, m: int, h: int, *, level: float = 0.8, validation: int | None = None, origins: int = 1
):
    """ETS with automatic selection, guarded by the seasonal naive forecast.

    The guard (an inner validation split): by default the last season of the series given
    (`validation` periods, one season, at least 2) is held out; more `origins` step back one
    validation length each. From each origin ETS is
    selected by AICc on the history before the origin and forecasts the next `validation`
    periods; its summed absolute error is compared with the seasonal naive forecast's from the
    same origins. If ETS is not better, the seasonal naive forecast is used; else ETS is
    selected again on the whole series and forecasts `h` periods. Answers a Forecast whose
    `validation` holds both errors.
    """
    y = [float(v) for v in y]
    if not y:
        raise MethodError("No history to forecast from.", code="analytics.no_history")
    if h < 1:
        raise MethodError("The horizon must be at least one period.", code="analytics.bad_horizon")
    if any(not math.isfinite(v) for v in y):
        raise MethodError(
            "The series has a missing or non-numeric value.", code="analytics.bad_value"
        )
    v = validation if validation is not None else max(2, m if m > 1 else 2)
    origins = max(1, origins)
    while origins > 1 and len(y) - origins * v < max(4, 2 * m + 2):
        origins -= 1
    if len(y) - origins * v < max(4, m + 2):
        result = seasonal_naive_forecast(y, m, h, level=level)
        result.validation = {"reason": "short"}
        return result
    ets_error = naive_error = 0.0
    labels = []
    for origin in range(origins, 0, -1):
        cut = len(y) - origin * v
        train, held = y[:cut], y[cut : cut + v]
        label, fit = ets_fit(train, m)
        labels.append(label)
        naive_error += _mae(held, seasonal_naive(train, m, v))
        try:
            ets_error += _mae(held, _ets_forecast(fit, v, level)[0]) if fit else math.inf
        except ValueError:
            ets_error = math.inf
    checks = {"ets": labels, "ets_mae": ets_error / origins, "naive_mae": naive_error / origins}
    if not ets_error < naive_error:
        result = seasonal_naive_forecast(y, m, h, level=level)
        result.validation = checks
        return result
    label, fit = ets_fit(y, m)
    try:
        mean, lower, upper = _ets_forecast(fit, h, level) if fit else (None, None, None)
    except ValueError:
        mean = None
    if mean is None:
        result = seasonal_naive_forecast(y, m, h, level=level)
        result.validation = checks
        return result
    return Forecast(label, mean, lower, upper, level, checks)


# -- intermittent demand ---------------------------------------------------------------------


def is_intermittent(y, *, adi_cut: float = 1.32) -> bool:
    """Average demand interval above 1.32 periods (Syntetos-Boylan): Croston territory."""
    y = list(y)
    demands = sum(1 for v in y if v > 0)
    return demands > 0 and len(y) / demands > adi_cut


def croston(y, h: int, *, alpha: float = 0.1, sba: bool = True, level: float = 0.8) -> Forecast:
    """Croston's method (with the Syntetos-Boylan bias correction when `sba`): smooth the
    non-zero demand sizes and the intervals between them separately; the forecast is a flat
    rate size / interval (times 1 - alpha/2 for SBA). Intervals from the one-step errors."""
    y = [float(v) for v in y]
    if not any(v > 0 for v in y):
        zero = [0.0] * h
        return Forecast("croston_sba" if sba else "croston", zero, zero, zero, level)
    first = next(i for i, v in enumerate(y) if v > 0)
    size = y[first]
    interval = float(first + 1)
    since = 0
    errors = []
    rate = size / interval * ((1 - alpha / 2) if sba else 1)
    for v in y[first + 1 :]:
        since += 1
        errors.append(v - rate)
        if v > 0:
            size += alpha * (v - size)
            interval += alpha * (since - interval)
            since = 0
            rate = size / interval * ((1 - alpha / 2) if sba else 1)
    sd = math.sqrt(sum(e * e for e in errors) / len(errors)) if errors else 0.0
    z = _z(level)
    mean = [rate] * h
    lower = [max(0.0, rate - z * sd)] * h
    upper = [rate + z * sd] * h
    return Forecast("croston_sba" if sba else "croston", mean, lower, upper, level)


def forecast_demand(y, m: int, h: int, *, level: float = 0.8) -> Forecast:
    """Demand per product: Croston/SBA when intermittent, else the guarded ETS."""
    if is_intermittent(y):
        return croston(y, h, level=level)
    return forecast_auto(y, m, h, level=level)


def holdout_score(y, m: int, holdout: int, *, method=None) -> dict:
    """Score a method on the last `holdout` periods against the seasonal naive forecast:
    MASE of both (scaled by the training part's seasonal naive MAE) and their ratio."""
    y = [float(v) for v in y]
    train, test = y[:-holdout], y[-holdout:]
    method = method or (lambda s, mm, hh: forecast_auto(s, mm, hh))
    result = method(train, m, holdout)
    model = mase(test, result.mean, train, m)
    base = mase(test, seasonal_naive(train, m, holdout), train, m)
    ratio = model / base if base else (1.0 if model == base else math.inf)
    return {"method": result.method, "mase": model, "baseline_mase": base, "ratio": ratio}


# -- fast path for many series ----------------------------------------------------------------


def ses(y, h: int, *, level: float = 0.8) -> tuple[Forecast, float]:
    """Simple exponential smoothing with alpha picked from a grid by one-step squared error;
    fast enough for thousands of product series. Answers the forecast and the one-step
    error's standard deviation (for safety stock)."""
    y = [float(v) for v in y]
    if not y:
        raise MethodError("No history to forecast from.", code="analytics.no_history")
    best = (math.inf, 0.1, y[0])
    for alpha in (0.05, 0.1, 0.2, 0.3, 0.5, 0.7):
        smooth, sse = y[0], 0.0
        for v in y[1:]:
            sse += (v - smooth) ** 2
            smooth += alpha * (v - smooth)
        if sse < best[0]:
            best = (sse, alpha, smooth)
    sse, alpha, smooth = best
    sd = math.sqrt(sse / (len(y) - 1)) if len(y) > 1 else 0.0
    z = _z(level)
    mean = [smooth] * h
    lower = [smooth - z * sd * math.sqrt(1 + k * alpha * alpha) for k in range(h)]
    upper = [smooth + z * sd * math.sqrt(1 + k * alpha * alpha) for k in range(h)]
    return Forecast(f"ses({alpha})", mean, lower, upper, level), sd


def one_step_sd(y, method) -> float:
    """Standard deviation of a method's in-sample one-step errors (Croston: its own errors)."""
    errors = []
    for t in range(max(4, len(y) // 4), len(y)):
        errors.append(y[t] - method(y[:t], 1).mean[0])
    return math.sqrt(sum(e * e for e in errors) / len(errors)) if errors else 0.0


def demand_fast(y, h: int, *, level: float = 0.8) -> tuple[Forecast, float]:
    """Croston/SBA when intermittent, else SES: the forecast and the one-step error sd."""
    if is_intermittent(y):
        result = croston(y, h, level=level)
        rate = result.mean[0] if result.mean else 0.0
        sd = math.sqrt(sum((v - rate) ** 2 for v in y) / len(y)) if y else 0.0
        return result, sd
    return ses(y, h, level=level)
