"""Charts as SVG drawn on the server: no script, nothing for the CSP to allow."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from markupsafe import Markup

from therabill.money import format_dollars

WIDTH, HEIGHT, PAD, LABEL = 560, 220, 28, 22


def bar_chart(values: Mapping[str, int], *, title: str) -> Markup:
    """Vertical bars for ``values`` (cents), labelled with the amount above each bar."""
    items = list(values.items())
    top = max((v for _, v in items), default=0) or 1
    slot = (WIDTH - 2 * PAD) / max(len(items), 1)
    bar = slot * 0.6
    plot = HEIGHT - 2 * PAD - LABEL
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{PAD}" y1="{HEIGHT - PAD - LABEL}" x2="{WIDTH - PAD}" '
        f'y2="{HEIGHT - PAD - LABEL}" class="axis"/>',
    ]
    for i, (name, cents) in enumerate(items):
        height = max(cents, 0) / top * plot
        x = PAD + i * slot + (slot - bar) / 2
        y = HEIGHT - PAD - LABEL - height
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{height:.1f}" '
            f'class="bar bar{i}"><title>{escape(name)} days: {escape(format_dollars(cents))}</title></rect>'
        )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{y - 4:.1f}" class="amount">{escape(format_dollars(cents))}</text>'
        )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - PAD:.1f}" class="label">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
