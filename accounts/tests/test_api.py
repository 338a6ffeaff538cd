from __future__ import annotations

from datetime import timedelta

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


# --- Throttling and lockout --------------------------------------------------------------------
CREDENTIALS = {"username": "viewer", "password": "a-long-test-password"}


def test_the_eleventh_token_request_in_a_minute_is_429(api_client, user, throttle_rates):
    throttle_rates(token="10/min")

    answers = [api_client.post(TOKEN, CREDENTIALS, format="json").status_code for _ in range(10)]
    eleventh = api_client.post(TOKEN, CREDENTIALS, format="json")

    assert answers == [200] * 10
    assert eleventh.status_code == 429 and int(eleventh["Retry-After"]) > 0
    # The limit is per client address: another address is still served.
    assert api_client.post(TOKEN, CREDENTIALS, format="json", REMOTE_ADDR="10.1.2.3").status_code == 200


def test_ten_wrong_passwords_lock_the_token_endpoint_even_for_the_right_password(
    api_client, user, other_user, throttle_rates, settings
):
    throttle_rates(token=None)  # django-axes alone, not the rate limit
    settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME = 10, timedelta(minutes=15)
    wrong = {**CREDENTIALS, "password": "guess"}

    answers = [api_client.post(TOKEN, wrong, format="json").status_code for _ in range(10)]
    locked = api_client.post(TOKEN, CREDENTIALS, format="json")

    assert answers == [400] * 9 + [429]
    assert locked.status_code == 429 and "try again later" in locked.json()["detail"]
    assert int(locked["Retry-After"]) == 15 * 60
    assert not Token.objects.filter(user=user).exists()
    # Lockout is per username and address: another account from the same address is unaffected.
    other = api_client.post(TOKEN, {"username": "someone-else", "password": "a-long-test-password"}, format="json")
    assert other.status_code == 200


def test_the_api_throttles_anonymous_clients_per_address(api_client, throttle_rates):
    throttle_rates(anon="3/min")

    answers = [api_client.get("/api/genres/").status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    # A forged X-Forwarded-For does not make a new client (no proxies are trusted by default)...
    assert api_client.get("/api/genres/", HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 429
    # ...another address does.
    assert api_client.get("/api/genres/", REMOTE_ADDR="10.1.2.3").status_code == 200


def test_the_api_throttles_each_signed_in_user_separately(api_client, user, other_user, throttle_rates):
    throttle_rates(user="2/min")
    api_client.force_authenticate(user)
    answers = [api_client.get("/api/ratings/").status_code for _ in range(3)]
    api_client.force_authenticate(other_user)

    assert answers == [200, 200, 429]
    assert api_client.get("/api/ratings/").status_code == 200


def test_a_username_longer_than_any_account_can_have_is_a_field_error(api_client, user):
    from axes.models import AccessAttempt

    response = api_client.post(TOKEN, {"username": "u" * 300, "password": "guess"}, format="json")

    assert response.status_code == 400 and "username" in response.json()
    assert not AccessAttempt.objects.exists()  # never reached authenticate(), so nothing to record


def test_a_throttled_client_is_told_when_to_come_back(api_client, throttle_rates):
    throttle_rates(anon="2/min")

    answers = [api_client.get("/api/genres/") for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert 0 < int(answers[-1]["Retry-After"]) <= 60


@pytest.fixture
def token_client(api_client, user):
    """A client sending the user's token, after one successful call."""
    key = Token.objects.create(user=user).key
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get("/api/ratings/").status_code == 200
    return api_client


def test_a_deleted_token_stops_working_at_once(token_client, user):
    Token.objects.filter(user=user).delete()

    assert token_client.get("/api/ratings/").status_code in (401, 403)


def test_a_deactivated_user_is_refused_at_once(token_client, user):
    user.is_active = False
    user.save()

    assert token_client.get("/api/ratings/").status_code in (401, 403)


def test_a_user_made_staff_is_staff_at_once(token_client, user):
    assert token_client.get("/api/staff/model-versions/").status_code == 403
    user.is_staff = True
    user.save()

    assert token_client.get("/api/staff/model-versions/").status_code == 200
