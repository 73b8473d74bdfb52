"""Server-drawn SVG charts for the manager pages and committee reports.

The functions here do the geometry only; ``templates/charts/*.html`` draw it as an SVG
with a title and description, and each page shows the same numbers in a table beside the
chart, so nothing depends on JavaScript, colour or sight. Colours come from CSS classes
(the Content-Security-Policy allows no inline styles).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Series:
    """One set of values over the categories; ``style`` names its CSS modifier."""

    name: str
    style: str
    values: Sequence[int | None]  # None: withheld (e.g. a suppressed small number)
    texts: Sequence[str] = ()  # how each value is printed beside its bar; default str(value)


@dataclass(frozen=True)
class Bar:
    category: str
    series: str
    style: str
    text: str
    x: float
    y: float
    width: float
    height: float
    text_x: float
    text_y: float


@dataclass(frozen=True)
class Label:
    text: str
    x: float
    y: float


@dataclass(frozen=True)
class Chart:
    title: str
    description: str
    width: float
    height: float
    bars: list[Bar]
    category_labels: list[Label]
    ticks: list[Label]
    gridlines: list[tuple[float, float, float, float]]
    legend: list[tuple[Series, Label, float, float]] = field(default_factory=list)
    horizontal: bool = False


def nice_ticks(top: int, *, most: int = 5) -> list[int]:
    """Round tick values from 0 covering ``top`` in at most ``most`` + 1 steps of 1, 2 or 5
    times a power of ten (0, 5, 10, 15 rather than 0, 3.4, 6.8)."""
    if top <= 0:
        return [0, 1]
    raw = top / most
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return list(range(0, math.ceil(top / step) * step + 1, int(step)))


def _texts(series: Series) -> list[str]:
    if series.texts:
        return list(series.texts)
    return ["" if v is None else str(v) for v in series.values]


def column_chart(
    *,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    width: float = 960,
    plot_height: float = 240,
) -> Chart:
    """Vertical columns, one group per category (a month), one column per series."""
    left, right, top, bottom = 56.0, 16.0, 40.0, 48.0
    plot_width = width - left - right
    values = [v for s in series for v in s.values if v is not None]
    ticks = nice_ticks(max(values, default=0))
    scale = plot_height / ticks[-1]
    group = plot_width / max(len(categories), 1)
    column = group * 0.8 / max(len(series), 1)
    bars, labels = [], []
    for i, category in enumerate(categories):
        x0 = left + i * group + group * 0.1
        labels.append(Label(category, x0 + group * 0.4, top + plot_height + 20))
        for j, s in enumerate(series):
            value = s.values[i]
            height = (value or 0) * scale
            x = x0 + j * column
            y = top + plot_height - height
            bars.append(
                Bar(
                    category=category,
                    series=s.name,
                    style=s.style,
                    text=_texts(s)[i],
                    x=round(x, 1),
                    y=round(y, 1),
                    width=round(column - 2, 1),
                    height=round(height, 1),
                    text_x=round(x + (column - 2) / 2, 1),
                    text_y=round(y - 4, 1),
                )
            )
    tick_labels, grid = [], []
    for t in ticks:
        y = round(top + plot_height - t * scale, 1)
        tick_labels.append(Label(str(t), left - 8, y + 5))
        grid.append((left, y, width - right, y))
    legend = [
        (s, Label(s.name, left + 22 + k * 220, 20), left + k * 220, 9.0)
        for k, s in enumerate(series)
    ]
    return Chart(
        title=title,
        description=description,
        width=width,
        height=top + plot_height + bottom,
        bars=bars,
        category_labels=labels,
        ticks=tick_labels,
        gridlines=grid,
        legend=legend if len(series) > 1 else [],
    )


def bar_chart(
    *,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Series,
    width: float = 960,
    label_width: float = 360,
    row_height: float = 26,
) -> Chart:
    """Horizontal bars, one per category (long labels such as "Ward: category").

    A withheld value (None) draws no bar, only its text (such as "<5"), so a suppressed
    small number is never given a length a reader could measure.
    """
    top, bottom, right = 8.0, 32.0, 56.0
    plot_width = width - label_width - right
    values = [v for v in series.values if v is not None]
    ticks = nice_ticks(max(values, default=0))
    scale = plot_width / ticks[-1]
    texts = _texts(series)
    bars, labels = [], []
    for i, category in enumerate(categories):
        y = top + i * row_height
        length = (series.values[i] or 0) * scale
        labels.append(Label(category, label_width - 8, y + row_height * 0.65))
        bars.append(
            Bar(
                category=category,
                series=series.name,
                style=series.style if series.values[i] is not None else "withheld",
                text=texts[i],
                x=label_width,
                y=round(y + 3, 1),
                width=round(length, 1),
                height=round(row_height - 6, 1),
                text_x=round(label_width + length + 6, 1),
                text_y=round(y + row_height * 0.65, 1),
            )
        )
    plot_bottom = top + len(categories) * row_height
    tick_labels, grid = [], []
    for t in ticks:
        x = round(label_width + t * scale, 1)
        tick_labels.append(Label(str(t), x, plot_bottom + 20))
        grid.append((x, top, x, plot_bottom))
    return Chart(
        title=title,
        description=description,
        width=width,
        height=plot_bottom + bottom,
        bars=bars,
        category_labels=labels,
        ticks=tick_labels,
        gridlines=grid,
        horizontal=True,
    )
