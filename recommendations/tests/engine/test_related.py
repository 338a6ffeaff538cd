from __future__ import annotations

import pandas as pd
import pytest

from recommendations.engine.related import RelatedParams, related_movies, series_key


@pytest.mark.parametrize(("title", "key"), [
    ("Halloween 4: The Return of Michael Myers (1988)", "halloween"),
    ("Halloween H20: 20 Years Later", "halloween"),
    ("Godfather: Part II, The", "godfather"),
    ("Godfather, The", "godfather"),
    ("Toy Story 3", "toy story"),
    ("Star Wars: Episode IV - A New Hope", "star wars"),
    ("Lord of the Rings: The Two Towers, The", "lord of the rings"),
    ("Amélie", "amelie"),
    ("Up", "up"),
])
def test_a_films_series_is_its_title_without_sequel_numbers_and_subtitles(title, key):
    assert series_key(title) == key


def slasher_catalogue() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Film 1 and four numbered sequels (rated 1-2★ by few), three other well-liked horror films,
    and a comedy everyone rated."""
    titles = {1: "Nightfall", 2: "Nightfall 2", 3: "Nightfall 3", 4: "Nightfall 4", 5: "Nightfall 5",
              6: "The Cellar", 7: "Dark Water Rising", 8: "House on the Hill", 9: "Laugh Riot"}
    genres = {m: ["Horror"] for m in range(1, 9)} | {9: ["Comedy"]}
    movies = pd.DataFrame({"movie_id": list(titles), "title": list(titles.values()),
                           "genres": [genres[m] for m in titles], "tags": [["slasher"]] * 8 + [["funny"]]})
    rows = []
    for user in range(30):
        rows.append((user, 9, 3.5))
        rows.append((user, 1, 4.5))
        for film in (6, 7, 8):
            if user % 3 != film % 3:
                rows.append((user, film, 4.0))
        if user < 4:
            rows += [(user, sequel, 1.5) for sequel in (2, 3, 4, 5)]
    return movies, pd.DataFrame(rows, columns=["user_id", "movie_id", "score"])


def test_related_films_hold_at_most_two_of_a_series_and_well_rated_films_first():
    movies, ratings = slasher_catalogue()
    related = related_movies(movies, ratings, k=6)
    first = related[related["movie_id"] == 1].sort_values("rank")["similar_id"].tolist()
    assert first[:3] == sorted(first[:3]) and set(first[:3]) == {6, 7, 8}  # the rated-enough horror films first
    assert len(set(first) & {2, 3, 4, 5}) == 2  # then only two of its sequels
    assert 9 not in first  # co-watched by all, alike in nothing: not "similar"


def test_without_ratings_related_films_are_the_content_neighbours():
    movies, _ = slasher_catalogue()
    related = related_movies(movies, None, k=3, params=RelatedParams(per_series=10))
    assert set(related[related["movie_id"] == 1]["similar_id"]) <= {2, 3, 4, 5, 6, 7, 8}
    assert (related["rank"] >= 1).all() and related.groupby("movie_id").size().max() == 3
