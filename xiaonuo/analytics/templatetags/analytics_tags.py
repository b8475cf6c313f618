from functools import cache

from django import template
from django.contrib.staticfiles import finders
from django.templatetags.static import static

register = template.Library()

FULL = "vendor/echarts/echarts.min.js"
COMMON = "vendor/echarts/echarts.common.min.js"


@cache
def _full_build() -> bool:
    # The heat maps and the funnel need ECharts' full build; the console ships the "common" one.
    # Until the full one is vendored, analytics.js falls back to the coloured tables and bars.
    return finders.find(FULL) is not None


@register.simple_tag
def echarts_src() -> str:
    return static(FULL if _full_build() else COMMON)


@register.simple_tag
def echarts_full() -> str:
    return "1" if _full_build() else ""


@register.filter
def heat(rate: float) -> str:
    """A background for a retention cell: deeper green for a higher rate (the table is the
    heat map when charts are off)."""
    alpha = max(0.0, min(float(rate), 1.0)) * 0.85 + (0.05 if rate else 0)
    return f"background-color: rgba(15, 123, 108, {alpha:.2f}); color: {'#fff' if rate > 0.5 else 'inherit'}"
