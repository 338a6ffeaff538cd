from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token

from catalog.tests.factories import MovieFactory
from ratings.models import HiddenMovie, Rating, WatchlistEntry
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
    assert created.json()["movie"] == {"id": movie.pk, "title": "Toy Story", "sort_title": "Toy Story", "year": 1995}
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

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token", "a 401 says how to authenticate"
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

    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
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


# --- Watchlist and "not interested" ----------------------------------------------------------
# Both resources behave alike, so most tests run once for each.

MARKS = pytest.mark.parametrize("resource, model", [("watchlist", WatchlistEntry), ("hidden", HiddenMovie)])


def mark_url(resource: str, movie_id: int | str | None = None) -> str:
    return f"/api/{resource}/" if movie_id is None else f"/api/{resource}/{movie_id}/"


@MARKS
def test_put_adds_the_movie_with_201_then_200_and_keeps_one_entry(signed_in, user, movie, resource, model):
    first = signed_in.put(mark_url(resource, movie.pk))
    again = signed_in.put(mark_url(resource, movie.pk))

    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["movie"]["id"] == movie.pk and first.json()["movie"]["genres"] == ["Animation"]
    assert again.json() == first.json()
    assert list(model.objects.values_list("user_id", "movie_id")) == [(user.pk, movie.pk)]


@MARKS
def test_it_lists_only_my_entries_latest_first_and_paginated(signed_in, user, other_user, resource, model,
                                                              django_assert_max_num_queries):
    movies = [MovieFactory() for _ in range(22)]
    for m in movies:
        model.objects.create(user=user, movie=m)
    model.objects.create(user=other_user, movie=MovieFactory())

    with django_assert_max_num_queries(6):  # no query per movie
        first = signed_in.get(mark_url(resource)).json()
    second = signed_in.get(mark_url(resource), {"page": 2}).json()

    assert first["count"] == 22 and len(first["results"]) == 20 and len(second["results"]) == 2
    listed = [entry["movie"]["id"] for entry in first["results"] + second["results"]]
    assert listed == [m.pk for m in reversed(movies)]


@MARKS
def test_delete_removes_the_entry_with_204_then_404(signed_in, user, movie, resource, model):
    signed_in.put(mark_url(resource, movie.pk))

    assert signed_in.delete(mark_url(resource, movie.pk)).status_code == 204
    assert not model.objects.exists()
    assert signed_in.delete(mark_url(resource, movie.pk)).status_code == 404


@MARKS
def test_another_users_entries_are_invisible_and_unchanged(signed_in, user, other_user, movie, resource, model):
    model.objects.create(user=other_user, movie=movie)

    assert signed_in.get(mark_url(resource)).json()["count"] == 0
    assert signed_in.delete(mark_url(resource, movie.pk)).status_code == 404
    # Adding the same movie makes the caller's own entry, whatever user the body names.
    assert signed_in.put(mark_url(resource, movie.pk), {"user": other_user.pk}, format="json").status_code == 201
    assert sorted(model.objects.values_list("user_id", flat=True)) == sorted([user.pk, other_user.pk])


@MARKS
@pytest.mark.parametrize("movie_id", [424242, 2**63, 10**40, "-1", "abc"])
def test_an_unknown_huge_or_malformed_movie_id_is_404(signed_in, resource, model, movie_id):
    assert signed_in.put(mark_url(resource, movie_id)).status_code == 404
    assert signed_in.delete(mark_url(resource, movie_id)).status_code == 404
    assert not model.objects.exists()


@MARKS
@pytest.mark.parametrize("method, with_id", [("get", False), ("put", True), ("delete", True)])
def test_anonymous_visitors_are_refused_with_401(api_client, movie, resource, model, method, with_id):
    response = getattr(api_client, method)(mark_url(resource, movie.pk if with_id else None))

    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert not model.objects.exists()


@MARKS
def test_marks_work_with_token_authentication(api_client, user, movie, resource, model):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")

    assert api_client.put(mark_url(resource, movie.pk)).status_code == 201
    assert model.objects.get().user == user


@MARKS
def test_adding_and_removing_queue_a_recommendations_refresh(signed_in, user, movie, resource, model, monkeypatch,
                                                             django_capture_on_commit_callbacks):
    from recommendations import services

    refreshed = []
    monkeypatch.setattr(services, "user_recommendations_invalidate", lambda *, user_id: refreshed.append(user_id))

    with django_capture_on_commit_callbacks(execute=True):
        signed_in.put(mark_url(resource, movie.pk))
        signed_in.put(mark_url(resource, movie.pk))  # already there: nothing changes, nothing to refresh
        signed_in.delete(mark_url(resource, movie.pk))

    assert refreshed == [user.pk, user.pk]


@MARKS
def test_a_marked_movie_disappears_from_my_recommendations(signed_in, user, taste_catalog, resource, model, settings,
                                                          django_capture_on_commit_callbacks):
    from recommendations.services import model_train

    if resource == "watchlist":
        settings.RECOMMENDER = {**settings.RECOMMENDER, "EXCLUDE_WATCHLIST": True}
    sci_fi, romance = taste_catalog
    model_train()
    for m in sci_fi[:5]:
        rating_upsert(user=user, movie=m, score=5)
    for m in romance[:5]:
        rating_upsert(user=user, movie=m, score=1)
    before = signed_in.get("/api/recommendations/", {"n": 5}).json()
    assert before["personalized"] is True
    top = before["results"][0]["movie"]["id"]

    with django_capture_on_commit_callbacks(execute=True):
        assert signed_in.put(mark_url(resource, top)).status_code == 201
    after = signed_in.get("/api/recommendations/", {"n": 5}).json()

    assert after["personalized"] is True and len(after["results"]) == 5
    assert top not in [item["movie"]["id"] for item in after["results"]]


@MARKS
@pytest.mark.parametrize("marked", [False, True])
def test_options_describes_the_endpoints_without_errors(signed_in, user, movie, resource, model, marked):
    if marked:
        model.objects.create(user=user, movie=movie)

    assert signed_in.options(mark_url(resource)).status_code == 200
    assert signed_in.options(mark_url(resource, movie.pk)).status_code == 200
    assert signed_in.options(mark_url(resource, 10**40)).status_code == 200
