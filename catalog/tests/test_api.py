from __future__ import annotations

import pytest
from django.core.management import call_command

from catalog.models import SimilarMovie
from catalog.tests.factories import MovieFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf(db):
    """Four films across genres and decades, with rating summaries that order them."""
    return {
        "toy": MovieFactory(title="Toy Story", year=1995, genres=["Animation", "Comedy"], rating_count=50,
                            rating_mean=3.9),
        "toy2": MovieFactory(title="Toy Story 2", year=1999, genres=["Animation"], rating_count=20,
                             rating_mean=3.7),
        "heat": MovieFactory(title="Heat", year=1995, genres=["Crime", "Drama"], rating_count=40,
                             rating_mean=4.0),
        "jaws": MovieFactory(title="Jaws", year=1975, genres=["Drama"], rating_count=10, rating_mean=4.2),
    }


def titles(response) -> list[str]:
    return [m["title"] for m in response.json()["results"]]


def test_it_lists_movies_most_popular_first_and_paginated(api_client, shelf):
    response = api_client.get("/api/movies/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4 and body["next"] is None
    assert titles(response) == ["Toy Story", "Heat", "Toy Story 2", "Jaws"]
    assert body["results"][0]["genres"] == ["Animation", "Comedy"]


def test_it_searches_titles_with_search_or_q(api_client, shelf):
    assert titles(api_client.get("/api/movies/", {"search": "toy 2"})) == ["Toy Story 2"]
    assert titles(api_client.get("/api/movies/", {"q": "HEAT"})) == ["Heat"]


def test_it_requires_every_repeated_genre(api_client, shelf):
    response = api_client.get("/api/movies/?genre=animation&genre=Comedy")

    assert titles(response) == ["Toy Story"]


def test_blank_text_filters_are_ignored(api_client, shelf):
    response = api_client.get("/api/movies/?search=&q=&genre=")

    assert response.status_code == 200 and response.json()["count"] == 4


def test_a_blank_number_or_choice_is_a_400_naming_it(api_client, shelf):
    """The schema allows no empty year or ordering; "give a value or leave it out" (issue 15)."""
    response = api_client.get("/api/movies/?year_min=&ordering=")

    assert response.status_code == 400 and set(response.json()) == {"year_min", "ordering"}


def test_it_filters_by_years_and_orders(api_client, shelf):
    response = api_client.get("/api/movies/", {"year_min": 1990, "year_max": 1995, "ordering": "title"})

    assert titles(response) == ["Heat", "Toy Story"]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"year_min": "nineties"}, "year_min"),
        ({"year_max": "99999999999999999999999"}, "year_max"),
        ({"year_min": "-5"}, "year_min"),
        ({"year_min": 2000, "year_max": 1990}, "year_max"),
        ({"ordering": "price"}, "ordering"),
        ({"search": "x" * 500}, "search"),
        ({"search": "toy\x00"}, "search"),
        ({"genre": "Drama\x00"}, "genre"),
        ({"genre": "x" * 65}, "genre"),
    ],
)
def test_it_rejects_malformed_filters_with_field_errors(api_client, shelf, params, field):
    response = api_client.get("/api/movies/", params)

    assert response.status_code == 400
    assert field in response.json()


def test_it_shows_one_movie_in_detail(api_client, shelf):
    movie = shelf["heat"]

    response = api_client.get(f"/api/movies/{movie.pk}/")

    assert response.status_code == 200
    assert response.json()["title"] == "Heat"
    assert {"overview", "tags", "poster_path"} <= set(response.json())


@pytest.mark.parametrize("movie_id", [999999, 2**63, 10**30])
def test_it_answers_404_for_unknown_or_huge_movie_ids(api_client, shelf, movie_id):
    assert api_client.get(f"/api/movies/{movie_id}/").status_code == 404
    assert api_client.get(f"/api/movies/{movie_id}/similar/").status_code == 404


def test_it_lists_similar_movies_by_rank(api_client, shelf):
    SimilarMovie.objects.create(movie=shelf["toy"], similar=shelf["heat"], score=0.2, rank=2)
    SimilarMovie.objects.create(movie=shelf["toy"], similar=shelf["toy2"], score=0.9, rank=1)

    response = api_client.get(f"/api/movies/{shelf['toy'].pk}/similar/")

    assert response.status_code == 200
    assert titles(response) == ["Toy Story 2", "Heat"]
    assert titles(api_client.get(f"/api/movies/{shelf['toy'].pk}/similar/", {"n": 1})) == ["Toy Story 2"]


@pytest.mark.parametrize("n", ["0", "51", "lots"])
def test_it_bounds_the_number_of_similar_movies(api_client, shelf, n):
    response = api_client.get(f"/api/movies/{shelf['toy'].pk}/similar/", {"n": n})

    assert response.status_code == 400
    assert "n" in response.json()


def test_it_lists_genres_with_movie_counts(api_client, shelf):
    response = api_client.get("/api/genres/")

    assert response.status_code == 200
    assert {g["name"]: g["movie_count"] for g in response.json()} == {
        "Animation": 2, "Comedy": 1, "Crime": 1, "Drama": 2,
    }


def test_the_openapi_schema_validates_without_warnings():
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_the_schema_endpoint_serves_openapi(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/movies/", "/api/ratings/{movie_id}/", "/api/recommendations/", "/api/auth/token/"} <= set(paths)


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_the_interactive_docs_render_without_a_cdn(client, url):
    response = client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn." not in html and "unpkg.com" not in html
