"""Small charts as inline SVG, so a report stays one self-contained file that works offline (no
script library, no CDN, no image files). Text is escaped; amounts are Decimal yuan."""

from __future__ import annotations

from decimal import Decimal
from html import escape

UP, DOWN, NEUTRAL = "#2e7d32", "#c62828", "#607d8b"
FONT = "font-family:system-ui,'Noto Sans CJK SC','Microsoft YaHei',sans-serif;font-size:12px"


def _yuan(amount: Decimal) -> str:
    return ("+" if amount > 0 else "") + f"{amount:,.2f}"


def diverging_bars(rows: list[tuple[str, Decimal]], title: str, width: int = 760) -> str:
    """One horizontal bar per row, right of the zero line when positive, left when negative."""
    label_width, value_width, bar_height, gap = 230, 130, 18, 8
    height = 30 + len(rows) * (bar_height + gap) + 10
    plot = width - label_width - value_width
    largest = max((abs(value) for _, value in rows), default=Decimal(0)) or Decimal(1)
    negatives = any(value < 0 for _, value in rows)
    positives = any(value > 0 for _, value in rows)
    zero = label_width + (plot // 2 if negatives and positives else (plot if negatives else 0))
    span = plot // 2 if negatives and positives else plot
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" style="{FONT}"><title>{escape(title)}</title>',
             f'<text x="0" y="16" font-weight="bold">{escape(title)}</text>']
    for index, (label, value) in enumerate(rows):
        y = 30 + index * (bar_height + gap)
        length = int(abs(value) / largest * span) if value else 0
        x = zero if value >= 0 else zero - length
        colour = UP if value > 0 else DOWN if value < 0 else NEUTRAL
        parts.append(f'<text x="{label_width - 8}" y="{y + 13}" text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect x="{x}" y="{y}" width="{max(length, 1)}" height="{bar_height}" fill="{colour}">'
                     f'<title>{escape(label)}: {escape(_yuan(value))}</title></rect>')
        parts.append(f'<text x="{width - 4}" y="{y + 13}" text-anchor="end" fill="{colour}">{escape(_yuan(value))}</text>')
    parts.append(f'<line x1="{zero}" y1="24" x2="{zero}" y2="{height - 6}" stroke="#333" stroke-width="1"/>')
    parts.append("</svg>")
    return "".join(parts)


def histogram(rows: list[tuple[str, int, str]], title: str, width: int = 760) -> str:
    """Vertical bars of counts; each row is (label, count, colour)."""
    height, top, bottom = 260, 30, 50
    plot_height = height - top - bottom
    slot = (width - 20) / max(len(rows), 1)
    largest = max((count for _, count, _ in rows), default=0) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" style="{FONT}"><title>{escape(title)}</title>',
             f'<text x="0" y="16" font-weight="bold">{escape(title)}</text>']
    for index, (label, count, colour) in enumerate(rows):
        bar = int(count / largest * plot_height)
        x = 10 + index * slot
        y = top + plot_height - bar
        parts.append(f'<rect x="{x + slot * 0.15:.1f}" y="{y}" width="{slot * 0.7:.1f}" height="{max(bar, 1)}" fill="{colour}">'
                     f'<title>{escape(label)}: {count:,}</title></rect>')
        parts.append(f'<text x="{x + slot / 2:.1f}" y="{y - 4}" text-anchor="middle">{count:,}</text>')
        lines = label.split(" … ")  # a range on two lines: its bounds
        for row, text in enumerate(lines):
            suffix = " …" if row < len(lines) - 1 else ""
            parts.append(f'<text x="{x + slot / 2:.1f}" y="{top + plot_height + 16 + row * 14}" text-anchor="middle">'
                         f'{escape(text + suffix)}</text>')
    parts.append(f'<line x1="10" y1="{top + plot_height}" x2="{width - 10}" y2="{top + plot_height}" stroke="#333"/>')
    parts.append("</svg>")
    return "".join(parts)
