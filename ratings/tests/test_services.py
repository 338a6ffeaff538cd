from __future__ import annotations

import pytest

from ratings.models import HiddenMovie, WatchlistEntry
from ratings.services import movie_hide, movie_unhide, watchlist_add, watchlist_remove

pytestmark = pytest.mark.django_db


@pytest.fixture
def refreshes(monkeypatch) -> list[int]:
    """User ids whose recommendations were invalidated (after commit)."""
    calls: list[int] = []
    monkeypatch.setattr(
        "recommendations.services.user_recommendations_invalidate", lambda *, user_id: calls.append(user_id)
    )
    return calls


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
