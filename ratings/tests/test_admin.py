from __future__ import annotations

import pytest

from catalog.tests.factories import MovieFactory
from ratings.models import Rating
from ratings.services import rating_upsert

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/ratings/rating/"


@pytest.fixture
def rated(user, other_user, movie):
    heat = MovieFactory(title="Heat")
    return [
        rating_upsert(user=user, movie=movie, score=4.5),
        rating_upsert(user=other_user, movie=movie, score=2.0),
        rating_upsert(user=user, movie=heat, score=2.0),
    ]


def listed(response) -> list[tuple[str, str, float]]:
    return sorted((r.user.username, r.movie.title, r.score) for r in response.context["cl"].result_list)


@pytest.mark.parametrize("query", ["", "?score=4.5", "?score=3.3", "?score=abc", "?q=viewer", "?o=-4"])
def test_the_rating_changelist_renders_with_search_and_filters(admin_client, rated, query):
    assert admin_client.get(f"{CHANGELIST}{query}").status_code == 200


def test_it_searches_by_username_and_movie_title(admin_client, rated):
    assert listed(admin_client.get(CHANGELIST, {"q": "someone-else"})) == [("someone-else", "Toy Story", 2.0)]
    assert listed(admin_client.get(CHANGELIST, {"q": "heat"})) == [("viewer", "Heat", 2.0)]


def test_it_filters_by_score(admin_client, rated):
    assert listed(admin_client.get(CHANGELIST, {"score": "2"})) == [
        ("someone-else", "Toy Story", 2.0), ("viewer", "Heat", 2.0),
    ]


def test_the_add_form_picks_users_and_movies_by_search_not_from_a_full_list(admin_client, rated):
    response = admin_client.get(f"{CHANGELIST}add/")

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("admin-autocomplete") >= 2
    assert "someone-else" not in html  # no <option> per user


def test_the_autocomplete_finds_movies_and_users(admin_client, rated):
    movies = admin_client.get("/admin/autocomplete/", {
        "app_label": "ratings", "model_name": "rating", "field_name": "movie", "term": "toy"})
    users = admin_client.get("/admin/autocomplete/", {
        "app_label": "ratings", "model_name": "rating", "field_name": "user", "term": "someone"})

    assert [r["text"] for r in movies.json()["results"]] == ["Toy Story (1995)"]
    assert [r["text"] for r in users.json()["results"]] == ["someone-else"]


def test_adding_a_rating_goes_through_the_rating_service(admin_client, user):
    film = MovieFactory(title="Jaws")

    response = admin_client.post(f"{CHANGELIST}add/", {"user": user.pk, "movie": film.pk, "score": "3.5"})

    assert response.status_code == 302
    film.refresh_from_db()
    assert (film.rating_count, film.rating_mean) == (1, 3.5)


def test_an_off_scale_score_is_a_form_error(admin_client, user):
    film = MovieFactory(title="Jaws")

    response = admin_client.post(f"{CHANGELIST}add/", {"user": user.pk, "movie": film.pk, "score": "3.3"})

    assert response.status_code == 200 and response.context["adminform"].form.errors
    assert not Rating.objects.exists()


def test_changing_a_score_refreshes_the_movie_summary(admin_client, rated, movie):
    rating = rated[0]

    response = admin_client.post(f"{CHANGELIST}{rating.pk}/change/", {"score": "1.0"})

    assert response.status_code == 302
    movie.refresh_from_db()
    assert movie.rating_mean == 1.5  # (1.0 + 2.0) / 2
    assert Rating.objects.get(pk=rating.pk).user == rating.user  # user and movie are read-only


def test_deleting_selected_ratings_refreshes_the_movie_summary(admin_client, rated, movie):
    ids = [r.pk for r in rated[:2]]

    response = admin_client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": ids, "post": "yes"})

    assert response.status_code == 302
    movie.refresh_from_db()
    assert (movie.rating_count, movie.rating_mean) == (0, None)
    assert Rating.objects.count() == 1
