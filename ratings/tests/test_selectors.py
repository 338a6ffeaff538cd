from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.tests.factories import MovieFactory
from ratings.models import HiddenMovie, WatchlistEntry
from ratings.selectors import (
    movie_rating_histogram,
    user_excluded_movie_ids,
    user_ratings,
    user_scores_and_hidden_ids,
)
from ratings.tests.factories import RatingFactory

pytestmark = pytest.mark.django_db


def test_excluded_movies_are_rated_hidden_and_watchlisted_ones_of_that_user_only(user, other_user):
    rated, hidden, listed, theirs, free = MovieFactory.create_batch(5)
    RatingFactory(user=user, movie=rated)
    HiddenMovie.objects.create(user=user, movie=hidden)
    WatchlistEntry.objects.create(user=user, movie=listed)
    RatingFactory(user=other_user, movie=theirs)
    HiddenMovie.objects.create(user=other_user, movie=free)

    assert user_excluded_movie_ids(user_id=user.pk) == {rated.pk, hidden.pk, listed.pk}
    assert user_excluded_movie_ids(user_id=user.pk, watchlist=False) == {rated.pk, hidden.pk}


def test_recommendation_inputs_list_scores_newest_first_and_what_the_user_set_aside(user, other_user):
    old, new, middle, hidden, listed, theirs = MovieFactory.create_batch(6)
    now = timezone.now()
    RatingFactory(user=user, movie=old, score=5.0, rated_at=now - timedelta(days=9))
    RatingFactory(user=user, movie=new, score=2.0, rated_at=now - timedelta(days=1))
    RatingFactory(user=user, movie=middle, score=3.5, rated_at=now - timedelta(days=5))
    HiddenMovie.objects.create(user=user, movie=hidden)
    WatchlistEntry.objects.create(user=user, movie=listed)
    RatingFactory(user=other_user, movie=theirs)
    HiddenMovie.objects.create(user=other_user, movie=theirs)

    scores, set_aside = user_scores_and_hidden_ids(user_id=user.pk)

    assert list(scores.items()) == [(new.pk, 2.0), (middle.pk, 3.5), (old.pk, 5.0)]
    assert set_aside == {hidden.pk, listed.pk}
    assert user_scores_and_hidden_ids(user_id=user.pk, watchlist=False)[1] == {hidden.pk}


class TestUserRatings:
    @pytest.fixture
    def shelf(self, user):
        now = timezone.now()
        return [
            RatingFactory(user=user, score=4.5, rated_at=now - timedelta(days=3),
                          movie=MovieFactory(title="Alien", year=1979, genres=["Horror", "Sci-Fi"])),
            RatingFactory(user=user, score=2.0, rated_at=now - timedelta(days=1),
                          movie=MovieFactory(title="Heat", year=1995, genres=["Crime"])),
            RatingFactory(user=user, score=5.0, rated_at=now - timedelta(days=2),
                          movie=MovieFactory(title="Aliens", year=1986, genres=["Sci-Fi"])),
        ]

    @staticmethod
    def titles(ratings) -> list[str]:
        return [r.movie.title for r in ratings]

    @pytest.mark.parametrize(
        ("sort", "expected"),
        [
            ("newest", ["Heat", "Aliens", "Alien"]),
            ("oldest", ["Alien", "Aliens", "Heat"]),
            ("highest", ["Aliens", "Alien", "Heat"]),
            ("lowest", ["Heat", "Alien", "Aliens"]),
            ("title", ["Alien", "Aliens", "Heat"]),
            ("year", ["Heat", "Aliens", "Alien"]),
            ("nonsense", ["Heat", "Aliens", "Alien"]),
        ],
    )
    def test_it_sorts(self, user, shelf, sort, expected):
        assert self.titles(user_ratings(user=user, sort=sort)) == expected

    def test_it_filters_by_title_words_star_range_and_genre(self, user, shelf):
        assert self.titles(user_ratings(user=user, query="alien", sort="title")) == ["Alien", "Aliens"]
        assert self.titles(user_ratings(user=user, score_min=4.5, score_max=4.5)) == ["Alien"]
        assert self.titles(user_ratings(user=user, score_max=4.5, sort="title")) == ["Alien", "Heat"]
        assert self.titles(user_ratings(user=user, genre="sci-fi", sort="title")) == ["Alien", "Aliens"]


def test_the_histogram_counts_each_half_star_and_scales_to_the_tallest_bar(movie):
    for score in (4.0, 4.0, 4.0, 4.0, 2.5, 0.5):
        RatingFactory(movie=movie, score=score)

    bars = {bar["score"]: bar for bar in movie_rating_histogram(movie=movie)}

    assert list(bars) == [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0]
    assert (bars[4.0]["count"], bars[4.0]["percent"]) == (4, 100)
    assert (bars[2.5]["count"], bars[2.5]["percent"]) == (1, 25)
    assert bars[5.0]["count"] == 0
