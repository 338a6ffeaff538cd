from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

PASSWORD = "a-long-test-password"

pytestmark = pytest.mark.django_db


def test_it_signs_up_logs_in_and_starts_onboarding(client):
    response = client.post(
        reverse("signup"), {"username": "newcomer", "password1": "pick-me-a-film-42", "password2": "pick-me-a-film-42"}
    )

    assert response.status_code == 302
    assert response.url == reverse("onboarding")
    assert get_user_model().objects.filter(username="newcomer").exists()
    onboarding = client.get(reverse("onboarding"))
    assert onboarding.wsgi_request.user.username == "newcomer"
    assert "Rate a few movies to get started" in onboarding.content.decode()
    assert "Top picks for you" in client.get(reverse("home")).content.decode()


def test_it_shows_errors_and_creates_nobody_when_passwords_differ(client):
    response = client.post(
        reverse("signup"), {"username": "newcomer", "password1": "pick-me-a-film-42", "password2": "something-else-42"}
    )

    assert response.status_code == 200
    assert "password fields didn’t match" in response.content.decode()
    assert not get_user_model().objects.filter(username="newcomer").exists()


def test_it_sends_members_away_from_the_signup_page(client, user):
    client.force_login(user)

    assert client.get(reverse("signup")).url == reverse("home")


def test_it_logs_in_and_returns_to_next(client, user, movie):
    target = reverse("movie-detail", args=[movie.pk])

    response = client.post(reverse("login"), {"username": "viewer", "password": PASSWORD, "next": target})

    assert response.status_code == 302
    assert response.url == target


def test_it_logs_out_only_with_post(client, user):
    client.force_login(user)

    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))

    assert response.url == reverse("home")
    assert "_auth_user_id" not in client.session


def test_header_offers_log_in_to_visitors_and_log_out_to_members(client, user):
    page = client.get(reverse("login")).content.decode()
    assert 'href="/accounts/signup/"' in page
    assert "Log out" not in page

    client.force_login(user)
    page = client.get(reverse("movie-list")).content.decode()
    assert f'action="{reverse("logout")}"' in page
    assert "viewer" in page
