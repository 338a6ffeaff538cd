from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.tests.factories import MovieFactory
from ratings.models import HiddenMovie, Rating, WatchlistEntry
from ratings.services import rating_upsert
from ratings.tests.factories import RatingFactory

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def member(client, user):
    client.force_login(user)
    return client


def upsert_url(movie) -> str:
    return reverse("rating-upsert", args=[movie.pk])


def delete_url(movie) -> str:
    return reverse("rating-delete", args=[movie.pk])


class TestRatingUpsert:
    def test_a_form_post_creates_the_rating_and_redirects_to_the_movie(self, member, user, movie):
        response = member.post(upsert_url(movie), {"score": "4.5"})

        assert response.status_code == 302
        assert response.url == reverse("movie-detail", args=[movie.pk])
        assert Rating.objects.get(user=user, movie=movie).score == 4.5
        movie.refresh_from_db()
        assert (movie.rating_count, movie.rating_mean) == (1, 4.5)

    def test_a_form_post_changes_an_existing_rating_and_follows_a_safe_next(self, member, user, movie):
        RatingFactory(user=user, movie=movie, score=2.0)

        response = member.post(upsert_url(movie), {"score": "3.0", "next": "/ratings/?page=2"}, follow=True)

        assert response.redirect_chain == [("/ratings/?page=2", 302)]
        assert Rating.objects.get(user=user, movie=movie).score == 3.0
        assert "You rated Toy Story 3.0 ★." in response.content.decode()

    def test_it_ignores_a_next_on_another_site(self, member, movie):
        response = member.post(upsert_url(movie), {"score": "3.0", "next": "https://evil.example/"})

        assert response.url == reverse("movie-detail", args=[movie.pk])

    def test_a_fetch_post_gets_json_with_the_new_summary(self, member, user, movie):
        response = member.post(upsert_url(movie), {"score": "5"}, **JSON)

        assert response.status_code == 200
        body = response.json()
        assert body["score"] == 5.0
        assert (body["movie"], body["rating_count"], body["rating_mean"]) == (movie.pk, 1, 5.0)
        assert Rating.objects.get(user=user, movie=movie).score == 5.0

    def test_it_accepts_a_json_body(self, member, user, movie):
        response = member.post(upsert_url(movie), json.dumps({"score": 0.5}), content_type="application/json")

        assert response.status_code == 200
        assert Rating.objects.get(user=user, movie=movie).score == 0.5

    def test_it_accepts_htmx_requests_and_answers_json(self, member, movie):
        response = member.post(upsert_url(movie), {"score": "2.5"}, HTTP_HX_REQUEST="true")

        assert response.json()["score"] == 2.5

    @pytest.mark.parametrize("score", ["4.3", "0", "5.5", "lots", ""])
    def test_an_invalid_score_in_json_is_400_with_the_field_error_and_writes_nothing(self, member, movie, score):
        response = member.post(upsert_url(movie), {"score": score}, **JSON)

        assert response.status_code == 400
        assert response.json()["errors"]["score"]
        assert not Rating.objects.exists()

    def test_an_invalid_score_in_a_form_is_400_with_a_message_and_keeps_the_old_rating(self, member, user, movie):
        RatingFactory(user=user, movie=movie, score=2.0)

        response = member.post(upsert_url(movie), {"score": "7"})

        assert response.status_code == 400
        page = response.content.decode()
        assert "Your rating was not saved." in page
        assert "half stars" in page
        assert Rating.objects.get(user=user, movie=movie).score == 2.0

    def test_malformed_json_is_400(self, member, movie):
        response = member.post(upsert_url(movie), "{not json", content_type="application/json")

        assert response.status_code == 400
        assert not Rating.objects.exists()

    def test_visitors_are_sent_to_log_in_and_nothing_is_written(self, client, movie):
        response = client.post(upsert_url(movie), {"score": "4.0"})

        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
        assert f"next=/movies/{movie.pk}/" in response.url
        assert not Rating.objects.exists()

    def test_visitors_fetching_get_403_json_and_nothing_is_written(self, client, movie):
        response = client.post(upsert_url(movie), {"score": "4.0"}, **JSON)

        assert response.status_code == 403
        assert "Log in" in response.json()["detail"]
        assert not Rating.objects.exists()

    def test_an_unknown_movie_is_404(self, member, db):
        assert member.post(reverse("rating-upsert", args=[999]), {"score": "4.0"}).status_code == 404

    def test_get_shows_a_standalone_rating_form(self, member, movie):
        page = member.get(upsert_url(movie)).content.decode()

        assert "Rate Toy Story" in page
        assert page.count('type="radio" name="score"') == 10


class TestRatingDelete:
    def test_a_form_post_deletes_and_redirects(self, member, user, movie):
        rating_upsert(user=user, movie=movie, score=4)

        response = member.post(delete_url(movie), follow=True)

        assert response.redirect_chain[-1][0] == reverse("movie-detail", args=[movie.pk])
        assert "was removed" in response.content.decode()
        assert not Rating.objects.exists()

    def test_a_fetch_post_gets_json(self, member, user, movie):
        rating_upsert(user=user, movie=movie, score=4)

        body = member.post(delete_url(movie), **JSON).json()

        assert body["deleted"] is True
        assert body["rating_count"] == 0
        assert member.post(delete_url(movie), **JSON).json()["deleted"] is False

    def test_it_only_deletes_the_members_own_rating(self, member, other_user, movie):
        RatingFactory(user=other_user, movie=movie)

        member.post(delete_url(movie), **JSON)

        assert Rating.objects.filter(user=other_user).exists()

    def test_visitors_cannot_delete(self, client, other_user, movie):
        RatingFactory(user=other_user, movie=movie)

        assert client.post(delete_url(movie), **JSON).status_code == 403
        assert client.post(delete_url(movie)).status_code == 302
        assert Rating.objects.exists()

    def test_get_is_not_allowed(self, member, movie):
        assert member.get(delete_url(movie)).status_code == 405


class TestMyRatings:
    def test_it_lists_only_the_members_ratings_newest_first(self, member, user, other_user):
        now = timezone.now()
        RatingFactory(user=user, movie=MovieFactory(title="Older"), rated_at=now - timedelta(days=2))
        RatingFactory(user=user, movie=MovieFactory(title="Newer"), rated_at=now)
        RatingFactory(user=other_user, movie=MovieFactory(title="Someone else's"))

        page = member.get(reverse("my-ratings")).content.decode()

        assert page.index("Newer") < page.index("Older")
        assert "Someone else" not in page
        assert "2 movies rated" in page

    def test_each_rating_can_be_changed_and_removed(self, member, user, movie):
        RatingFactory(user=user, movie=movie, score=4.0)

        page = member.get(reverse("my-ratings")).content.decode()

        assert f'action="{upsert_url(movie)}"' in page
        assert f'action="{delete_url(movie)}"' in page
        assert 'value="4.0" checked' in page

    def test_it_paginates(self, member, user):
        for i in range(25):
            RatingFactory(user=user, movie=MovieFactory(title=f"Film {i}"))

        second = member.get(reverse("my-ratings"), {"page": 2}).content.decode()

        assert second.count('class="rating-item"') == 5

    def test_visitors_are_sent_to_log_in(self, client, db):
        response = client.get(reverse("my-ratings"))

        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


class TestMyRatingsFiltersAndExport:
    def test_it_sorts_and_filters_from_the_query_string(self, member, user):
        RatingFactory(user=user, score=5.0, movie=MovieFactory(title="Alien", genres=["Horror"]))
        RatingFactory(user=user, score=2.0, movie=MovieFactory(title="Heat", genres=["Crime"]))
        RatingFactory(user=user, score=3.5, movie=MovieFactory(title="Aliens", genres=["Horror"]))

        response = member.get(reverse("my-ratings"), {"sort": "highest", "genre": "Horror"})

        assert [r.movie.title for r in response.context["page"]] == ["Alien", "Aliens"]
        page = response.content.decode()
        assert "3 movies rated, 2 shown" in page
        assert 'value="highest" selected' in page

    def test_it_ignores_invalid_filters(self, member, user):
        RatingFactory(user=user)

        response = member.get(reverse("my-ratings"), {"score_min": "9", "sort": "random", "genre": "Nope"})

        assert response.status_code == 200
        assert len(response.context["page"]) == 1

    def test_it_says_when_no_rating_matches(self, member, user):
        RatingFactory(user=user, movie=MovieFactory(title="Heat"))

        page = member.get(reverse("my-ratings"), {"q": "zzz"}).content.decode()

        assert "None of your ratings match" in page

    def test_csv_export_has_every_own_rating_and_nobody_elses(self, member, user, other_user):
        now = timezone.now()
        RatingFactory(user=user, score=4.5, rated_at=now - timedelta(days=1),
                      movie=MovieFactory(title="Amélie", year=2001, movielens_id=4973, tmdb_id=194))
        RatingFactory(user=user, score=2.0, rated_at=now, movie=MovieFactory(title="=cmd()", year=None))
        RatingFactory(user=other_user, movie=MovieFactory(title="Secret"))

        response = member.get(reverse("my-ratings-export"))

        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"].startswith('attachment; filename="moviesite-ratings-')
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert rows[0] == ["movie_id", "movielens_id", "imdb_id", "tmdb_id", "title", "year", "score", "rated_at"]
        assert [row[4:7] for row in rows[1:]] == [["Amélie", "2001", "4.5"], ["'=cmd()", "", "2.0"]]
        assert rows[1][1:4] == ["4973", "", "194"]

    def test_visitors_cannot_export(self, client, db):
        assert client.get(reverse("my-ratings-export")).status_code == 302


class TestWatchlistAndHide:
    def test_a_form_post_adds_to_the_watchlist_and_redirects_back(self, member, user, movie):
        response = member.post(reverse("watchlist-toggle", args=[movie.pk]), {"action": "add", "next": "/"},
                               follow=True)

        assert response.redirect_chain == [("/", 302)]
        assert WatchlistEntry.objects.filter(user=user, movie=movie).exists()
        assert "Toy Story is on your watchlist." in response.content.decode()

    def test_fetch_gets_json_and_can_remove(self, member, user, movie):
        added = member.post(reverse("watchlist-toggle", args=[movie.pk]), {"action": "add"}, **JSON).json()
        removed = member.post(reverse("watchlist-toggle", args=[movie.pk]), {"action": "remove"}, **JSON).json()

        assert added["on_watchlist"] is True and removed["on_watchlist"] is False
        assert not WatchlistEntry.objects.exists()

    def test_an_unknown_action_is_400(self, member, movie):
        response = member.post(reverse("watchlist-toggle", args=[movie.pk]), {"action": "burn"}, **JSON)

        assert response.status_code == 400
        assert response.json()["errors"]["action"]

    def test_not_interested_hides_and_undo_unhides(self, member, user, movie):
        hidden = member.post(reverse("hidden-toggle", args=[movie.pk]), {"action": "hide"}, **JSON).json()
        assert hidden["hidden"] is True and "will not be recommended" in hidden["message"]
        assert HiddenMovie.objects.filter(user=user, movie=movie).exists()

        response = member.post(reverse("hidden-toggle", args=[movie.pk]), {"action": "unhide"})

        assert response.url == reverse("movie-detail", args=[movie.pk])
        assert not HiddenMovie.objects.exists()

    def test_visitors_are_refused(self, client, movie):
        assert client.post(reverse("hidden-toggle", args=[movie.pk]), {"action": "hide"}, **JSON).status_code == 403
        assert client.post(reverse("watchlist-toggle", args=[movie.pk]), {"action": "add"}).status_code == 302
        assert not HiddenMovie.objects.exists() and not WatchlistEntry.objects.exists()

    def test_the_watchlist_page_lists_own_entries_with_rating_widgets(self, member, user, other_user, movie):
        WatchlistEntry.objects.create(user=user, movie=movie)
        WatchlistEntry.objects.create(user=other_user, movie=MovieFactory(title="Not mine"))

        page = member.get(reverse("watchlist")).content.decode()

        assert "Toy Story" in page and "Not mine" not in page
        assert f'action="{upsert_url(movie)}"' in page
        assert "Seen it? Rate it" in page
        assert 'value="remove"' in page

    def test_the_hidden_page_offers_to_show_a_film_again(self, member, user, movie):
        HiddenMovie.objects.create(user=user, movie=movie)

        page = member.get(reverse("hidden-list")).content.decode()

        assert "Toy Story" in page
        assert 'name="action" value="unhide"' in page

    def test_cards_show_the_watchlist_state(self, member, user, movie):
        WatchlistEntry.objects.create(user=user, movie=movie)
        movie.rating_count = 1
        movie.save()

        page = member.get(reverse("movie-list")).content.decode()

        assert 'aria-pressed="true"' in page
