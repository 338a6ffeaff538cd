from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db

TOKEN = "/api/auth/token/"


def test_it_gives_a_token_for_a_username_and_password(api_client, user):
    response = api_client.post(TOKEN, {"username": "viewer", "password": "a-long-test-password"}, format="json")

    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=user).key}


def test_it_returns_the_same_token_each_time(api_client, user):
    credentials = {"username": "viewer", "password": "a-long-test-password"}

    first = api_client.post(TOKEN, credentials, format="json").json()["token"]
    second = api_client.post(TOKEN, credentials).json()["token"]  # form-encoded works too

    assert first == second


def test_the_token_authenticates_api_calls(api_client, user):
    key = api_client.post(TOKEN, {"username": "viewer", "password": "a-long-test-password"}).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    assert api_client.get("/api/ratings/").status_code == 200


def test_a_wrong_password_is_a_400_without_a_token(api_client, user):
    response = api_client.post(TOKEN, {"username": "viewer", "password": "guess"}, format="json")

    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    assert not Token.objects.exists()


def test_an_inactive_user_gets_no_token(api_client, user):
    user.is_active = False
    user.save()

    response = api_client.post(TOKEN, {"username": "viewer", "password": "a-long-test-password"}, format="json")

    assert response.status_code == 400


@pytest.mark.parametrize("body, field", [({"username": "viewer"}, "password"), ({"password": "x"}, "username")])
def test_missing_fields_are_400_with_field_errors(api_client, user, body, field):
    response = api_client.post(TOKEN, body, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_malformed_json_is_a_400(api_client):
    response = api_client.generic("POST", TOKEN, "{oops", content_type="application/json")

    assert response.status_code == 400


def test_a_signed_in_browser_needs_no_csrf_token_to_ask_for_a_token(user):
    from rest_framework.test import APIClient

    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(user)

    response = browser.post(TOKEN, {"username": "viewer", "password": "a-long-test-password"}, format="json")

    assert response.status_code == 200
