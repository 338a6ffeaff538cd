"""Root fixtures shared by every app's tests, and the rule for tests that need real services.

A test that needs PostgreSQL, Redis or ../shared/datasets may skip on a machine without them,
but with REQUIRE_SERVICES=1 (CI) such a skip is turned into a failure.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
SHARED_DATASETS = Path(__file__).resolve().parent.parent / "shared" / "datasets"


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
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (only this run's keys: django-redis deletes by prefix)."""
    from django.core.cache import cache

    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()
    yield
