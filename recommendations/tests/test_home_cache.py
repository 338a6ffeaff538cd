"""The home page's rows are rendered once per member state and model; every change a viewer makes shows at once."""
from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from ratings.services import movie_hide, rating_upsert, watchlist_add
from recommendations import services

pytestmark = pytest.mark.django_db


def card_ids(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'class="card__link" href="/movies/(\d+)/"', page)]


@pytest.fixture
def member(client, user, taste_catalog, django_capture_on_commit_callbacks):
    """A signed-in member with a few sci-fi ratings and an active model."""
    sci_fi, _ = taste_catalog
    services.model_train()
    with django_capture_on_commit_callbacks(execute=True):
        for movie in sci_fi[:4]:
            rating_upsert(user=user, movie=movie, score=5)
    client.force_login(user)
    return user


def test_a_second_visit_reads_the_rows_from_the_cache(client, member, django_assert_max_num_queries):
    first = client.get(reverse("home")).content.decode()

    with django_assert_max_num_queries(1):  # the signed-in user; session, rows and "rate N more" count cached
        again = client.get(reverse("home")).content.decode()

    assert card_ids(again) == card_ids(first) and len(card_ids(first)) >= 10


def test_rating_hiding_and_watch_listing_show_on_the_next_visit(
    client, member, taste_catalog, django_capture_on_commit_callbacks
):
    sci_fi, _ = taste_catalog
    picks = card_ids(client.get(reverse("home")).content.decode())
    shown_sci_fi = [m for m in sci_fi[4:] if m.pk in picks]
    assert len(shown_sci_fi) >= 3
    rated, hidden, listed = shown_sci_fi[:3]

    with django_capture_on_commit_callbacks(execute=True):
        rating_upsert(user=member, movie=rated, score=4)
        movie_hide(user=member, movie=hidden)
        watchlist_add(user=member, movie=listed)
    page = client.get(reverse("home")).content.decode()

    shown = card_ids(page)
    assert rated.pk not in shown and hidden.pk not in shown and listed.pk not in shown
    assert "You have rated 5 movies" in page


def test_a_new_model_gives_new_rows(client, member, taste_catalog):
    client.get(reverse("home"))
    version = services.model_train()

    page = client.get(reverse("home")).content.decode()

    assert version.status == "active"
    assert page.count("predicted for you") >= 5


def test_the_cached_forms_work_after_signing_in_again(member, taste_catalog):
    """Each sign-in has a new CSRF secret: rows rendered for the previous one must not be served."""
    sci_fi, _ = taste_catalog
    browser = Client(enforce_csrf_checks=True)
    for _ in range(2):
        browser.force_login(member)
        page = browser.get(reverse("home")).content.decode()
        token = re.search(r'action="/ratings/watchlist/(\d+)/".*?name="csrfmiddlewaretoken" value="([^"]+)"', page,
                          re.S)
        assert token, "the rows have watchlist forms"
        movie_pk, csrf = token.groups()
        response = browser.post(reverse("watchlist-toggle", args=[movie_pk]),
                                {"csrfmiddlewaretoken": csrf, "action": "add", "next": "/"})
        assert response.status_code == 302, "the form's token is accepted"
        browser.logout()


def test_anonymous_visitors_share_one_rendering(client, taste_catalog, django_assert_max_num_queries):
    first = client.get(reverse("home")).content.decode()

    with django_assert_max_num_queries(0):
        again = client.get(reverse("home")).content.decode()

    assert card_ids(again) == card_ids(first) and card_ids(first)
