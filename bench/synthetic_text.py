"""Titles, genres, links and tags for the synthetic dataset (see bench.synthetic).

Titles mix common English title words with made-up words built from syllables, so title search
meets a vocabulary of realistic size; about one title in ten carries MovieLens's trailing
article ("Long Night, The (1994)") and some have commas, so CSV quoting is exercised too.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from catalog.movielens import NO_GENRES

COMMON_WORDS = (
    "Night Love Man Last Dark Day Story House King Girl Life Dead World Blood Time Return Secret City Black "
    "Little Big Home Lost Star Heart Island Road Summer Winter Road Fire Water Shadow Dream Wild Money War "
    "Game Moon Sun River Ghost Devil Angel Street Party Family Brother Sister Mother Father Child Kid Boy "
    "Woman Women Men Death Kill Killer Murder Hunter Last First New Old Red Blue White Golden Silent Lady "
    "Night's Paradise Journey Hotel Train Escape Battle Legend Prince Princess Queen Monster Dragon Magic "
    "Song Dance Music Beyond Inside Under Over After Before Under Edge Falling Rising Return Revenge Truth"
).split()
COMMON_WORDS = list(dict.fromkeys(COMMON_WORDS))
ARTICLES = ("The", "A", "An")
JOINERS = ("of", "and", "in", "on", "to", "for", "with")
SYLLABLES = [c + v for c in "bcdfghklmnprstvz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]
# MovieLens genres with roughly their share of movies in ml-25m.
GENRE_SHARES = {
    "Drama": 0.41, "Comedy": 0.27, "Thriller": 0.14, "Romance": 0.12, "Action": 0.12, "Horror": 0.09,
    "Documentary": 0.09, "Crime": 0.09, "Adventure": 0.07, "Sci-Fi": 0.06, "Animation": 0.05,
    "Fantasy": 0.05, "Children": 0.04, "Mystery": 0.04, "War": 0.03, "Western": 0.02, "Musical": 0.02,
    "Film-Noir": 0.006, "IMAX": 0.003,
}
TAG_WORDS = (
    "atmospheric funny dark-comedy twist-ending based-on-a-book visually-appealing classic quirky "
    "thought-provoking cult-film slow boring violent beautiful soundtrack surreal satire dystopia "
    "time-travel true-story friendship family heist revenge space romance nudity disturbing "
    "great-acting overrated underrated philosophical stylized black-and-white remake sequel anime"
).split()
TAG_WORDS = [tag.replace("-", " ") for tag in TAG_WORDS]


def invented_words(n: int, rng: np.random.Generator) -> list[str]:
    """n distinct capitalised made-up words of two or three syllables."""
    words: dict[str, None] = {}
    syllables = np.array(SYLLABLES)
    while len(words) < n:
        lengths = rng.integers(2, 4, n)
        parts = syllables[rng.integers(0, len(syllables), (n, 3))]
        for row, length in zip(parts, lengths, strict=True):
            words["".join(row[:length]).capitalize()] = None
    return list(words)[:n]


def titles(n: int, rng: np.random.Generator) -> list[str]:
    """n titles of one to four words; a word's frequency falls with its rank (Zipf)."""
    vocabulary = np.array(COMMON_WORDS + invented_words(max(200, n // 3), rng))
    zipf = 1.0 / np.arange(1, len(vocabulary) + 1)
    picks = vocabulary[rng.choice(len(vocabulary), size=(n, 4), p=zipf / zipf.sum())]
    lengths = rng.choice([1, 2, 3, 4], size=n, p=[0.3, 0.4, 0.2, 0.1])
    joiner = rng.random(n) < 0.25
    article = rng.random(n) < 0.12
    sequel = rng.random(n) < 0.04
    out = []
    for words, length, join, lead, number in zip(picks, lengths, joiner, article, sequel, strict=True):
        words = list(words[:length])
        if join and length >= 2:
            words.insert(1, JOINERS[len(words[0]) % len(JOINERS)])
        title = " ".join(words)
        if lead:
            title = f"{title}, {ARTICLES[len(title) % len(ARTICLES)]}"
        out.append(f"{title} {2 + len(title) % 3}" if number else title)
    return out


def movies_and_links(movie_ids: np.ndarray, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """movies.csv (movieId, title with year, genres) and links.csv (movieId, imdbId, tmdbId) frames."""
    n = len(movie_ids)
    years = np.clip(2019 - np.floor(rng.exponential(14.0, n)), 1891, 2019).astype(int)
    flags = rng.random((n, len(GENRE_SHARES))) < np.array(list(GENRE_SHARES.values()))
    names = np.array(list(GENRE_SHARES))
    genres = ["|".join(names[row]) or NO_GENRES[0] for row in flags]
    movies = pd.DataFrame({
        "movieId": movie_ids,
        "title": [f"{title} ({year})" for title, year in zip(titles(n, rng), years, strict=True)],
        "genres": genres,
    })
    imdb = rng.choice(np.arange(1, 9_999_999), size=n, replace=False)
    tmdb = pd.array(rng.choice(np.arange(1, 700_000), size=n, replace=False), dtype="Int64")
    tmdb[rng.random(n) < 0.002] = pd.NA  # a few movies have no TMDB id, as in MovieLens
    links = pd.DataFrame({"movieId": movie_ids, "imdbId": [f"{i:07d}" for i in imdb], "tmdbId": tmdb})
    return movies, links


def tags(users: np.ndarray, movies: np.ndarray, timestamps: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """tags.csv rows (userId, movieId, tag, timestamp) for some rated pairs."""
    vocabulary = np.array(TAG_WORDS)
    zipf = 1.0 / np.arange(1, len(vocabulary) + 1)
    words = vocabulary[rng.choice(len(vocabulary), size=len(users), p=zipf / zipf.sum())]
    return pd.DataFrame({"userId": users, "movieId": movies, "tag": words, "timestamp": timestamps})
