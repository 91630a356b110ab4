"""Charts for the PDF reports, drawn by pygal as SVG and embedded inline in the HTML that
WeasyPrint prints (no scripts, no external files).

Every function takes labels and figures (Decimals or ints, as the selectors give them)
and returns SVG markup that is safe to insert into a template: pygal builds the SVG as
an element tree, so every label is escaped. Money is turned into floats here only to
place bars and points; the figures printed in the reports' tables stay Decimals.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

import pygal
from django.utils.safestring import SafeString, mark_safe
from pygal.style import Style

#: GOV.UK Design System colours, in the order series use them.
COLOURS = (
    "#1d70b8",  # blue
    "#f47738",  # orange
    "#00703c",  # green
    "#d4351c",  # red
    "#4c2c92",  # purple
    "#28a197",  # turquoise
    "#b58840",  # brown
    "#505a5f",  # dark grey
)
FONT = "Arial, Helvetica, 'Liberation Sans', 'DejaVu Sans', sans-serif"

STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#0b0c0c",
    foreground_strong="#0b0c0c",
    foreground_subtle="#b1b4b6",
    opacity="1",
    opacity_hover="1",
    colors=COLOURS,
    font_family=FONT,
    title_font_family=FONT,
    label_font_family=FONT,
    major_label_font_family=FONT,
    value_font_family=FONT,
    legend_font_family=FONT,
    title_font_size=16,
    label_font_size=11,
    major_label_font_size=11,
    legend_font_size=12,
    value_font_size=10,
)

WIDTH = 720
HEIGHT = 340


def money_label(value) -> str:
    """An axis or value label in pounds: £1,234 (whole pounds: axes need no pence)."""
    if value is None:
        return ""
    sign = "-" if value < 0 else ""
    return f"{sign}£{abs(value):,.0f}"


def count_label(value) -> str:
    return "" if value is None else f"{value:,.0f}"


def _number(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    return float(value)


def _config(title: str, *, money: bool, legend: bool = True, **extra) -> dict:
    return {
        "title": title,
        "style": STYLE,
        "width": WIDTH,
        "height": HEIGHT,
        "explicit_size": True,
        "js": [],
        "disable_xml_declaration": True,
        "show_legend": legend,
        "legend_at_bottom": True,
        "truncate_label": 28,
        "truncate_legend": 40,
        "value_formatter": money_label if money else count_label,
        "print_values": False,
        "margin": 12,
        **extra,
    }


#: pygal writes its configuration into a <script> for its browser tooltips. A printed
#: report needs none; every "<" in the SVG's text is escaped, so the first "</script>"
#: closes the element.
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S)
#: Its legend entries carry ids for those tooltips, the same in every chart: two charts
#: in one document would define each id twice.
_LEGEND_ID = re.compile(r'\sid="activate-serie-\d+"')


def _render(chart) -> SafeString:
    # pygal escapes every label and title while building its element tree.
    svg = _LEGEND_ID.sub("", _SCRIPT.sub("", chart.render(is_unicode=True)))
    return mark_safe(svg)  # noqa: S308


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence]],
    *,
    money: bool = True,
    horizontal: bool = False,
    stacked: bool = False,
) -> SafeString:
    """Bars for each label, one bar (or one stacked part) per series."""
    kind = (
        (pygal.StackedBar if not horizontal else pygal.HorizontalStackedBar)
        if stacked
        else (pygal.HorizontalBar if horizontal else pygal.Bar)
    )
    extra = {"x_label_rotation": 0 if horizontal or len(labels) <= 6 else 30}
    if horizontal:
        extra["height"] = max(HEIGHT, 60 + 28 * len(labels))
    chart = kind(**_config(title, money=money, legend=len(series) > 1, **extra))
    chart.x_labels = list(labels)
    for name, values in series:
        chart.add(name, [_number(v) for v in values])
    return _render(chart)


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence]],
    *,
    money: bool = False,
) -> SafeString:
    """Lines over time: ``labels`` are the periods; a missing figure is a gap."""
    chart = pygal.Line(
        **_config(
            title,
            money=money,
            x_label_rotation=30 if len(labels) > 6 else 0,
            dots_size=4,
            allow_interruptions=True,
        )
    )
    chart.x_labels = list(labels)
    for name, values in series:
        chart.add(name, [_number(v) for v in values])
    return _render(chart)


def pie_chart(
    title: str, slices: Sequence[tuple[str, object]], *, money: bool = True
) -> SafeString:
    """Shares of a whole: one slice per (label, figure); zero figures are left out."""
    chart = pygal.Pie(**_config(title, money=money, inner_radius=0.45))
    for label, value in slices:
        if value:
            chart.add(label, [_number(value)])
    return _render(chart)
