from __future__ import annotations

import pytest

from catalog.tests.factories import MovieFactory
from ratings.services import rating_upsert
from recommendations import services

pytestmark = pytest.mark.django_db

URL = "/api/recommendations/"


@pytest.fixture
def rated_catalog(db):
    """Twelve movies with rating summaries, so popularity has an order to give."""
    return [MovieFactory(title=f"Film {i:02d}", rating_count=10 + i, rating_mean=3.0 + i / 10) for i in range(12)]


def test_anonymous_visitors_get_popular_movies_said_to_be_unpersonalized(api_client, rated_catalog):
    response = api_client.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["personalized"] is False and body["model_version"] is None
    assert len(body["results"]) == 10
    first = body["results"][0]
    assert first["movie"]["title"] == "Film 11"
    assert set(first) == {"movie", "score", "predicted_rating", "reason"}
    assert first["predicted_rating"] is None and first["reason"]
    scores = [item["score"] for item in body["results"]]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("n, expected", [(1, 1), (12, 12), (100, 12)])
def test_n_says_how_many_up_to_what_exists(api_client, rated_catalog, n, expected):
    response = api_client.get(URL, {"n": n})

    assert response.status_code == 200
    assert len(response.json()["results"]) == expected


@pytest.mark.parametrize("n", ["0", "-3", "101", "1000000000000000000000", "ten", "1.5", ""])
def test_n_outside_1_to_100_or_not_a_number_is_a_400(api_client, rated_catalog, n):
    response = api_client.get(URL, {"n": n})

    assert response.status_code == 400
    assert "n" in response.json()


def test_a_signed_in_user_without_a_model_gets_popular_movies_they_have_not_rated(
    api_client, user, rated_catalog
):
    rating_upsert(user=user, movie=rated_catalog[-1], score=5)
    api_client.force_authenticate(user)

    body = api_client.get(URL, {"n": 5}).json()

    assert body["personalized"] is False
    titles = [item["movie"]["title"] for item in body["results"]]
    assert "Film 11" not in titles and len(titles) == 5


def test_a_signed_in_user_gets_personal_picks_from_the_active_model(api_client, user, taste_catalog):
    sci_fi, romance = taste_catalog
    version = services.model_train()
    for movie in sci_fi[:5]:
        rating_upsert(user=user, movie=movie, score=5)
    for movie in romance[:5]:
        rating_upsert(user=user, movie=movie, score=1)
    api_client.force_authenticate(user)

    body = api_client.get(URL, {"n": 5}).json()

    assert body["personalized"] is True and body["model_version"] == version.pk
    assert len(body["results"]) == 5
    rated = {m.pk for m in sci_fi[:5] + romance[:5]}
    for item in body["results"]:
        assert item["movie"]["id"] not in rated
        assert isinstance(item["predicted_rating"], float) and item["reason"]
    assert body["results"][0]["movie"]["genres"] == ["Sci-Fi"]
    assert sum(item["movie"]["genres"] == ["Sci-Fi"] for item in body["results"][:5]) >= 4


def test_token_authentication_gets_personal_answers(api_client, user, rated_catalog):
    from rest_framework.authtoken.models import Token

    rating_upsert(user=user, movie=rated_catalog[-1], score=5)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")

    titles = [item["movie"]["title"] for item in api_client.get(URL).json()["results"]]

    assert "Film 11" not in titles  # the user's own rated movie is left out, so the user was recognised


def test_it_counts_against_the_same_per_user_limit_as_every_api_call(api_client, user, rated_catalog, throttle_rates):
    from rest_framework.authtoken.models import Token

    throttle_rates(user="3/min")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")

    answers = [api_client.get("/api/ratings/").status_code] + [api_client.get(URL).status_code for _ in range(3)]

    assert answers == [200, 200, 200, 429]


def test_a_deleted_token_gets_no_personal_picks(api_client, user, rated_catalog):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api_client.get(URL).status_code == 200
    token.delete()

    assert api_client.get(URL).status_code in (401, 403)
