"""Template helpers for movie cards: poster URLs and the initials on generated placeholders."""
from __future__ import annotations

import re

from django import template
from django.conf import settings
from django.templatetags.static import static

from catalog.search import natural_title as _natural_title

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
    """A poster_path as an <img> src: absolute URLs as they are, TMDB's "/abc.jpg" on TMDB_IMAGE_BASE, else static."""
    if not path:
        return ""
    if path.startswith(("http://", "https://")):
        return path
    if path.startswith("/"):
        return f"{settings.TMDB_IMAGE_BASE}{path}"
    return static(path)


@register.filter
def natural_title(title: str) -> str:
    """ "Matrix, The" → "The Matrix", for titles inside sentences."""
    return _natural_title(title or "")
