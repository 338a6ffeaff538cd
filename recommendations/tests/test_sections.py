from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from catalog.models import SimilarMovie
from catalog.tests.factories import MovieFactory
from ratings.models import HiddenMovie, Rating, WatchlistEntry
from recommendations import sections as home
from recommendations import services
from recommendations.sections import home_sections

pytestmark = pytest.mark.django_db


@pytest.fixture
def blockbusters(db):
    """Ten very popular films: with no model, top picks and the popular row take these first."""
    return MovieFactory.create_batch(10, rating_count=5000, rating_mean=4.2)


def by_key(sections) -> dict:
    return {section.key: section for section in sections}


def shown_ids(sections) -> list[int]:
    return [card.movie.pk for section in sections for card in section.cards]


def link(movie, neighbours) -> None:
    SimilarMovie.objects.bulk_create(
        SimilarMovie(movie=movie, similar=n, score=1 - rank / 10, rank=rank) for rank, n in enumerate(neighbours, 1)
    )


def test_every_row_leaves_out_rated_hidden_and_watchlisted_films_and_shows_a_film_once(user, taste_catalog):
    sci_fi, romance = taste_catalog
    services.model_train()
    services.movie_similarities_compute(k=20)
    for movie in sci_fi[:3]:
        Rating.objects.create(user=user, movie=movie, score=5.0)
    HiddenMovie.objects.create(user=user, movie=sci_fi[3])
    WatchlistEntry.objects.create(user=user, movie=sci_fi[4])

    sections = home_sections(user=user)

    shown = shown_ids(sections)
    assert not set(shown) & {m.pk for m in sci_fi[:5]}
    assert len(shown) == len(set(shown))
    assert [s.key for s in sections][0] == "top-picks"
    assert any(key.startswith("because-") for key in by_key(sections))


def test_because_you_rated_rows_follow_the_best_liked_recent_films(user, blockbusters):
    old_love, meh, new_love, *others = MovieFactory.create_batch(12, rating_count=10, rating_mean=4.0)
    now = timezone.now()
    Rating.objects.create(user=user, movie=old_love, score=5.0, rated_at=now - timezone.timedelta(days=9))
    Rating.objects.create(user=user, movie=meh, score=3.0, rated_at=now)
    Rating.objects.create(user=user, movie=new_love, score=4.5, rated_at=now - timezone.timedelta(days=1))
    link(old_love, [meh, *others[:5]])
    link(new_love, others[3:9])
    link(meh, others)

    sections = by_key(home_sections(user=user))

    first, second = sections[f"because-{old_love.pk}"], sections[f"because-{new_love.pk}"]
    assert first.title == f"Because you rated {old_love.title}"
    assert [c.movie for c in first.cards] == others[:5], "rated films are left out"
    assert [c.movie for c in second.cards] == others[5:9], "each film appears in one row only"
    assert f"because-{meh.pk}" not in sections


def test_a_because_row_names_the_film_as_people_say_it(user, blockbusters):
    matrix = MovieFactory(title="Matrix, The")
    Rating.objects.create(user=user, movie=matrix, score=5.0)
    link(matrix, MovieFactory.create_batch(4))

    section = by_key(home_sections(user=user))[f"because-{matrix.pk}"]

    assert section.title == "Because you rated The Matrix"


def test_genre_rows_follow_the_genres_the_member_liked(user, blockbusters):
    liked = MovieFactory.create_batch(2, genres=["Western"])
    westerns = [MovieFactory(rating_count=50 - i, rating_mean=4.0, genres=["Western"]) for i in range(4)]
    MovieFactory.create_batch(4, rating_count=100, rating_mean=4.5, genres=["Musical"])
    for movie in liked:
        Rating.objects.create(user=user, movie=movie, score=4.5)

    sections = by_key(home_sections(user=user))

    row = sections["genre-western"]
    assert row.title == "More Western"
    assert {c.movie.pk for c in row.cards} <= {m.pk for m in westerns}
    assert "genre-musical" not in sections


def test_highest_rated_does_not_put_a_film_with_two_five_star_ratings_first(db):
    MovieFactory(title="Two Fans", rating_count=2, rating_mean=5.0)
    MovieFactory(title="Beloved", rating_count=300, rating_mean=4.5)
    MovieFactory(title="Fine", rating_count=100, rating_mean=3.9)

    row = home._highest_rated(set(), personal=False)

    # Two ratings are too few to call a film highly rated at all.
    assert [c.movie.title for c in row.cards] == ["Beloved", "Fine"]


def test_visitors_get_popular_and_then_other_highly_rated_films(blockbusters):
    MovieFactory.create_batch(3, rating_count=25, rating_mean=4.0)

    sections = home_sections(user=AnonymousUser())

    assert [s.key for s in sections] == ["popular", "highest-rated"]
    assert {c.movie.pk for c in sections[0].cards} == {m.pk for m in blockbusters}
    assert len(sections[1].cards) == 3
    assert not any(s.personal for s in sections)
