from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token

from catalog.tests.factories import MovieFactory
from ratings.models import Rating
from ratings.services import rating_upsert

pytestmark = pytest.mark.django_db

LIST = "/api/ratings/"
MOVIE = object()  # stands for the movie fixture's id in parametrized bodies


def detail(movie_id: int) -> str:
    return f"/api/ratings/{movie_id}/"


@pytest.fixture
def signed_in(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def test_it_creates_a_rating_with_201_then_updates_it_with_200(signed_in, user, movie):
    created = signed_in.post(LIST, {"movie": movie.pk, "score": 4.5}, format="json")
    updated = signed_in.post(LIST, {"movie": movie.pk, "score": "3"}, format="json")

    assert created.status_code == 201
    assert created.json()["movie"] == {"id": movie.pk, "title": "Toy Story", "year": 1995}
    assert updated.status_code == 200 and updated.json()["score"] == 3.0
    assert Rating.objects.get(user=user, movie=movie).score == 3.0
    movie.refresh_from_db()
    assert (movie.rating_count, movie.rating_mean) == (1, 3.0)


def test_put_creates_or_updates_the_rating_of_the_movie_in_the_path(signed_in, user, movie):
    assert signed_in.put(detail(movie.pk), {"score": 2.5}, format="json").status_code == 201
    assert signed_in.put(detail(movie.pk), {"score": 5}, format="json").status_code == 200
    assert Rating.objects.get(user=user, movie=movie).score == 5.0


def test_it_lists_only_my_ratings_newest_first_and_paginated(signed_in, user, other_user):
    movies = [MovieFactory() for _ in range(22)]
    for m in movies:
        rating_upsert(user=user, movie=m, score=4)
    rating_upsert(user=other_user, movie=movies[0], score=1)

    first = signed_in.get(LIST).json()
    second = signed_in.get(LIST, {"page": 2}).json()

    assert first["count"] == 22 and len(first["results"]) == 20 and len(second["results"]) == 2
    assert first["results"][0]["movie"]["id"] == movies[-1].pk
    assert all(r["score"] == 4.0 for r in first["results"] + second["results"])


def test_it_reads_my_rating_of_one_movie(signed_in, user, movie):
    rating_upsert(user=user, movie=movie, score=3.5)

    response = signed_in.get(detail(movie.pk))

    assert response.status_code == 200 and response.json()["score"] == 3.5


def test_it_deletes_my_rating_with_204_and_404_when_there_is_none(signed_in, user, movie):
    rating_upsert(user=user, movie=movie, score=3.5)

    assert signed_in.delete(detail(movie.pk)).status_code == 204
    assert not Rating.objects.filter(user=user).exists()
    assert signed_in.delete(detail(movie.pk)).status_code == 404
    assert signed_in.delete(detail(987654)).status_code == 404


def test_another_users_rating_is_invisible_and_unchanged(signed_in, other_user, movie):
    rating_upsert(user=other_user, movie=movie, score=1.5)

    assert signed_in.get(detail(movie.pk)).status_code == 404
    assert signed_in.get(LIST).json()["count"] == 0
    assert signed_in.delete(detail(movie.pk)).status_code == 404
    # Rating the same movie writes the caller's own rating, never the other user's.
    assert signed_in.put(detail(movie.pk), {"score": 5}, format="json").status_code == 201
    assert Rating.objects.get(user=other_user, movie=movie).score == 1.5


def test_the_user_cannot_be_chosen_in_the_body(signed_in, user, other_user, movie):
    response = signed_in.post(LIST, {"movie": movie.pk, "score": 4, "user": other_user.pk}, format="json")

    assert response.status_code == 201
    assert list(Rating.objects.values_list("user_id", flat=True)) == [user.pk]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"movie": MOVIE, "score": 4.25}, "score"),
        ({"movie": MOVIE, "score": 0}, "score"),
        ({"movie": MOVIE, "score": 5.5}, "score"),
        ({"movie": MOVIE, "score": -1}, "score"),
        ({"movie": MOVIE, "score": "four"}, "score"),
        ({"movie": MOVIE, "score": "NaN"}, "score"),
        ({"movie": MOVIE, "score": "Infinity"}, "score"),
        ({"movie": MOVIE, "score": True}, "score"),
        ({"movie": MOVIE, "score": None}, "score"),
        ({"movie": MOVIE, "score": [4]}, "score"),
        ({"movie": MOVIE, "score": {"value": 4}}, "score"),
        ({"movie": MOVIE, "score": "9" * 2000}, "score"),
        ({"movie": MOVIE}, "score"),
        ({"score": 4}, "movie"),
        ({"movie": 424242, "score": 4}, "movie"),
        ({"movie": 2**63, "score": 4}, "movie"),
        ({"movie": 10**40, "score": 4}, "movie"),
        ({"movie": -1, "score": 4}, "movie"),
        ({"movie": "toy story", "score": 4}, "movie"),
        ({"movie": 1.5, "score": 4}, "movie"),
        ({"movie": True, "score": 4}, "movie"),
        ({"movie": None, "score": 4}, "movie"),
    ],
)
def test_it_rejects_bad_input_with_field_errors(signed_in, movie, body, field):
    body = {**body, "movie": movie.pk} if body.get("movie") is MOVIE else body

    response = signed_in.post(LIST, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Rating.objects.exists()


@pytest.mark.parametrize("score", [4.2, "x", None, False])
def test_put_rejects_bad_scores_with_field_errors(signed_in, movie, score):
    response = signed_in.put(detail(movie.pk), {"score": score}, format="json")

    assert response.status_code == 400
    assert "score" in response.json()


@pytest.mark.parametrize("movie_id", [424242, 2**63, 10**40])
def test_put_on_an_unknown_or_huge_movie_id_is_404(signed_in, movie_id):
    assert signed_in.put(detail(movie_id), {"score": 4}, format="json").status_code == 404
    assert signed_in.get(detail(movie_id)).status_code == 404
    assert signed_in.delete(detail(movie_id)).status_code == 404


@pytest.mark.parametrize(
    "payload", ['{"movie": 1, "score": ', "not json", "[1, 2]", '"a string"', "null", ""]
)
def test_malformed_json_is_a_400_not_a_500(signed_in, movie, payload):
    response = signed_in.generic("POST", LIST, payload, content_type="application/json")

    assert response.status_code == 400
    assert response.json()  # says what was wrong ("detail" or "non_field_errors" or fields)


def test_form_encoded_bodies_work_too(signed_in, movie):
    assert signed_in.post(LIST, {"movie": movie.pk, "score": "4.5"}).status_code == 201


@pytest.mark.parametrize(
    "method, url, body",
    [("get", LIST, None), ("post", LIST, {"score": 4}), ("get", "detail", None), ("put", "detail", {"score": 4}),
     ("delete", "detail", None)],
)
def test_anonymous_visitors_can_neither_read_nor_write_ratings(api_client, movie, method, url, body):
    url = detail(movie.pk) if url == "detail" else url
    if body and url == LIST:
        body = {**body, "movie": movie.pk}

    response = getattr(api_client, method)(url, body, format="json")

    assert response.status_code in (401, 403)
    assert not Rating.objects.exists()


def test_token_authentication_works(api_client, user, movie):
    token = Token.objects.create(user=user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = api_client.put(detail(movie.pk), {"score": 4}, format="json")

    assert response.status_code == 201
    assert Rating.objects.get().user == user


def test_a_wrong_token_is_refused(api_client, movie):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = api_client.get(LIST)

    # 403 rather than 401: session auth is listed first and sends no WWW-Authenticate challenge.
    assert response.status_code in (401, 403)
    assert response.json()["detail"] == "Invalid token."


def test_session_authentication_needs_the_csrf_token(user, movie):
    from rest_framework.test import APIClient

    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(user)

    response = browser.post(LIST, {"movie": movie.pk, "score": 4}, format="json")

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_session_authentication_reads_my_ratings(client, user, movie):
    rating_upsert(user=user, movie=movie, score=2)
    client.force_login(user)

    assert client.get(LIST).json()["count"] == 1


def test_a_rating_change_queues_a_recommendations_refresh(signed_in, user, movie, django_capture_on_commit_callbacks,
                                                          monkeypatch):
    from recommendations import services

    refreshed = []
    monkeypatch.setattr(services, "user_recommendations_invalidate", lambda *, user_id: refreshed.append(user_id))

    with django_capture_on_commit_callbacks(execute=True):
        signed_in.put(detail(movie.pk), {"score": 4}, format="json")

    assert refreshed == [user.pk]
