"""Inline SVG bar charts of decisions: one horizontal bar per row, permitted then denied,
scaled to the largest total. Plain SVG (no script), every text escaped, an accessible
``<title>`` and ``<desc>``; colours come from the console's stylesheet.

>>> svg = bar_chart([Bar("atmo", 3, 1)], chart_id="c", title="Per party", description="",
...                 bar_text=lambda b: b.label)
>>> svg.startswith('<svg role="img"')
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH = 640
LABEL_WIDTH = 230
BAR_AREA = 340
ROW = 26
BAR = 18
MAX_LABEL = 28


@dataclass(frozen=True)
class Bar:
    label: str
    permit: int
    deny: int

    @property
    def total(self) -> int:
        return self.permit + self.deny


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def bar_chart(
    bars: Sequence[Bar],
    *,
    chart_id: str,
    title: str,
    description: str,
    bar_text: Callable[[Bar], str],
) -> Markup:
    """The chart as SVG markup (empty when there is nothing to draw)."""
    if not bars:
        return Markup("")
    largest = max(b.total for b in bars) or 1
    height = ROW * len(bars) + 8
    out = [
        f'<svg role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'id="{chart_id}" class="chart" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for i, b in enumerate(bars):
        y = 4 + i * ROW
        permit_w = round(BAR_AREA * b.permit / largest, 1)
        deny_w = round(BAR_AREA * b.deny / largest, 1)
        x_deny = LABEL_WIDTH + permit_w
        out += [
            f'<g class="bar" data-label="{escape(b.label)}">',
            f"<title>{escape(bar_text(b))}</title>",
            f'<text class="label" x="{LABEL_WIDTH - 6}" y="{y + BAR - 4}" '
            f'text-anchor="end">{escape(_short(b.label))}</text>',
            f'<rect class="permit" x="{LABEL_WIDTH}" y="{y}" width="{permit_w}" height="{BAR}"/>',
            f'<rect class="deny" x="{x_deny}" y="{y}" width="{deny_w}" height="{BAR}"/>',
            f'<text class="total" x="{x_deny + deny_w + 6}" y="{y + BAR - 4}">{b.total}</text>',
            "</g>",
        ]
    out.append("</svg>")
    return Markup("".join(out))
