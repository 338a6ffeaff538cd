from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ratings.models import HiddenMovie, WatchlistEntry
from ratings.services import movie_hide, movie_unhide, rating_delete, rating_upsert, watchlist_add, watchlist_remove

pytestmark = pytest.mark.django_db


@pytest.fixture
def refreshes(monkeypatch) -> list[int]:
    """User ids whose recommendations were invalidated (after commit)."""
    calls: list[int] = []
    monkeypatch.setattr(
        "recommendations.services.user_recommendations_invalidate", lambda *, user_id: calls.append(user_id)
    )
    return calls


class TestMovieRatingTotals:
    def test_insert_change_and_delete_keep_count_sum_and_mean_exact(self, user, other_user, movie):
        rating_upsert(user=user, movie=movie, score=4)
        rating_upsert(user=other_user, movie=movie, score=2.5)
        rating_upsert(user=user, movie=movie, score=5)  # a change of score: still two ratings
        movie.refresh_from_db()
        assert (movie.rating_count, movie.rating_sum, movie.rating_mean) == (2, 7.5, 3.75)

        rating_delete(user=other_user, movie=movie)
        movie.refresh_from_db()
        assert (movie.rating_count, movie.rating_sum, movie.rating_mean) == (1, 5.0, 5.0)

        rating_delete(user=user, movie=movie)
        movie.refresh_from_db()
        assert (movie.rating_count, movie.rating_sum, movie.rating_mean) == (0, 0.0, None)

    def test_a_rating_write_never_aggregates_the_movies_ratings(self, user, other_user, movie):
        rating_upsert(user=other_user, movie=movie, score=3)
        with CaptureQueriesContext(connection) as queries:
            rating_upsert(user=user, movie=movie, score=4)
            rating_upsert(user=user, movie=movie, score=4.5)
            rating_delete(user=user, movie=movie)

        statements = " ".join(q["sql"].upper() for q in queries.captured_queries)
        assert "COUNT(" not in statements and "AVG(" not in statements and "SUM(" not in statements
        movie.refresh_from_db()
        assert (movie.rating_count, movie.rating_mean) == (1, 3.0)

    def test_deleting_a_rating_that_is_not_there_changes_nothing(self, user, movie):
        assert rating_delete(user=user, movie=movie) is False
        movie.refresh_from_db()
        assert (movie.rating_count, movie.rating_sum) == (0, 0.0)


class TestWatchlist:
    def test_adding_twice_keeps_one_entry_and_refreshes_picks_once(
        self, user, movie, refreshes, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            first = watchlist_add(user=user, movie=movie)
            second = watchlist_add(user=user, movie=movie)

        assert first.pk == second.pk
        assert WatchlistEntry.objects.count() == 1
        assert refreshes == [user.pk]

    def test_removing_says_whether_it_was_there(self, user, movie, refreshes, django_capture_on_commit_callbacks):
        watchlist_add(user=user, movie=movie)

        with django_capture_on_commit_callbacks(execute=True):
            assert watchlist_remove(user=user, movie=movie) is True
            assert watchlist_remove(user=user, movie=movie) is False

        assert not WatchlistEntry.objects.exists()
        assert refreshes == [user.pk]

    def test_it_is_per_user(self, user, other_user, movie):
        watchlist_add(user=user, movie=movie)
        watchlist_add(user=other_user, movie=movie)
        watchlist_remove(user=other_user, movie=movie)

        assert list(WatchlistEntry.objects.values_list("user", flat=True)) == [user.pk]


class TestHide:
    def test_hiding_twice_keeps_one_row_and_unhide_undoes_it(
        self, user, movie, refreshes, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            movie_hide(user=user, movie=movie)
            movie_hide(user=user, movie=movie)
        assert HiddenMovie.objects.count() == 1

        with django_capture_on_commit_callbacks(execute=True):
            assert movie_unhide(user=user, movie=movie) is True
            assert movie_unhide(user=user, movie=movie) is False

        assert not HiddenMovie.objects.exists()
        assert refreshes == [user.pk, user.pk]
