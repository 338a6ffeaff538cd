"""The foundation's user story, through Django's test client: sign up, rate, get personal picks."""
from __future__ import annotations

import pytest
from django.urls import reverse

from recommendations import services

pytestmark = pytest.mark.django_db


def test_a_new_viewer_signs_up_rates_and_sees_top_picks_that_follow_the_ratings(
    client, taste_catalog, django_capture_on_commit_callbacks
):
    sci_fi, romance = taste_catalog
    services.model_train()

    response = client.post(
        reverse("signup"),
        {"username": "newviewer", "password1": "a-long-test-password", "password2": "a-long-test-password"},
    )
    assert response.status_code == 302

    fresh_home = client.get(reverse("home")).content.decode()
    assert "Top picks for you" in fresh_home

    with django_capture_on_commit_callbacks(execute=True):
        for movie in sci_fi[:4]:
            assert client.post(reverse("rating-upsert", args=[movie.pk]), {"score": "5"}).status_code == 302
        for movie in romance[:4]:
            client.post(reverse("rating-upsert", args=[movie.pk]), {"score": "1"})

    home = client.get(reverse("home"))
    picks = home.context["top_picks"]
    assert len(picks) >= 5
    assert picks[0].movie in sci_fi[4:], "unrated sci-fi leads the picks"
    assert sum(pick.movie in sci_fi[4:] for pick in picks[:5]) >= 3, "most of the top 5 follow the taste"
    assert all(pick.predicted_rating is not None for pick in picks)
    page = home.content.decode()
    assert sci_fi[4].title in page or picks[0].movie.title in page


def test_changing_and_deleting_a_rating_changes_the_picks(
    client, taste_catalog, user, django_capture_on_commit_callbacks
):
    sci_fi, romance = taste_catalog
    services.model_train()
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        for movie in sci_fi[:4]:
            client.post(reverse("rating-upsert", args=[movie.pk]), {"score": "5"})
    first = [p.movie for p in client.get(reverse("home")).context["top_picks"]]
    assert not set(sci_fi[:4]) & set(first)

    with django_capture_on_commit_callbacks(execute=True):
        for movie in sci_fi[:4]:
            client.post(reverse("rating-delete", args=[movie.pk]))
        for movie in romance[:4]:
            client.post(reverse("rating-upsert", args=[movie.pk]), {"score": "5"})
    second = [p.movie for p in client.get(reverse("home")).context["top_picks"]]

    assert not set(romance[:4]) & set(second)
    assert set(sci_fi[:4]) & set(second), "films whose ratings were deleted can be recommended again"
    assert sum(m in romance for m in second[:5]) > sum(m in romance for m in first[:5])


def test_an_anonymous_visitor_sees_popular_movies(client, taste_catalog):
    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert b"Popular" in response.content
    assert b"Top picks for you" not in response.content
