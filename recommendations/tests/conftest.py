from __future__ import annotations

import random

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Avg, Count

from catalog.models import Genre, Movie
from ratings.models import Rating
from recommendations import serving


@pytest.fixture(autouse=True)
def _fresh_serving_state():
    """Each test starts with no model loaded in this process."""
    serving.forget()
    yield
    serving.forget()


@pytest.fixture
def taste_catalog(db):
    """Two tastes a model can learn: 20 sci-fi and 20 romance films, 40 raters who love one and dislike the other.

    Returns (sci_fi movies, romance movies).
    """
    rng = random.Random(7)
    scifi_genre = Genre.objects.create(name="Sci-Fi")
    romance_genre = Genre.objects.create(name="Romance")
    sci_fi = [Movie.objects.create(title=f"Star Voyage {i}", year=1990 + i, movielens_id=i + 1) for i in range(20)]
    romance = [Movie.objects.create(title=f"Love Letters {i}", year=1990 + i, movielens_id=100 + i) for i in range(20)]
    for m in sci_fi:
        m.genres.add(scifi_genre)
    for m in romance:
        m.genres.add(romance_genre)
    users = get_user_model()
    rows = []
    for u in range(40):
        rater = users.objects.create(username=f"ml_{u}", password="!")
        likes, dislikes = (sci_fi, romance) if u % 2 == 0 else (romance, sci_fi)
        for m in rng.sample(likes, 14):
            rows.append(Rating(user=rater, movie=m, score=rng.choice([4.0, 4.5, 5.0])))
        for m in rng.sample(dislikes, 10):
            rows.append(Rating(user=rater, movie=m, score=rng.choice([1.0, 1.5, 2.0])))
    Rating.objects.bulk_create(rows)
    for m in Movie.objects.annotate(n=Count("ratings"), mean=Avg("ratings__score")):
        Movie.objects.filter(pk=m.pk).update(rating_count=m.n, rating_mean=m.mean)
    return sci_fi, romance
