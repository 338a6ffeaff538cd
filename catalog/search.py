"""Forgiving title search: accents, case, "The" anywhere or nowhere, and small typos.

Pure Python (no Django): catalog.selectors builds a TitleIndex from movie titles (on PostgreSQL
from the few a trigram index finds, on SQLite one per process from them all) and asks it for
matching movie ids. The database then filters, sorts and paginates them.

How a query matches a title:
- Both are normalised: transliterated to ASCII (Unidecode), lower-cased, "Matrix, The" read as
  "The Matrix", apostrophes, dots and hyphens dropped ("Schindler's" → "schindlers",
  "Spider-Man" → "spiderman"), "&" read as "and".
- Every query word that is not an article must occur in the title (as part of it, like "godf"
  in "godfather"); articles ("the", "a", "la", ...) count when present but are never required.
- A word of three or more letters that occurs nowhere may match a title word a small edit
  distance away (optimal string alignment: a swap of two letters is one edit).
- Titles are ranked by total edits; only the best tier is returned, so a correctly spelled
  query never shows typo neighbours and a misspelt one shows its closest titles.
"""
from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA
from unidecode import unidecode

ARTICLES = frozenset({"the", "a", "an", "la", "le", "les", "l", "el", "il", "lo", "los", "las", "der", "die", "das"})
# A missing article costs less than one typo, so "the toy story" still finds "Toy Story".
MISSING_ARTICLE_COST = 0.5
_CACHED_QUERIES = 512

_TRAILING_ARTICLE = re.compile(r"^(?P<main>.*\S),\s*(?P<article>" + "|".join(sorted(ARTICLES)) + r")$", re.I)
_JOINERS = re.compile(r"['’`´.\-‐–]")
_WORD = re.compile(r"[a-z0-9]+")


def max_edits(word: str) -> int:
    """How many typos a query word may contain: none for one or two letters, two from six letters."""
    if len(word) <= 2:
        return 0
    return 1 if len(word) <= 5 else 2


def natural_title(title: str) -> str:
    """MovieLens's sortable "Matrix, The" as people say it, "The Matrix" (for use in sentences)."""
    main, paren, rest = title.partition(" (")
    moved = _TRAILING_ARTICLE.match(main.strip())
    if not moved:
        return title
    return f"{moved['article']} {moved['main']}{paren}{rest}"


def title_words(text: str) -> list[str]:
    """A title or query as normalised words, e.g. "Amélie, L' (2001)" → ["l", "amelie", "2001"]."""
    text = unidecode(natural_title(text)).lower().replace("&", " and ")
    return _WORD.findall(_JOINERS.sub("", text))


def query_terms(query: str) -> tuple[list[str], list[str]]:
    """(required, optional) normalised words of a query: articles are optional unless it has nothing else."""
    words = list(dict.fromkeys(title_words(query)))
    required = [w for w in words if w not in ARTICLES] or words
    return required, [w for w in words if w not in required]


@dataclass(frozen=True)
class TitleMatch:
    ids: Collection[int]  # on PostgreSQL, a match needing no ranking is a lazy query of the ids
    edits: int  # typos corrected to reach these titles (0: the query matched as typed)


NO_MATCH = TitleMatch(ids=[], edits=0)


@dataclass
class TitleIndex:
    """Normalised titles for one catalogue snapshot; search() returns movie ids in the best tier."""

    ids: list[int]
    compact: list[str]  # each title's words run together: substring tests span word breaks
    words: list[frozenset[str]]
    vocabulary: list[str]
    postings: dict[str, list[int]]  # word → positions of the titles that contain it
    _memo: dict[str, TitleMatch] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, titles: Iterable[tuple[int, str]]) -> TitleIndex:
        ids: list[int] = []
        compact: list[str] = []
        words: list[frozenset[str]] = []
        postings: dict[str, list[int]] = {}
        for position, (movie_id, title) in enumerate(titles):
            normalised = title_words(title)
            ids.append(movie_id)
            compact.append("".join(normalised))
            words.append(frozenset(normalised))
            for word in words[-1]:
                postings.setdefault(word, []).append(position)
        return cls(ids=ids, compact=compact, words=words, vocabulary=list(postings), postings=postings)

    def search(self, query: str) -> TitleMatch:
        """The titles that match the query best (no ids when nothing is close)."""
        if query not in self._memo:
            if len(self._memo) >= _CACHED_QUERIES:
                self._memo.clear()
            self._memo[query] = self._search(query)
        return self._memo[query]

    def _search(self, query: str) -> TitleMatch:
        required, optional = query_terms(query)
        if not required:
            return NO_MATCH
        totals: dict[int, float] | None = None
        for word in required:
            costs = self._word_costs(word)
            if totals is None:
                totals = costs
            else:
                totals = {p: totals[p] + c for p, c in costs.items() if p in totals}
            if not totals:
                return NO_MATCH
        assert totals is not None
        for word in optional:
            for position in totals:
                if word not in self.words[position]:
                    totals[position] += MISSING_ARTICLE_COST
        best = min(totals.values())
        return TitleMatch(ids=[self.ids[p] for p, cost in totals.items() if cost == best], edits=int(best))

    def _word_costs(self, word: str) -> dict[int, float]:
        """Title position → edits needed for this query word (0 when it occurs as it is)."""
        costs: dict[int, float] = {p: 0.0 for p, text in enumerate(self.compact) if word in text}
        limit = max_edits(word)
        if limit:
            for near, edits, _ in process.extract(
                word, self.vocabulary, scorer=OSA.distance, score_cutoff=limit, limit=None
            ):
                for position in self.postings[near]:
                    if edits < costs.get(position, limit + 1):
                        costs[position] = float(edits)
        return costs
