"""Root fixtures shared by every app's tests, and the rule for tests that need real services.

A test that needs PostgreSQL, Redis or ../shared/datasets may skip on a machine without them,
but with REQUIRE_SERVICES=1 (CI) such a skip is turned into a failure.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
SHARED_DATASETS = Path(
    os.environ.get("SHARED_DATASETS", Path(__file__).resolve().parent.parent / "shared" / "datasets")
)


def skip_or_fail(reason: str) -> None:
    """Skip here, fail in CI: a missing service must never pass silently there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture
def shared_datasets() -> Path:
    """The MovieLens copies beside the project (../shared/datasets), when this machine has them."""
    if not (SHARED_DATASETS / "ml-100k" / "u.data").exists():
        skip_or_fail(f"MovieLens datasets not found at {SHARED_DATASETS}")
    return SHARED_DATASETS


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(username="viewer", password="a-long-test-password")


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user(username="someone-else", password="a-long-test-password")


@pytest.fixture
def movie(db):
    from catalog.models import Genre, Movie

    m = Movie.objects.create(title="Toy Story", year=1995, movielens_id=1)
    m.genres.add(Genre.objects.get_or_create(name="Animation")[0])
    return m


@pytest.fixture
def throttle_rates(monkeypatch):
    """Set the API throttle rates for one test: DRF copies them onto the throttle classes when it is imported."""
    from rest_framework.throttling import SimpleRateThrottle

    def use(**rates: str | None) -> None:
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": None, "user": None, **rates})

    return use


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture(autouse=True)
def _fresh_serving_state():
    """Each test starts with no model loaded and no movie payloads kept in this process."""
    from catalog.movie_payloads import movie_payloads_forget
    from recommendations import serving

    serving.forget()
    movie_payloads_forget()
    yield
    serving.forget()
    movie_payloads_forget()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (only this run's keys: django-redis deletes by prefix)."""
    from django.core.cache import cache

    from moviesite import redis_breaker

    redis_breaker.reset()
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()
    yield


PLACES = ("Vega", "Orion", "Lyra", "Rigel", "Sirius", "Altair", "Deneb", "Antares", "Polaris", "Castor", "Pollux",
          "Mira", "Spica", "Capella", "Arcturus", "Procyon", "Bellatrix", "Mintaka", "Alnilam", "Canopus")


@pytest.fixture
def taste_catalog(db):
    """Two tastes a model can learn: 20 sci-fi and 20 romance films, 40 raters who love one and dislike the other.

    Returns (sci_fi movies, romance movies).
    """
    import random

    from django.contrib.auth import get_user_model

    from catalog.models import Genre, Movie
    from catalog.services import movie_rating_totals_rederive
    from ratings.models import Rating

    rng = random.Random(7)
    scifi_genre = Genre.objects.create(name="Sci-Fi")
    romance_genre = Genre.objects.create(name="Romance")
    # Twenty distinct names per taste (not "Star Voyage 1..20": numbered titles are one series,
    # and related-movie rows hold at most two films of a series).
    sci_fi = [Movie.objects.create(title=f"Star Voyage to {name}", year=1990 + i, movielens_id=i + 1)
              for i, name in enumerate(PLACES)]
    romance = [Movie.objects.create(title=f"Love Letters from {name}", year=1990 + i, movielens_id=100 + i)
               for i, name in enumerate(PLACES)]
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
    movie_rating_totals_rederive()
    return sci_fi, romance
