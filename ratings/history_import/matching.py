"""Finding an export row's film in the catalogue (pure Python, no Django).

An IMDb id decides when the catalogue has it (MovieLens links give most films one). Otherwise the
title and year are compared: both titles are normalised (MovieLens's "Godfather, The" read as "The
Godfather", accents transliterated, punctuation and a leading article dropped, roman numerals read as
numbers) and scored with rapidfuzz's ratio against every title a catalogue film goes by (its main
title and the alternatives MovieLens keeps in brackets), among films released a year either side.

A wrong film is worse than none, so a row is only matched when one film clearly wins: a close second
makes it "ambiguous" (the viewer chooses), numbers that differ ("Scream" and "Scream 2") never match
on their own, and a low score is "unmatched".
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from unidecode import unidecode

from catalog.search import ARTICLES, natural_title
from ratings.history_import.formats import ExportRow

MATCHED, AMBIGUOUS, UNMATCHED = "matched", "ambiguous", "unmatched"

MATCH_MIN = 90.0  # a lone best film scoring at least this is matched without asking
MARGIN = 5.0  # ... and only if the runner-up scores at least this much less
CANDIDATE_MIN = 70.0  # below this a film is not offered at all
MAX_CANDIDATES = 5
YEAR_OFF_BY_ONE = 6.0  # festival vs release year: common, but an exact year wins a tie
YEAR_UNKNOWN = 3.0
PREFIX_ONLY = 6.0  # "Star Wars" for "Star Wars: Episode IV - A New Hope"
NUMBERS_DIFFER_CAP = 80.0  # "Toy Story" vs "Toy Story 2": offered, never matched automatically

ROMAN = {"ii": "2", "iii": "3", "iv": "4", "vi": "6", "vii": "7", "viii": "8", "ix": "9"}
_JOINERS = re.compile(r"['’`´.\-‐–]")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_BRACKETED = re.compile(r"\(([^()]*)\)")
_AKA = re.compile(r"^(?:a\.k\.a\.|aka)\s+", re.I)


def title_key(text: str) -> str:
    """A title as compared: "The Godfather: Part II" and "Godfather: Part II, The" → "godfather part 2"."""
    text = _JOINERS.sub("", unidecode(natural_title(text.strip())).lower().replace("&", " and "))
    words = [ROMAN.get(w, w) for w in _NON_WORD.split(text) if w]
    if len(words) > 1 and words[0] in ARTICLES:
        words = words[1:]
    return " ".join(words)


def _numbers(key: str) -> frozenset[str]:
    return frozenset(w for w in key.split() if w.isdigit())


def title_variants(title: str) -> list[tuple[str, float]]:
    """(key, penalty) for each title a catalogue film goes by.

    MovieLens writes "Seven (a.k.a. Se7en)" and "Amelie (Fabuleux destin d'Amélie Poulain, Le)": the
    bracketed names are alternatives, as good as the main one.
    """
    main, bracket, rest = title.partition(" (")
    main_natural = natural_title(main)
    variants = [(title_key(main_natural), 0.0)]
    for alternative in _BRACKETED.findall(bracket + rest):
        variants.append((title_key(_AKA.sub("", alternative.strip())), 0.0))
    if ":" in main_natural:
        variants.append((title_key(main_natural.split(":", 1)[0]), PREFIX_ONLY))
    lowest: dict[str, float] = {}
    for key, penalty in variants:
        if key and penalty < lowest.get(key, float("inf")):
            lowest[key] = penalty
    return list(lowest.items())


@dataclass(frozen=True)
class CatalogueFilm:
    id: int
    title: str
    year: int | None
    imdb_id: str = ""


@dataclass(frozen=True)
class Candidate:
    film_id: int
    score: float


@dataclass(frozen=True)
class Match:
    status: str  # MATCHED, AMBIGUOUS or UNMATCHED
    film_id: int | None = None
    method: str = ""  # "imdb" or "title"
    candidates: tuple[Candidate, ...] = ()


@dataclass(frozen=True)
class _Choice:
    film: int  # position in FilmMatcher.films
    key: str
    penalty: float


class FilmMatcher:
    """Matches export rows against one snapshot of the catalogue."""

    def __init__(self, films: Iterable[CatalogueFilm]) -> None:
        self.films = list(films)
        self.by_imdb: dict[str, list[int]] = {}
        self.by_year: dict[int | None, list[_Choice]] = {}
        for position, film in enumerate(self.films):
            if film.imdb_id:
                self.by_imdb.setdefault(film.imdb_id, []).append(position)
            choices = self.by_year.setdefault(film.year, [])
            choices.extend(_Choice(position, key, penalty) for key, penalty in title_variants(film.title))
        self._pools: dict[int | None, tuple[list[tuple[_Choice, float]], list[str]]] = {}

    def knows_imdb_id(self, imdb_id: str) -> bool:
        return bool(imdb_id) and imdb_id in self.by_imdb

    def match(self, row: ExportRow) -> Match:
        """The row's film: by IMDb id when the catalogue has it, else by title and year."""
        by_id = self.by_imdb.get(row.imdb_id, []) if row.imdb_id else []
        if len(by_id) == 1:
            film = self.films[by_id[0]]
            return Match(MATCHED, film.id, "imdb", (Candidate(film.id, 100.0),))
        if by_id:  # the catalogue lists one IMDb film twice: the viewer picks
            return Match(AMBIGUOUS, None, "imdb", tuple(Candidate(self.films[p].id, 100.0) for p in by_id))
        return self._match_title(row)

    def _match_title(self, row: ExportRow) -> Match:
        scores: dict[int, float] = {}
        for title in dict.fromkeys(t for t in (row.title, row.original_title) if t):
            for position, score in self._scores(title_key(title), row.year).items():
                film = self.films[position]
                if row.imdb_id and film.imdb_id and film.imdb_id != row.imdb_id:
                    continue  # the catalogue knows this film by another IMDb id: not the row's film
                scores[position] = max(score, scores.get(position, 0.0))
        ranked = sorted(scores.items(), key=lambda item: (-item[1], self.films[item[0]].id))[:MAX_CANDIDATES]
        candidates = tuple(Candidate(self.films[p].id, round(s, 1)) for p, s in ranked)
        if not candidates:
            return Match(UNMATCHED)
        best = candidates[0].score
        runner_up = candidates[1].score if len(candidates) > 1 else 0.0
        if best >= MATCH_MIN and best - runner_up >= MARGIN:
            return Match(MATCHED, candidates[0].film_id, "title", candidates)
        return Match(AMBIGUOUS, None, "title", candidates)

    def _scores(self, key: str, year: int | None) -> dict[int, float]:
        """Film position → best score of its titles against the key, after year and number penalties."""
        if not key:
            return {}
        pool, keys = self._pool(year)
        numbers = _numbers(key)
        best: dict[int, float] = {}
        hits = process.extract(key, keys, scorer=fuzz.ratio, score_cutoff=CANDIDATE_MIN, limit=None)
        for _, raw, index in hits:
            choice, year_penalty = pool[index]
            if _numbers(choice.key) != numbers:
                raw = min(raw, NUMBERS_DIFFER_CAP)
            score = raw - choice.penalty - year_penalty
            if score >= CANDIDATE_MIN and score > best.get(choice.film, -1.0):
                best[choice.film] = score
        return best

    def _pool(self, year: int | None) -> tuple[list[tuple[_Choice, float]], list[str]]:
        """The titles worth comparing with a row of this year, each with its year penalty (and their keys)."""
        if year not in self._pools:
            if year is None:
                pool = [(c, YEAR_UNKNOWN) for choices in self.by_year.values() for c in choices]
            else:
                pool = [(c, 0.0) for c in self.by_year.get(year, [])]
                pool += [(c, YEAR_OFF_BY_ONE) for y in (year - 1, year + 1) for c in self.by_year.get(y, [])]
                pool += [(c, YEAR_UNKNOWN) for c in self.by_year.get(None, [])]
            self._pools[year] = (pool, [choice.key for choice, _ in pool])
        return self._pools[year]
