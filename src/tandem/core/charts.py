"""Geometry of the server-rendered SVG charts (no JavaScript, no chart library in the page).

A view computes the bars here and `web/_bar_chart.html` draws them; amounts stay Decimal
until they become coordinates, which are plain numbers of the SVG's own units.
"""

from dataclasses import dataclass
from decimal import Decimal

WIDTH = 360
HEIGHT = 150
LABEL_SPACE = 18  # under the bars, for the category labels
VALUE_SPACE = 14  # above the tallest bar, for its value


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    url: str
    x: float
    y: float
    width: float
    height: float
    highlight: bool
    label_x: float


def bar_chart(points: list[tuple[str, Decimal, str]], *, highlight: int | None = None) -> dict:
    """Bars for `points` [(label, value, url)]; negative values draw as zero-height bars.

    `highlight` is the index of the bar to stress (the current month). Answers the bars and
    the view box size so the template needs no arithmetic.
    """
    values = [max(Decimal(value or 0), Decimal(0)) for _label, value, _url in points]
    top = max(values, default=Decimal(0)) or Decimal(1)
    count = max(len(points), 1)
    slot = WIDTH / count
    width = slot * 0.64
    usable = HEIGHT - LABEL_SPACE - VALUE_SPACE
    bars = []
    for index, ((label, value, url), shown) in enumerate(zip(points, values, strict=True)):
        height = float(shown / top) * usable
        x = index * slot + (slot - width) / 2
        bars.append(
            Bar(
                label=label,
                value=Decimal(value or 0),
                url=url,
                x=round(x, 1),
                y=round(HEIGHT - LABEL_SPACE - height, 1),
                width=round(width, 1),
                height=round(height, 1),
                highlight=index == highlight,
                label_x=round(x + width / 2, 1),
            )
        )
    return {"bars": bars, "width": WIDTH, "height": HEIGHT, "baseline": HEIGHT - LABEL_SPACE}
