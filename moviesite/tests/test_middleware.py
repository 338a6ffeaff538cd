from __future__ import annotations

import pytest
from django.db import OperationalError

from catalog import api as catalog_api
from catalog import views as catalog_views

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(catalog_api, "movie_search", refuse)
    monkeypatch.setattr(catalog_views, "movie_search", refuse)


def test_the_api_answers_503_json_when_the_database_is_unreachable(client, database_down):
    response = client.get("/api/movies/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "temporarily unavailable" in response.json()["detail"]


def test_pages_answer_a_friendly_503_when_the_database_is_unreachable(client, database_down):
    response = client.get("/movies/")

    assert response.status_code == 503
    assert b"right back" in response.content
