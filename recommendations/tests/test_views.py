from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import Movie
from recommendations.selectors import Recommendation

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated_movies(db):
    return [
        Movie.objects.create(title="Heat", year=1995, rating_count=120, rating_mean=4.1),
        Movie.objects.create(title="Casino", year=1995, rating_count=80, rating_mean=3.9),
        Movie.objects.create(title="Never Rated", year=2001),
    ]


def test_visitors_see_popular_movies_and_an_invitation_to_sign_up(client, rated_movies):
    page = client.get(reverse("home")).content.decode()

    assert "Popular" in page
    assert "Heat" in page and "Casino" in page
    assert "Never Rated" not in page
    assert reverse("signup") in page
    assert "Top picks for you" not in page


def test_members_see_top_picks_and_popular(client, user, rated_movies):
    client.force_login(user)

    page = client.get(reverse("home")).content.decode()

    assert "Top picks for you" in page
    assert "Popular" in page
    assert "Heat" in page


def test_a_pick_shows_its_predicted_stars_and_reason(client, user, rated_movies, monkeypatch):
    pick = Recommendation(movie=rated_movies[1], score=0.9, predicted_rating=4.34, reason="Because you liked Heat")
    monkeypatch.setattr("recommendations.views.user_top_picks", lambda *, user, n: [pick])
    client.force_login(user)

    page = client.get(reverse("home")).content.decode()

    assert "4.3" in page
    assert "predicted for you" in page
    assert "Because you liked Heat" in page


def test_members_with_few_ratings_are_nudged_to_rate_more(client, user, rated_movies):
    client.force_login(user)

    assert "sharpen with every rating" in client.get(reverse("home")).content.decode()
