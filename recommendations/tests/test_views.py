from __future__ import annotations

import re

import pytest
from django.urls import reverse

from catalog.models import Movie
from catalog.tests.factories import MovieFactory
from ratings.models import HiddenMovie, Rating
from ratings.services import rating_upsert
from ratings.tests.factories import RatingFactory
from recommendations.selectors import Recommendation

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated_movies(db):
    return [
        Movie.objects.create(title="Heat", year=1995, rating_count=120, rating_mean=4.1),
        Movie.objects.create(title="Casino", year=1995, rating_count=80, rating_mean=3.9),
        Movie.objects.create(title="Never Rated", year=2001),
    ]


def section_titles(page: str) -> list[str]:
    return re.findall(r'<h2 id="[^"]+-heading">(.*?)</h2>', page)


def test_visitors_see_popular_movies_and_an_invitation_to_sign_up(client, rated_movies):
    page = client.get(reverse("home")).content.decode()

    assert "Popular with everyone" in page
    assert "Heat" in page and "Casino" in page
    assert "Never Rated" not in page
    assert reverse("signup") in page
    assert "Top picks for you" not in page
    assert "Not interested" not in page, "visitors have nothing to hide"


def test_members_see_top_picks_first_then_other_rows(client, user, rated_movies):
    client.force_login(user)

    page = client.get(reverse("home")).content.decode()

    assert section_titles(page)[0] == "Top picks for you"
    assert "Heat" in page


def test_a_pick_shows_its_predicted_stars_and_reason(client, user, rated_movies, monkeypatch):
    pick = Recommendation(movie=rated_movies[1], score=0.9, predicted_rating=4.34, reason="Because you liked Heat")
    monkeypatch.setattr("recommendations.sections.user_top_picks", lambda *, user, n: [pick])
    client.force_login(user)

    page = client.get(reverse("home")).content.decode()

    assert "4.3" in page
    assert "predicted for you" in page
    assert "Because you liked Heat" in page
    assert f'action="{reverse("hidden-toggle", args=[rated_movies[1].pk])}"' in page


def test_members_with_few_ratings_are_invited_to_keep_rating(
    client, user, rated_movies, django_capture_on_commit_callbacks
):
    client.force_login(user)

    page = client.get(reverse("home")).content.decode()

    assert "Start rating" in page and reverse("onboarding") in page
    with django_capture_on_commit_callbacks(execute=True):
        for movie in MovieFactory.create_batch(10):
            rating_upsert(user=user, movie=movie, score=4)
    assert "Start rating" not in client.get(reverse("home")).content.decode()


def test_a_hidden_recommendation_does_not_come_back(client, user, rated_movies):
    client.force_login(user)
    HiddenMovie.objects.create(user=user, movie=rated_movies[0])

    page = client.get(reverse("home")).content.decode()

    assert "Heat" not in page
    assert "Casino" in page


def onboarding_catalogue(size: int) -> list:
    """Well-known films across six genres and seven decades, most rated first."""
    genres = ["Comedy", "Drama", "Horror", "Sci-Fi", "Western", "Romance"]
    return [
        MovieFactory(title=f"Film {i}", year=1950 + (i * 7) % 70, rating_count=500 - i, rating_mean=3.5,
                     genres=[genres[i % len(genres)]])
        for i in range(size)
    ]


class TestOnboarding:
    @pytest.fixture
    def catalogue(self, db):
        return onboarding_catalogue(60)

    def test_it_needs_an_account(self, client, db):
        response = client.get(reverse("onboarding"))

        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))

    def test_it_shows_well_known_films_from_many_genres_and_decades_with_progress(self, client, user, catalogue):
        RatingFactory(user=user, movie=catalogue[0])
        client.force_login(user)

        response = client.get(reverse("onboarding"))

        movies = response.context["movies"]
        assert len(movies) == 18
        assert catalogue[0] not in movies, "already rated"
        assert len({m.genres.first().name for m in movies}) == 6
        assert len({m.year // 10 for m in movies}) >= 5
        page = response.content.decode()
        assert "1</strong> of 10 rated" in page
        assert "Skip for now" in page
        assert page.count("Haven’t seen it") == 18

    def test_each_member_gets_an_order_of_their_own_that_stays_put(self, client, user, other_user, catalogue):
        client.force_login(user)
        first = [m.pk for m in client.get(reverse("onboarding")).context["movies"]]
        again = [m.pk for m in client.get(reverse("onboarding")).context["movies"]]
        client.force_login(other_user)
        theirs = [m.pk for m in client.get(reverse("onboarding")).context["movies"]]

        assert first == again
        assert first != theirs

    def test_rating_a_film_keeps_the_others_in_place(self, client, user, catalogue):
        client.force_login(user)
        before = [m.pk for m in client.get(reverse("onboarding")).context["movies"]]
        RatingFactory(user=user, movie=Movie.objects.get(pk=before[0]))  # (leaves its rating count as it was)

        after = [m.pk for m in client.get(reverse("onboarding")).context["movies"]]

        assert after[:17] == before[1:]

    def test_havent_seen_it_skips_the_film_for_the_session_without_hiding_it(self, client, user, catalogue):
        client.force_login(user)
        shown = client.get(reverse("onboarding")).context["movies"]

        response = client.post(reverse("onboarding-unseen", args=[shown[0].pk]))
        json_response = client.post(
            reverse("onboarding-unseen", args=[shown[1].pk]), HTTP_ACCEPT="application/json"
        )

        assert response.url == reverse("onboarding")
        assert json_response.json()["movie"] == shown[1].pk and json_response.json()["unseen"] is True
        now = client.get(reverse("onboarding")).context["movies"]
        assert shown[0] not in now and shown[1] not in now
        assert not HiddenMovie.objects.exists()

    def test_show_other_movies_moves_on_to_films_not_shown_yet(self, client, user, catalogue):
        client.force_login(user)
        first = {m.pk for m in client.get(reverse("onboarding")).context["movies"]}
        second = {m.pk for m in client.get(reverse("onboarding"), {"batch": 1}).context["movies"]}

        assert not first & second

    def test_it_says_the_picks_are_ready_after_ten_ratings(self, client, user, catalogue):
        for movie in catalogue[:10]:
            Rating.objects.create(user=user, movie=movie, score=4.0)
        client.force_login(user)

        page = client.get(reverse("onboarding")).content.decode()

        assert "See my picks" in page
        assert re.search(r"<span data-progress-done>", page)


class TestOnboardingReplacementAndGoal:
    """Issue 16: "Haven't seen it" offers another film in its place; the counter stops at its goal."""

    @pytest.fixture
    def catalogue(self, db):
        return onboarding_catalogue(30)

    def test_havent_seen_it_answers_with_another_unrated_film_not_on_the_page(self, client, user, catalogue):
        RatingFactory(user=user, movie=catalogue[0])
        client.force_login(user)
        shown = [m.pk for m in client.get(reverse("onboarding")).context["movies"]]

        response = client.post(reverse("onboarding-unseen", args=[shown[3]]), {"shown": shown},
                               HTTP_ACCEPT="application/json")

        body = response.json()
        replacement = body["replacement"]
        assert body["movie"] == shown[3] and body["unseen"] is True
        assert replacement["movie"] not in shown and replacement["movie"] != catalogue[0].pk
        movie = Movie.objects.get(pk=replacement["movie"])
        html = replacement["html"]
        assert "data-onboarding-card" in html and movie.display_title in html
        assert reverse("rating-upsert", args=[movie.pk]) in html and "csrfmiddlewaretoken" in html
        assert reverse("onboarding-unseen", args=[movie.pk]) in html

    def test_the_replacement_is_offered_on_the_next_visit_too(self, client, user, catalogue):
        client.force_login(user)
        shown = [m.pk for m in client.get(reverse("onboarding")).context["movies"]]

        replacement = client.post(reverse("onboarding-unseen", args=[shown[0]]), {"shown": shown},
                                  HTTP_ACCEPT="application/json").json()["replacement"]["movie"]

        assert [m.pk for m in client.get(reverse("onboarding")).context["movies"]] == shown[1:] + [replacement]

    def test_with_nothing_left_to_offer_the_replacement_is_null(self, client, user, catalogue):
        client.force_login(user)
        everything = [m.pk for m in catalogue]

        body = client.post(reverse("onboarding-unseen", args=[everything[0]]), {"shown": everything},
                           HTTP_ACCEPT="application/json").json()

        assert body["replacement"] is None

    def test_malformed_shown_ids_are_a_400(self, client, user, catalogue):
        client.force_login(user)

        response = client.post(reverse("onboarding-unseen", args=[catalogue[0].pk]), {"shown": ["x"]},
                               HTTP_ACCEPT="application/json")

        assert response.status_code == 400
        assert "shown" in response.json()["errors"]

    def test_the_counter_never_passes_its_goal(self, client, user, catalogue):
        for movie in catalogue[:15]:
            Rating.objects.create(user=user, movie=movie, score=4.0)
        client.force_login(user)

        page = client.get(reverse("onboarding")).content.decode()

        assert "10</strong> of 10 rated" in page
        assert "15" not in re.search(r'<p class="onboarding__count".*?</p>', page, re.S).group(0)
        assert 'data-rated="15"' in page, "the script still counts every rating (removing one may drop below 10)"
        assert re.search(r'<a class="button" href="/"[^>]*>See my picks', page), "a clear call to action"
