"""The half-star rating widget, shared by the movie page and "My ratings"."""
from __future__ import annotations

from django import template

from ratings.models import HALF_STARS

register = template.Library()


def _label(value: float) -> str:
    return "1 star" if value == 1 else f"{value:g} stars"


@register.inclusion_tag("ratings/_rating_widget.html", takes_context=True)
def rating_widget(context, movie, rating=None, next_url: str = "", errors=None, compact: bool = False) -> dict:
    """Ten radio inputs (0.5–5.0) styled as stars, plus save and remove forms that work without JS."""
    score = rating.score if rating else None
    return {
        "movie": movie,
        "rating": rating,
        "choices": [{"value": f"{v:.1f}", "label": _label(v), "checked": v == score} for v in HALF_STARS],
        "next_url": next_url,
        "errors": errors or [],
        "compact": compact,
        "csrf_token": context.get("csrf_token"),
    }
