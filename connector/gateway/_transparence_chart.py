"""The families' page's chart: one classroom's CO2 week by week, as inline SVG drawn by the
server (no script). A bar per week gives the mean during class, a tick the highest value;
two dashed lines mark the HCSP's guidance and action values. The SVG has ``role="img"``, a
``<title>`` and a ``<desc>``; the page puts the same values in a table beside it.

>>> svg = week_chart([WeekBar("2025-W36", 1256.3, 1890.0)], guidance=800, action=1500,
...                  chart_id="c", title="CL06", description="weeks")
>>> svg.startswith('<svg role="img"')
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH = 720
HEIGHT = 260
LEFT = 56
RIGHT = 96
TOP = 12
BOTTOM = 34
GRID_STEP = 500  # ppm between the axis' labelled lines
MEAN_COLOUR = "#1f5fa8"
MAX_COLOUR = "#222222"
GUIDANCE_COLOUR = "#8a5a00"
ACTION_COLOUR = "#b00020"
AXIS_COLOUR = "#555555"


@dataclass(frozen=True)
class WeekBar:
    """One week: its ISO name (``2025-W36``), mean and highest CO2 during class (ppm)."""

    week: str
    mean: float
    max: float


def _top(weeks: Sequence[WeekBar], action: float) -> float:
    highest = max([action, *(w.max for w in weeks)])
    return float(GRID_STEP * (int(highest // GRID_STEP) + 1))


def week_chart(
    weeks: Sequence[WeekBar],
    *,
    guidance: float,
    action: float,
    chart_id: str,
    title: str,
    description: str,
) -> Markup:
    """The SVG of ``weeks`` (in order) with the ``guidance`` and ``action`` lines."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _top(weeks, action)

    def y(ppm: float) -> float:
        return TOP + plot_h * (1 - min(ppm, top) / top)

    step = plot_w / max(len(weeks), 1)
    bar = max(step * 0.6, 1.0)
    parts = [
        f'<svg role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" class="chart" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(description)}</desc>',
    ]
    for ppm in range(0, int(top) + 1, GRID_STEP):
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(ppm):.1f}" y2="{y(ppm):.1f}" '
            'stroke="#dddddd" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y(ppm) + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="{AXIS_COLOUR}">{ppm}</text>'
        )
    for i, w in enumerate(weeks):
        x = LEFT + i * step + (step - bar) / 2
        parts.append(
            f'<rect x="{x:.1f}" y="{y(w.mean):.1f}" width="{bar:.1f}" '
            f'height="{TOP + plot_h - y(w.mean):.1f}" fill="{MEAN_COLOUR}"/>'
            f'<line x1="{x:.1f}" x2="{x + bar:.1f}" y1="{y(w.max):.1f}" y2="{y(w.max):.1f}" '
            f'stroke="{MAX_COLOUR}" stroke-width="2"/>'
        )
    for mark, colour in ((guidance, GUIDANCE_COLOUR), (action, ACTION_COLOUR)):
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(mark):.1f}" y2="{y(mark):.1f}" '
            f'stroke="{colour}" stroke-width="2" stroke-dasharray="6 4"/>'
            f'<text x="{LEFT + plot_w + 6}" y="{y(mark) + 4:.1f}" font-size="13" '
            f'fill="{colour}">{mark:g} ppm</text>'
        )
    if weeks:
        for i in (0, len(weeks) - 1):
            parts.append(
                f'<text x="{LEFT + (i + 0.5) * step:.1f}" y="{HEIGHT - 12}" font-size="12" '
                f'text-anchor="middle" fill="{AXIS_COLOUR}">{escape(weeks[i].week)}</text>'
            )
    parts.append(
        f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_h}" stroke="{AXIS_COLOUR}"/>'
        "</svg>"
    )
    return Markup("".join(parts))
