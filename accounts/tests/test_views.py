from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

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


@pytest.fixture
def lockout(settings):
    settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME = 10, timedelta(minutes=15)


def test_ten_wrong_passwords_lock_the_login_form_for_that_username_and_address(client, user, other_user, lockout):
    wrong = {"username": "viewer", "password": "guess"}

    answers = [client.post(reverse("login"), wrong).status_code for _ in range(10)]
    right = client.post(reverse("login"), {"username": "viewer", "password": PASSWORD})

    assert answers == [200] * 9 + [429]
    assert right.status_code == 429 and "too many login attempts" in right.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account signs in from the same address: a lockout is per username and address.
    assert client.post(reverse("login"), {"username": "someone-else", "password": PASSWORD}).status_code == 302


def test_the_lockout_lifts_after_the_cool_off(client, user, lockout):
    from axes.models import AccessAttempt

    for _ in range(10):
        client.post(reverse("login"), {"username": "viewer", "password": "guess"})
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    response = client.post(reverse("login"), {"username": "viewer", "password": PASSWORD})

    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)


def test_a_successful_login_forgets_earlier_failures(client, user, lockout):
    for _ in range(9):
        client.post(reverse("login"), {"username": "viewer", "password": "guess"})
    assert client.post(reverse("login"), {"username": "viewer", "password": PASSWORD}).status_code == 302
    client.post(reverse("logout"))

    assert client.post(reverse("login"), {"username": "viewer", "password": "guess"}).status_code == 200


class TestAccountChanges:
    """Every change to a signed-in member's account counts on their next page."""

    @pytest.fixture
    def member(self, client, user):
        client.force_login(user)
        assert client.get(reverse("my-ratings")).status_code == 200
        return user

    def test_a_deactivated_member_is_signed_out_on_the_next_page(self, client, member):
        member.is_active = False
        member.save()

        assert client.get(reverse("my-ratings")).status_code == 302  # to the login page

    def test_a_new_password_ends_the_other_sessions(self, client, member):
        member.set_password("another-long-password")
        member.save()

        assert client.get(reverse("my-ratings")).status_code == 302

    def test_a_member_made_staff_reaches_the_dashboard_at_once(self, client, member):
        assert client.get(reverse("staff-dashboard")).status_code in (302, 403)
        member.is_staff = True
        member.save()

        assert client.get(reverse("staff-dashboard")).status_code == 200

    def test_a_deleted_account_is_signed_out(self, client, member):
        member.delete()

        assert client.get(reverse("my-ratings")).status_code == 302


# --- Outside probe (issue 15) ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_a_username_longer_than_any_account_can_have_is_a_form_error_not_a_500(client, user, path):
    from axes.models import AccessAttempt

    response = client.post(path, {"username": "u" * 300, "password": "guess"})

    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert not AccessAttempt.objects.exists()  # never reached django-axes' 255-character record


def test_attempts_during_a_lockout_do_not_extend_it(client, user, lockout):
    from axes.models import AccessAttempt

    for _ in range(10):
        client.post(reverse("login"), {"username": "viewer", "password": "guess"})
    locked_at = timezone.now() - timedelta(minutes=14)
    AccessAttempt.objects.update(attempt_time=locked_at)

    wrong = client.post(reverse("login"), {"username": "viewer", "password": "guess"})
    right = client.post(reverse("login"), {"username": "viewer", "password": PASSWORD})

    assert (wrong.status_code, right.status_code) == (429, 429)
    attempt = AccessAttempt.objects.get()
    assert attempt.attempt_time == locked_at, "the cool-off still ends 15 minutes after the lockout began"
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert client.post(reverse("login"), {"username": "viewer", "password": PASSWORD}).status_code == 302


def test_a_username_differing_only_in_case_is_refused_by_the_form(client, user):
    response = client.post(reverse("signup"), {"username": "VIEWER", "password1": "pick-me-a-film-42",
                                               "password2": "pick-me-a-film-42"})

    assert response.status_code == 200 and "username" in response.context["form"].errors
    assert get_user_model().objects.filter(username__iexact="viewer").count() == 1


def test_the_database_refuses_a_username_differing_only_in_case(user):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        get_user_model().objects.create_user(username="Viewer", password=PASSWORD)
