"""Finding films: IMDb id first, then title and year; never a confident wrong guess."""
from __future__ import annotations

import pytest

from ratings.history_import.formats import ExportRow, parse_export
from ratings.history_import.matching import (
    AMBIGUOUS,
    MATCHED,
    UNMATCHED,
    CatalogueFilm,
    FilmMatcher,
    title_key,
)
from ratings.tests.history_samples import CATALOGUE, IMDB_TRUTH, LETTERBOXD_EMMA_LINE, LETTERBOXD_TRUTH, SAMPLES


@pytest.fixture(scope="module")
def matcher() -> FilmMatcher:
    return FilmMatcher(CatalogueFilm(ml_id, title, year, imdb_id) for ml_id, title, year, imdb_id in CATALOGUE)


def row(title: str, year: int | None, imdb_id: str = "") -> ExportRow:
    return ExportRow(line=2, title=title, year=year, score=4.0, rated_on=None, imdb_id=imdb_id)


@pytest.mark.parametrize("a, b", [
    ("The Godfather", "Godfather, The"),
    ("The Godfather Part II", "Godfather: Part II, The"),
    ("Amélie", "Amelie"),
    ("Schindler's List", "Schindlers List"),
    ("Dr. Strangelove", "Dr Strangelove"),
    ("Fast & Furious", "Fast and Furious"),
])
def test_titles_compare_without_articles_accents_or_punctuation(a, b):
    assert title_key(a) == title_key(b)


@pytest.mark.parametrize("title, year, expected", [
    ("The Godfather", 1972, 858),
    ("Se7en", 1995, 47),  # MovieLens: "Seven (a.k.a. Se7en)"
    ("Amélie", 2001, 4973),  # MovieLens: "Amelie (Fabuleux destin d'Amélie Poulain, Le)"
    ("Star Wars", 1977, 260),  # MovieLens: "Star Wars: Episode IV - A New Hope"
    ("Run Lola Run", 1999, 2692),  # a year off
    ("Harry Potter and the Philosopher's Stone", 2001, 4896),  # the UK title, kept as an alternative
    ("Moonlight", 2016, 162414),  # the catalogue has no year for it
    ("Scream 2", 1997, 1717),
    ("Scream", 1996, 1407),
])
def test_a_title_and_year_find_the_film(matcher, title, year, expected):
    found = matcher.match(row(title, year))
    assert (found.status, found.film_id, found.method) == (MATCHED, expected, "title")


def test_two_films_of_one_title_and_year_are_ambiguous(matcher):
    found = matcher.match(row("Emma", 1996))
    assert found.status == AMBIGUOUS and {c.film_id for c in found.candidates} == {838, 26958}


def test_an_imdb_id_settles_what_the_title_cannot(matcher):
    assert matcher.match(row("Emma", 1996, "tt0118308")).film_id == 26958
    assert matcher.match(row("Some other name", 1970, "tt0068646")).film_id == 858


def test_a_film_known_by_another_imdb_id_is_never_the_title_match(matcher):
    # Parasite (2019) shares nothing but a title with the catalogue's Parasite (1982); with a year off and
    # a different IMDb id it must not be guessed.
    assert matcher.match(row("Parasite", 1983, "tt6751668")).status == UNMATCHED
    assert matcher.match(row("Parasite", 1983)).status == MATCHED


@pytest.mark.parametrize("title, year", [("Parasite", 2019), ("Toy Story 3", 2010), ("Godfather", 1985),
                                         ("Crash", 2000), ("Heat", 2013)])
def test_a_film_the_catalogue_lacks_is_unmatched(matcher, title, year):
    assert matcher.match(row(title, year)).status == UNMATCHED


def test_a_sequel_number_is_never_matched_away(matcher):
    found = matcher.match(row("Toy Story 2", 1996))  # wrong year: only "Toy Story" (1995) is near
    assert found.status != MATCHED


SAMPLE_TRUTHS = [("letterboxd-ratings.csv", LETTERBOXD_TRUTH), ("imdb-ratings.csv", IMDB_TRUTH)]


@pytest.mark.parametrize("name, truth", SAMPLE_TRUTHS)
def test_the_samples_match_without_a_wrong_film(matcher, name, truth):
    parsed = parse_export((SAMPLES / name).read_bytes(), max_rows=1000)
    results = {r.line: matcher.match(r) for r in parsed.rows if r.is_film}
    wrong = {line: m.film_id for line, m in results.items() if m.status == MATCHED and m.film_id != truth[line]}
    in_catalogue = [line for line, film in truth.items() if film is not None]
    automatic = [line for line in in_catalogue if results[line].status == MATCHED]
    assert wrong == {}
    assert len(automatic) / len(in_catalogue) >= 0.95
    if name.startswith("letterboxd"):
        assert results[LETTERBOXD_EMMA_LINE].status == AMBIGUOUS


def test_the_whole_ml_latest_small_catalogue_matches_itself_by_natural_title(shared_datasets):
    """Every film of ml-latest-small, written as a viewer's export would ("The Matrix", no alternative titles)."""
    from pathlib import Path

    import pandas as pd

    from catalog.movielens import read_movielens
    from catalog.search import natural_title

    data = read_movielens("ml-latest-small", Path(shared_datasets) / "ml-latest-small")
    films = [CatalogueFilm(int(m.movie_id), m.title, None if pd.isna(m.year) else int(m.year))
             for m in data.movies.itertuples()]
    matcher = FilmMatcher(films)
    twins = {}  # films sharing a natural title and year with another one: only the viewer can tell
    for film in films:
        twins.setdefault((title_key(film.title.partition(" (")[0]), film.year), []).append(film.id)
    outcomes = {"matched": 0, "wrong": 0, "other": 0}
    for film in films:
        found = matcher.match(row(natural_title(film.title.partition(" (")[0]), film.year))
        if found.status == MATCHED:
            outcomes["matched" if found.film_id == film.id else "wrong"] += 1
        else:
            outcomes["other"] += 1
    assert outcomes["wrong"] == 0
    assert outcomes["matched"] / len(films) >= 0.99, outcomes
    twin_films = sum(len(ids) for ids in twins.values() if len(ids) > 1)
    assert outcomes["other"] >= twin_films  # each twin is left to the viewer, not guessed
