"""A report's chart as inline SVG, drawn on the server by pygal: no script (pygal's
tooltip script comes from a CDN, and its inline config is dropped too), a white
background and dark text that print as they show, and an SVG `<title>` and
`<desc>` (the figures in words) that the `<svg role="img">` is labelled by. The
table beside each chart is its full text alternative."""

import re
from itertools import count

import pygal
from django.utils.html import escape
from django.utils.safestring import mark_safe
from pygal.style import Style

from booking.reports.tables import Chart

# Colours with at least 3:1 contrast against white, told apart by more than hue.
STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#1f2933",
    foreground_strong="#111111",
    foreground_subtle="#52606d",
    opacity="1",
    opacity_hover="0.85",
    colors=("#1d5c8a", "#b5532a", "#2f7d4f", "#6b4c9a"),
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    title_font_size=20,
    label_font_size=16,
    major_label_font_size=16,
    legend_font_size=17,
    value_font_size=16,
    no_data_font_size=22,
    guide_stroke_color="#cbd2d9",
    major_guide_stroke_color="#9aa5b1",
)
KINDS = {
    "bar": pygal.Bar,
    "horizontal": pygal.HorizontalBar,
    "stacked": pygal.StackedBar,
}
SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)
_ids = count(1)


def svg(chart: Chart) -> str:
    """The chart as markup safe to put in a page."""
    height = 150 + 44 * len(chart.labels) if chart.kind == "horizontal" else 400
    drawing = KINDS[chart.kind](
        style=STYLE,
        js=[],
        disable_xml_declaration=True,
        width=600,
        height=max(260, min(height, 900)),
        show_legend=len(chart.series) > 1,
        legend_at_bottom=True,
        x_label_rotation=30
        if chart.kind != "horizontal" and len(chart.labels) > 6
        else 0,
        truncate_label=-1,
        no_data_text="Nothing in this range",
        value_formatter=_formatter(chart.unit),
        **_whole_steps(chart),
    )
    # pygal draws a horizontal chart's first label at the bottom; a funnel and a
    # list of consultants read from the top.
    flip = slice(None, None, -1) if chart.kind == "horizontal" else slice(None)
    drawing.x_labels = chart.labels[flip]
    for name, values in chart.series:
        drawing.add(name, [float(value) for value in values[flip]])
    number = next(_ids)
    markup = SCRIPT.sub("", drawing.render(is_unicode=True))
    labelled = (
        f'<svg role="img" aria-labelledby="chart-title-{number} chart-desc-{number}" '
        f'focusable="false"'
    )
    words = (
        f'<title id="chart-title-{number}">{escape(chart.title)}</title>'
        f'<desc id="chart-desc-{number}">{escape(describe(chart))}</desc>'
    )
    markup = markup.replace("<svg", labelled, 1)
    markup = re.sub(r"(<svg[^>]*>)", lambda m: m.group(1) + words, markup, count=1)
    return mark_safe(markup)


def _whole_steps(chart: Chart) -> dict:
    """Shares run 0–100 %; counts get whole-number steps (no "0.2 bookings")
    while they are small."""
    if chart.unit == "%":
        return {"range": (0, 100), "y_labels": list(range(0, 101, 20))}
    largest = max((max(values, default=0) for _, values in chart.series), default=0)
    if chart.unit or largest > 10:
        return {}
    return {"y_labels": list(range(0, int(largest) + 2))}


def _formatter(unit: str):
    if unit == "%":
        return lambda value: f"{value:g} %"
    if unit:
        return lambda value: f"{value:,.0f} {unit}"
    return lambda value: f"{value:g}"


def describe(chart: Chart) -> str:
    """The chart's figures as one sentence per series."""
    if not chart.labels:
        return f"{chart.title}: nothing in this range."
    unit = f" {chart.unit}" if chart.unit else ""
    return " ".join(
        f"{name}: "
        + "; ".join(
            f"{label} {value}{unit}"
            for label, value in zip(chart.labels, values, strict=True)
        )
        + "."
        for name, values in chart.series
    )
