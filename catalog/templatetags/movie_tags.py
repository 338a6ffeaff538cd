"""Template helpers for movie cards: poster URLs and the title cards that stand in for missing posters."""
from __future__ import annotations

from django import template
from django.conf import settings
from django.templatetags.static import static

from catalog.poster_cards import PosterCard
from catalog.poster_cards import poster_card as _poster_card
from catalog.search import natural_title as _natural_title

register = template.Library()


@register.simple_tag
def poster_card(movie) -> PosterCard:
    """The title card of a movie without a poster (catalog.poster_cards); genres as prefetched."""
    return _poster_card(movie_id=movie.pk or 0, title=movie.title,
                        genres=[genre.name for genre in movie.genres.all()] if movie.pk else [])


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


@register.filter
def get_item(mapping, key):
    """mapping[key], or None (for a page's per-movie lookups such as the viewer's own stars)."""
    return mapping.get(key) if mapping else None
