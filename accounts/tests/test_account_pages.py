"""Account pages: password reset by email, password change, the API token and deleting an account."""
from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from rest_framework.authtoken.models import Token

PASSWORD = "a-long-test-password"
NEW_PASSWORD = "a-brand-new-passphrase-7"

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(django_user_model):
    return django_user_model.objects.create_user(username="viewer", email="viewer@example.com", password=PASSWORD)


def _logs_in(client, password: str) -> bool:
    client.logout()
    response = client.post(reverse("login"), {"username": "viewer", "password": password})
    return response.status_code == 302


class TestPasswordReset:
    def test_the_login_page_links_to_the_reset_page_and_the_reset_page_answers(self, client):
        login = client.get(reverse("login")).content.decode()

        assert f'href="{reverse("password_reset")}">Forgot password?' in login
        assert reverse("password_reset") == "/accounts/password_reset/"
        assert client.get("/accounts/password_reset/").status_code == 200

    def test_the_emailed_link_sets_a_new_password_that_logs_in(self, client, member):
        response = client.post(reverse("password_reset"), {"email": "viewer@example.com"})

        assert response.url == reverse("password_reset_done")
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["viewer@example.com"]
        assert message.subject == "Reset your moviesite password"
        link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)
        form_page = client.get(link, follow=True)
        assert "Set a new password" in form_page.content.decode()
        done = client.post(form_page.redirect_chain[-1][0],
                           {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        assert done.url == reverse("password_reset_complete")
        assert _logs_in(client, NEW_PASSWORD)
        assert not _logs_in(client, PASSWORD)

    def test_a_used_link_no_longer_works(self, client, member):
        client.post(reverse("password_reset"), {"email": "viewer@example.com"})
        link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
        form_page = client.get(link, follow=True)
        client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

        again = client.get(link, follow=True).content.decode()

        assert "This link no longer works" in again

    def test_an_unknown_address_sends_nothing_and_says_the_same_as_a_known_one(self, client, member):
        response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})

        assert response.url == reverse("password_reset_done")
        assert mail.outbox == []

    def test_a_malformed_address_is_a_field_error(self, client):
        response = client.post(reverse("password_reset"), {"email": "not an address"})

        assert response.status_code == 200
        assert "Enter a valid email address" in response.content.decode()


class TestPasswordChange:
    def test_it_changes_the_password_and_keeps_the_member_signed_in(self, client, member):
        client.force_login(member)

        response = client.post(reverse("password_change"), {
            "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
        })

        assert response.url == reverse("account")
        page = client.get(reverse("account"))
        assert page.wsgi_request.user == member
        assert "Your password was changed." in page.content.decode()
        assert _logs_in(client, NEW_PASSWORD)

    def test_a_wrong_old_password_changes_nothing(self, client, member):
        client.force_login(member)

        response = client.post(reverse("password_change"), {
            "old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
        })

        assert response.status_code == 200
        assert "Your old password was entered incorrectly" in response.content.decode()
        assert _logs_in(client, PASSWORD)

    def test_it_needs_a_login(self, client):
        assert client.get(reverse("password_change")).url.startswith(reverse("login"))


class TestAccountPage:
    def test_it_links_to_every_account_action_and_the_header_links_to_it(self, client, member):
        client.force_login(member)

        page = client.get("/accounts/").content.decode()

        for name in ("password_change", "api-token", "account-delete", "my-ratings-export"):
            assert f'href="{reverse(name)}"' in page, name
        assert f'href="{reverse("account")}" aria-current="page">Account</a>' in page
        assert f'href="{reverse("account")}"' in client.get(reverse("home")).content.decode()

    def test_visitors_are_sent_to_log_in(self, client):
        assert client.get("/accounts/").url == f"{reverse('login')}?next=/accounts/"


class TestApiToken:
    def test_reading_the_page_creates_no_token_and_the_button_creates_one(self, client, member):
        client.force_login(member)

        assert "Create a token" in client.get(reverse("api-token")).content.decode()
        assert not Token.objects.filter(user=member).exists()
        client.post(reverse("api-token-rotate"))

        key = Token.objects.get(user=member).key
        page = client.get(reverse("api-token")).content.decode()
        assert key in page
        assert f'curl -H "Authorization: Token {key}" http://testserver/api/recommendations/' in page

    def test_rotating_replaces_the_token_and_the_old_one_stops_working(self, client, member, api_client):
        old = Token.objects.create(user=member).key
        client.force_login(member)

        response = client.post(reverse("api-token-rotate"), follow=True)

        new = Token.objects.get(user=member).key
        assert new != old
        assert new in response.content.decode()
        assert "the old one no longer works" in response.content.decode()
        assert api_client.get("/api/ratings/", HTTP_AUTHORIZATION=f"Token {old}").status_code == 401
        assert api_client.get("/api/ratings/", HTTP_AUTHORIZATION=f"Token {new}").status_code == 200

    def test_rotating_takes_a_post_with_a_csrf_token(self, member):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(member)

        assert client.get(reverse("api-token-rotate")).status_code == 405
        assert client.post(reverse("api-token-rotate")).status_code == 403
        assert not Token.objects.filter(user=member).exists()


class TestAccountDelete:
    def test_the_confirmation_page_names_what_goes(self, client, member, movie):
        from ratings.services import rating_upsert

        rating_upsert(user=member, movie=movie, score=4)
        client.force_login(member)

        page = client.get(reverse("account-delete")).content.decode()

        assert "1 rating</strong>" in page and "cannot be undone" in page

    def test_a_wrong_password_deletes_nothing(self, client, member):
        client.force_login(member)

        response = client.post(reverse("account-delete"), {"password": "wrong"})

        assert response.status_code == 400
        assert "That is not your password" in response.content.decode()
        assert get_user_model().objects.filter(pk=member.pk).exists()

    def test_it_deletes_everything_logs_out_and_says_so(self, client, member, movie, other_user,
                                                         django_capture_on_commit_callbacks):
        from catalog.models import Movie
        from ratings.models import HiddenMovie, Rating, WatchlistEntry
        from ratings.services import movie_hide, rating_upsert, watchlist_add

        second = Movie.objects.create(title="Heat", year=1995)
        third = Movie.objects.create(title="Alien", year=1979)
        rating_upsert(user=member, movie=movie, score=5)
        rating_upsert(user=other_user, movie=movie, score=3)
        rating_upsert(user=member, movie=second, score=2)
        watchlist_add(user=member, movie=third)
        movie_hide(user=member, movie=third)
        Token.objects.create(user=member)
        client.force_login(member)

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("account-delete"), {"password": PASSWORD}, follow=True)

        assert response.redirect_chain == [(reverse("home"), 302)]
        assert not response.wsgi_request.user.is_authenticated
        assert "Your account, ratings and lists were deleted." in response.content.decode()
        assert not get_user_model().objects.filter(pk=member.pk).exists()
        for model in (Rating, WatchlistEntry, HiddenMovie, Token):
            assert not model.objects.filter(user_id=member.pk).exists(), model.__name__
        # The movies' counts and means no longer hold the deleted stars; the other viewer's stay.
        movie.refresh_from_db()
        second.refresh_from_db()
        assert (movie.rating_count, movie.rating_sum, movie.rating_mean) == (1, 3.0, 3.0)
        assert (second.rating_count, second.rating_sum, second.rating_mean) == (0, 0.0, None)
        assert Rating.objects.filter(user=other_user).count() == 1

    def test_it_needs_a_login(self, client):
        assert client.post(reverse("account-delete"), {"password": PASSWORD}).url.startswith(reverse("login"))


def test_a_deleted_viewer_leaves_no_cached_picks_and_no_training_rows(client, taste_catalog, member, monkeypatch,
                                                                      django_capture_on_commit_callbacks):
    """The model forgets the viewer at the next retrain: the training export no longer holds their ratings,
    and the picks cached under their id are gone at once."""
    from ratings.models import Rating
    from ratings.services import rating_upsert
    from recommendations import cache as rec_cache
    from recommendations import services, tasks
    from recommendations.export import ratings_export

    monkeypatch.setattr(tasks.user_recommendations_refresh, "delay", lambda user_id: None)
    sci_fi, romance = taste_catalog
    for m in sci_fi[:4]:
        rating_upsert(user=member, movie=m, score=5)
    rating_upsert(user=member, movie=romance[0], score=1)
    version = services.model_train()
    services.user_recommendations_refresh(user_id=member.pk)
    key = rec_cache.user_recommendations_key(version_id=version.pk, user_id=member.pk)
    assert rec_cache.cache.get(key), "picks were cached for the viewer"
    assert (ratings_export()["user_id"] == member.pk).sum() == 5
    client.force_login(member)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account-delete"), {"password": PASSWORD})

    assert not Rating.objects.filter(user_id=member.pk).exists()
    assert rec_cache.cache.get(key) is None
    assert rec_cache.cache.get(rec_cache.user_state_key(member.pk)) is None
    exported = ratings_export()
    assert len(exported) == 960 and member.pk not in set(exported["user_id"])
    # A refresh queued before the deletion and run after it caches nothing under the old id.
    services.user_recommendations_refresh(user_id=member.pk)
    assert rec_cache.cache.get(key) is None
