"""Title cards for movies without a poster: the full title set like a real poster's, styled by genre.

Pure Python: `poster_card` splits a title as people say it into an optional kicker (the series or
franchise before a colon: "The Lord of the Rings"), the main title ("The Two Towers") and an aside (an
alternative title in parentheses), picks a size for the main title by its length, a style from the
movie's most telling genre and a colour offset from its id, so films of one series differ at a glance
and the same film always looks the same.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from catalog.search import natural_title

# Most telling first: an animated musical is styled as animation, a sci-fi action film as sci-fi.
GENRE_PRIORITY = ("Animation", "Documentary", "Horror", "Film-Noir", "Western", "Musical", "Sci-Fi", "Fantasy",
                  "Crime", "Mystery", "Thriller", "Romance", "War", "Comedy", "Children", "Adventure", "Action",
                  "Drama", "IMAX")
_ASIDE = re.compile(r"^(?P<main>.+?)\s*\((?P<aside>[^()]+)\)\s*$")
# A one-word head keeps its colon in the title ("Mission: Impossible", "Alien: Resurrection").
_KICKER_WORDS = 2


@dataclass(frozen=True)
class PosterCard:
    kicker: str  # series name above the title ("" when none)
    title: str
    aside: str  # alternative title ("" when none)
    size: str  # "xl", "l", "m" or "s": the main title's type size
    style: str  # CSS slug of the genre style ("sci-fi", "drama", …, "plain")
    genre: str  # the genre named on the card ("" when none)
    seed: int  # hue offset in degrees, -24..24, from the movie id


def primary_genre(genres: Iterable[str]) -> str:
    """The genre a card is styled by: the first of GENRE_PRIORITY the movie has, else its first genre."""
    names = [g for g in genres if g and g != "(no genres listed)"]
    for genre in GENRE_PRIORITY:
        if genre in names:
            return genre
    return sorted(names)[0] if names else ""


def poster_card(*, movie_id: int, title: str, genres: Iterable[str]) -> PosterCard:
    """How to set a movie's title card (see the module docstring)."""
    name = natural_title(title or "").strip() or "Untitled"
    aside = ""
    if found := _ASIDE.match(name):
        name, aside = found["main"].strip(), found["aside"].strip()
        if aside.lower().startswith("a.k.a. "):
            aside = aside[7:]
    kicker, main = "", name
    head, colon, tail = name.partition(": ")
    if colon and tail and len(head.split()) >= _KICKER_WORDS and len(head) <= 40:
        kicker, main = head, tail
    genre = primary_genre(genres)
    return PosterCard(kicker=kicker, title=main, aside=aside, size=_size(main), style=_slug(genre) or "plain",
                      genre=genre, seed=(movie_id * 37) % 49 - 24)


def _size(title: str) -> str:
    longest = max((len(word) for word in title.split()), default=0)
    if len(title) <= 12 and longest <= 9:
        return "xl"
    if len(title) <= 26 and longest <= 12:
        return "l"
    return "m" if len(title) <= 48 else "s"


def _slug(genre: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", genre.lower()).strip("-")
