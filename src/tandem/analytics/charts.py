"""Geometry of the forecast chart (server-rendered SVG, no JavaScript): the history as a line,
the forecast as a dashed line inside its interval band. Values are Decimal until they become
coordinates in the SVG's own units."""

from __future__ import annotations

from decimal import Decimal

WIDTH = 640
HEIGHT = 220
PAD_X = 8
PAD_TOP = 12
PAD_BOTTOM = 22


def forecast_chart(
    history: list[tuple[str, Decimal]], future: list[tuple[str, Decimal, Decimal, Decimal]]
) -> dict:
    """`history` [(label, value)], `future` [(label, forecast, lower, upper)]. Answers the
    polyline points, the band polygon, the split x and a few labels."""
    values = [Decimal(v) for _l, v in history]
    for _l, mean, low, high in future:
        values += [Decimal(mean), Decimal(low), Decimal(high)]
    top = max(values, default=Decimal(1)) or Decimal(1)
    bottom = min(min(values, default=Decimal(0)), Decimal(0))
    span = (top - bottom) or Decimal(1)
    count = max(len(history) + len(future) - 1, 1)
    usable_w = WIDTH - 2 * PAD_X
    usable_h = HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(i):
        return round(PAD_X + usable_w * i / count, 1)

    def y(v):
        return round(PAD_TOP + usable_h * float((top - Decimal(v)) / span), 1)

    past = " ".join(f"{x(i)},{y(v)}" for i, (_l, v) in enumerate(history))
    offset = len(history) - 1 if history else 0
    ahead = [(offset, history[-1][1])] if history else []
    ahead += [(len(history) + k, mean) for k, (_l, mean, _lo, _hi) in enumerate(future)]
    line = " ".join(f"{x(i)},{y(v)}" for i, v in ahead)
    upper = [f"{x(len(history) + k)},{y(hi)}" for k, (_l, _m, _lo, hi) in enumerate(future)]
    lower = [f"{x(len(history) + k)},{y(lo)}" for k, (_l, _m, lo, _hi) in enumerate(future)]
    band = " ".join(upper + list(reversed(lower)))
    labels = []
    everything = [label for label, *_ in history] + [label for label, *_ in future]
    step = max(1, len(everything) // 6)
    for i in range(0, len(everything), step):
        labels.append({"x": x(i), "text": everything[i]})
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "past": past,
        "line": line,
        "band": band,
        "split_x": x(offset),
        "labels": labels,
        "label_y": HEIGHT - 6,
        "top_label": top,
        "top_y": PAD_TOP,
    }
