"""Template helpers for movie cards: poster URLs and the initials on generated placeholders."""
from __future__ import annotations

import re

from django import template
from django.templatetags.static import static

register = template.Library()

_SMALL_WORDS = {"a", "an", "and", "of", "the", "in", "on", "to", "for", "at", "de", "la", "le"}
_ARTICLE_SUFFIX = re.compile(r",\s*(the|a|an|les|la|le|il|el|der|die|das)$", re.IGNORECASE)


@register.filter
def initials(title: str) -> str:
    """Up to two capital letters for a placeholder poster: "Matrix, The (1999)" → "M"."""
    name = re.sub(r"\s*\(.*?\)\s*", " ", title or "").strip()
    name = _ARTICLE_SUFFIX.sub("", name)
    words = [w for w in re.split(r"[^\w]+", name) if w]
    words = [w for w in words if w.lower() not in _SMALL_WORDS] or words
    return "".join(w[0] for w in words[:2]).upper() or "?"


@register.filter
def poster_url(path: str) -> str:
    """A poster_path as an <img> src: absolute URLs and root paths as they are, else a static file."""
    if not path:
        return ""
    if path.startswith(("http://", "https://", "/")):
        return path
    return static(path)
