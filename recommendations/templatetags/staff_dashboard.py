"""Formatting for the staff dashboard's model versions table."""
from __future__ import annotations

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

register = template.Library()

DASH = "—"


@register.filter
def duration(seconds: float | None) -> str:
    """Training time in words a person reads at a glance: "0.8 s", "42 s", "3 min 05 s", "1 h 02 min"."""
    if seconds is None:
        return DASH
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


@register.filter
def count(value: int | None) -> str:
    """A data-size count with thousands separators; a dash where nothing was counted (0 or None)."""
    return intcomma(value) if value else DASH


@register.filter
def metric(value: float | None) -> str:
    return DASH if value is None else f"{value:.4f}"
