from __future__ import annotations

import pytest
from django.db import connection, transaction

from catalog import selectors
from catalog.models import Movie
from catalog.selectors import movie_search, onboarding_movies
from catalog.tests.factories import MovieFactory
from conftest import skip_or_fail

pytestmark = pytest.mark.django_db


def titles(movies) -> list[str]:
    return [m.title for m in movies]


class TestMovieSearch:
    def test_it_finds_titles_despite_typos_articles_and_accents(self):
        MovieFactory(title="Godfather, The", rating_count=300)
        MovieFactory(title="Amélie", rating_count=100)
        MovieFactory(title="Heat", rating_count=200)

        assert titles(movie_search(query="the godfater")) == ["Godfather, The"]
        assert titles(movie_search(query="AMELIE")) == ["Amélie"]

    def test_it_combines_the_query_with_genres_years_and_sort(self):
        MovieFactory(title="Alien", year=1979, rating_count=10, genres=["Horror"])
        MovieFactory(title="Aliens", year=1986, rating_count=20, genres=["Horror", "Action"])
        MovieFactory(title="Alien Nation", year=1988, rating_count=5, genres=["Sci-Fi"])

        assert titles(movie_search(query="alien", genres=["Horror"])) == ["Aliens", "Alien"]
        assert titles(movie_search(query="alien", year_min=1980, sort="title")) == ["Alien Nation", "Aliens"]

    def test_a_renamed_movie_is_found_by_its_new_title_at_once(self):
        heat = MovieFactory(title="Heat")
        assert titles(movie_search(query="heat")) == ["Heat"]

        MovieFactory(title="Heat Wave")
        heat.title = "Cold Feet"
        heat.save()

        assert titles(movie_search(query="heat")) == ["Heat Wave"]
        assert titles(movie_search(query="cold")) == ["Cold Feet"]


class TestSQLiteTitleIndex:
    """SQLite has no trigram index: each process keeps every title in a catalog.search.TitleIndex."""

    def test_it_notices_movies_changed_elsewhere_once_the_change_check_is_due(self, monkeypatch):
        heat = MovieFactory(title="Heat")
        MovieFactory(title="Heat Wave")
        assert len(selectors.title_index().search("heat").ids) == 2

        Movie.objects.filter(pk=heat.pk).update(title="Cold Feet")  # as another process would: no signal here
        monkeypatch.setattr(selectors, "SIGNATURE_CHECK_SECONDS", 0.0)

        assert selectors.title_index().search("heat").ids == [heat.pk + 1]

    def test_it_is_reused_while_the_catalogue_is_unchanged(self, django_assert_num_queries, monkeypatch):
        MovieFactory(title="Heat")
        index = selectors.title_index()

        with django_assert_num_queries(0):  # the change check was just made
            assert selectors.title_index() is index
        monkeypatch.setattr(selectors, "SIGNATURE_CHECK_SECONDS", 0.0)
        with django_assert_num_queries(1):  # the change check only
            assert selectors.title_index() is index


class TestPostgresTitleSearch:
    @pytest.fixture(autouse=True)
    def _postgres(self):
        if connection.vendor != "postgresql":
            skip_or_fail("the trigram index exists only on PostgreSQL (set DATABASE_URL)")

    @pytest.mark.parametrize("typos", [False, True])
    def test_the_candidate_titles_come_from_the_trigram_index(self, typos):
        with transaction.atomic(), connection.cursor() as cursor:
            # A test table is small enough to read whole: ask for the plan a large catalogue gets.
            cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off")
            plan = selectors._title_candidate_query(["godfater"], typos=typos).explain()

        assert "catalog_movie_title_trgm" in plan

    def test_a_swapped_letter_in_a_short_word_is_forgiven(self):
        MovieFactory(title="Alien")
        MovieFactory(title="Aliens")
        MovieFactory(title="Heat")

        match = selectors.movie_title_matches(query="alein")

        assert len(match.ids) == 1 and match.edits == 1


class TestOnboardingMovies:
    @pytest.fixture
    def pool(self):
        return [MovieFactory(rating_count=100 + i, genres=[g], year=y)
                for i, (g, y) in enumerate((g, y) for g in ("Drama", "Comedy", "Horror") for y in (1960, 1980, 2000))]

    def test_it_takes_one_film_from_each_genre_and_decade_before_a_second(self, pool):
        movies = onboarding_movies(seed=1, n=9)

        assert len({(m.genres.first().name, m.year) for m in movies}) == 9

    def test_it_leaves_out_unrated_and_excluded_films_and_can_move_on(self, pool):
        unrated = MovieFactory(rating_count=0)
        everything = onboarding_movies(seed=3, n=20)

        assert unrated not in everything
        assert pool[0] not in onboarding_movies(seed=3, n=20, exclude={pool[0].pk})
        assert onboarding_movies(seed=3, n=3, offset=3) == everything[3:6]
        assert onboarding_movies(seed=3, n=2, offset=9) == everything[:2], "wraps round"


class TestOneDefinitionOfPopularity:
    """Pages (SQL) and the engine (numpy) rank movies by the same popularity and damped mean."""

    def test_the_movie_list_and_the_engine_put_movies_in_the_same_order(self):
        import pandas as pd

        from recommendations.engine.popularity import popularity_ranking

        scores = {"Crowd pleaser": [4.0] * 40, "Cult hit": [5.0] * 6, "Flop": [1.5] * 60,
                  "One fan": [5.0], "Solid": [3.5] * 25 + [4.5] * 10}
        rows = []
        for title, stars in scores.items():
            movie = MovieFactory(title=title, rating_count=len(stars), rating_mean=sum(stars) / len(stars))
            rows += [{"user_id": u, "movie_id": movie.pk, "score": s} for u, s in enumerate(stars)]
        engine = popularity_ranking(pd.DataFrame(rows))
        engine_titles = [Movie.objects.get(pk=pk).title for pk in engine.index]

        assert titles(movie_search(sort="popular")) == engine_titles
        assert engine_titles[0] == "Crowd pleaser" and engine_titles[-1] == "One fan"
        by_damped_mean = engine.sort_values("damped_mean", ascending=False, kind="stable")
        highest = list(movie_search(sort="rating"))
        assert [m.title for m in highest if m.rating_count >= selectors.HIGHEST_RATED_MIN_RATINGS] == [
            Movie.objects.get(pk=pk).title for pk in by_damped_mean.index
            if by_damped_mean.loc[pk, "count"] >= selectors.HIGHEST_RATED_MIN_RATINGS
        ]
