"""The foundation's user story, through Django's test client: sign up, rate, get personal picks."""
from __future__ import annotations

import re

import pytest
from django.urls import reverse

from catalog.models import Movie
from recommendations import selectors, services

pytestmark = pytest.mark.django_db


def top_picks(page: str) -> list[Movie]:
    """The movies the "Top picks for you" row of a home page links to, in order."""
    row = re.search(r'<section[^>]*id="top-picks".*?</section>', page, re.S)
    assert row, "the page has a top picks row"
    ids = [int(pk) for pk in re.findall(r'class="card__link" href="/movies/(\d+)/"', row.group(0))]
    found = Movie.objects.in_bulk(ids)
    return [found[pk] for pk in ids]


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

    page = client.get(reverse("home")).content.decode()
    picks = top_picks(page)
    assert len(picks) >= 5
    assert picks[0] in sci_fi[4:], "unrated sci-fi leads the picks"
    assert sum(movie in sci_fi[4:] for movie in picks[:5]) >= 3, "most of the top 5 follow the taste"
    assert page.count("predicted for you") >= len(picks), "every pick shows the stars expected"


def test_changing_and_deleting_a_rating_changes_the_picks(
    client, taste_catalog, user, django_capture_on_commit_callbacks
):
    sci_fi, romance = taste_catalog
    services.model_train()
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        for movie in sci_fi[:4]:
            client.post(reverse("rating-upsert", args=[movie.pk]), {"score": "5"})
    first = top_picks(client.get(reverse("home")).content.decode())
    assert not set(sci_fi[:4]) & set(first)

    with django_capture_on_commit_callbacks(execute=True):
        for movie in sci_fi[:4]:
            client.post(reverse("rating-delete", args=[movie.pk]))
        for movie in romance[:4]:
            client.post(reverse("rating-upsert", args=[movie.pk]), {"score": "5"})
    second = top_picks(client.get(reverse("home")).content.decode())

    assert not set(romance[:4]) & set(second)
    # A viewer who loves romance now sees romance first (sixteen unrated ones fill the row), so
    # ask for the whole ranked catalogue: deleted ratings must no longer hide their films.
    everything = [pick.movie for pick in selectors.user_top_picks(user=user, n=len(sci_fi) + len(romance))]
    assert set(sci_fi[:4]) <= set(everything), "films whose ratings were deleted can be recommended again"
    assert sum(m in romance for m in second[:5]) > sum(m in romance for m in first[:5])


def test_an_anonymous_visitor_sees_popular_movies(client, taste_catalog):
    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert b"Popular" in response.content
    assert b"Top picks for you" not in response.content
