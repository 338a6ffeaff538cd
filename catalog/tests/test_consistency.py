"""Issue 16's consistency fixes: what one page or answer says agrees with what the next one says."""
from __future__ import annotations

import csv
import io
import re

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from catalog.models import Movie
from catalog.selectors import HIGHEST_RATED_MIN_RATINGS
from catalog.tests.factories import MovieFactory
from ratings.services import rating_upsert
from recommendations.sections import Card

pytestmark = pytest.mark.django_db


@pytest.fixture
def godfather(db):
    return MovieFactory(title="Godfather, The", year=1972, rating_count=192, rating_mean=4.2890625, genres=["Crime"])


class TestMovieDetailCounts:
    def test_the_histogram_caption_and_the_ratings_count_agree_after_a_rating(self, client, user, other_user, movie):
        rating_upsert(user=other_user, movie=movie, score=3)
        client.force_login(user)
        client.post(reverse("rating-upsert", args=[movie.pk]), {"score": "4.5"}, HTTP_ACCEPT="application/json")

        page = client.get(reverse("movie-detail", args=[movie.pk])).content.decode()

        caption = re.search(r'<figcaption class="histogram__caption">(.*?)</figcaption>', page, re.S).group(1)
        assert re.sub(r"<[^>]+>", "", caption) == "How 2 viewers rated it"
        # Both numbers are the same element kind: the rating script updates every one of them at once.
        counts = re.findall(rf'data-movie-count="{movie.pk}">(\d+)<', page)
        assert counts == ["2", "2"]
        bars = dict(re.findall(r'data-score="([\d.]+)" data-count="(\d+)"', page))
        assert (bars["3.0"], bars["4.5"], sum(map(int, bars.values()))) == ("1", "1", 2)


class TestPredictedStars:
    def test_a_rated_movie_hides_its_predicted_stars_beside_the_viewers_own(self, client, user, movie):
        client.force_login(user)
        unrated = client.get(reverse("movie-detail", args=[movie.pk])).content.decode()
        rating_upsert(user=user, movie=movie, score=4)

        rated = client.get(reverse("movie-detail", args=[movie.pk])).content.decode()

        assert f'<div class="stat stat--accent" data-predicted="{movie.pk}">' in unrated
        assert f'<div class="stat stat--accent" data-predicted="{movie.pk}" hidden>' in rated

    def test_a_card_of_a_movie_the_viewer_rated_shows_no_predicted_stars(self, user, movie, other_user):
        rating_upsert(user=user, movie=movie, score=2)
        card = Card(movie=movie, reason="Because you liked Heat", predicted_rating=4.3)

        def render(viewer) -> str:
            request = RequestFactory().get("/")
            request.user = viewer
            return render_to_string("catalog/_movie_card.html", {"movie": movie, "pick": card}, request)

        assert "predicted for you" not in render(user)
        assert "predicted for you" in render(other_user)


class TestHighestRated:
    @pytest.fixture
    def films(self, db):
        MovieFactory(title="One Fan", rating_count=1, rating_mean=5.0)
        for i in range(30):
            MovieFactory(title=f"Known {i:02}", rating_count=HIGHEST_RATED_MIN_RATINGS + i, rating_mean=3.0)

    def test_page_one_never_leads_with_a_film_of_few_ratings(self, client, films):
        page = client.get(reverse("movie-list"), {"sort": "rating"}).context["page"]

        assert all(movie.rating_count >= HIGHEST_RATED_MIN_RATINGS for movie in page)

    def test_the_api_sorts_the_same_way(self, api_client, films):
        results = api_client.get("/api/movies/", {"ordering": "rating"}).json()["results"]

        assert all(movie["rating_count"] >= HIGHEST_RATED_MIN_RATINGS for movie in results)


class TestYearRange:
    def test_a_from_year_after_the_to_year_is_a_clear_error_not_an_empty_list(self, client, movie):
        response = client.get(reverse("movie-list"), {"year_min": 2000, "year_max": 1990})

        page = response.content.decode()
        assert "“To” year (1990) is before the “From” year (2000)" in page
        assert 'aria-invalid="true"' in page
        assert "Toy Story" in page, "the year filter is ignored rather than matching nothing"

    def test_the_api_answers_400_naming_the_field(self, api_client, movie):
        response = api_client.get("/api/movies/", {"year_min": 2000, "year_max": 1990})

        assert response.status_code == 400
        assert list(response.json()) == ["year_max"]


class TestNaturalTitles:
    def test_the_movies_api_gives_the_natural_title_and_keeps_the_sort_title(self, api_client, godfather):
        listed = api_client.get("/api/movies/").json()["results"][0]
        one = api_client.get(f"/api/movies/{godfather.pk}/").json()

        for payload in (listed, one):
            assert (payload["title"], payload["sort_title"]) == ("The Godfather", "Godfather, The")

    def test_ratings_and_recommendations_name_movies_naturally(self, api_client, user, godfather):
        rating_upsert(user=user, movie=godfather, score=5)
        api_client.force_authenticate(user)

        rating = api_client.get("/api/ratings/").json()["results"][0]
        api_client.force_authenticate(None)
        popular = api_client.get("/api/recommendations/").json()["results"][0]  # a visitor: popular films

        assert rating["movie"]["title"] == "The Godfather" and rating["movie"]["sort_title"] == "Godfather, The"
        assert popular["movie"]["title"] == "The Godfather"

    def test_recommendations_from_a_model_name_movies_naturally(self, api_client, user, taste_catalog):
        from recommendations import services

        sci_fi, romance = taste_catalog
        Movie.objects.filter(pk=sci_fi[10].pk).update(title="Voyage Home, The")
        services.model_train()
        for film in sci_fi[:5]:
            rating_upsert(user=user, movie=film, score=5)
        api_client.force_authenticate(user)

        results = api_client.get("/api/recommendations/", {"n": 20}).json()["results"]

        titles = [result["movie"]["title"] for result in results]
        assert "The Voyage Home" in titles and "Voyage Home, The" not in titles

    def test_the_csv_export_and_the_messages_use_natural_titles(self, client, user, godfather):
        client.force_login(user)
        response = client.post(reverse("rating-upsert", args=[godfather.pk]), {"score": "4.5"}, follow=True)

        assert "You rated The Godfather 4.5" in response.content.decode()
        export = client.get(reverse("my-ratings-export"))
        rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
        assert rows[0]["title"] == "The Godfather"


class TestRoundedMeans:
    def test_api_means_have_two_decimals(self, api_client, godfather):
        listed = api_client.get("/api/movies/").json()["results"][0]
        one = api_client.get(f"/api/movies/{godfather.pk}/").json()

        assert listed["rating_mean"] == one["rating_mean"] == 4.29

    def test_a_movie_without_ratings_has_no_mean(self, api_client, db):
        MovieFactory(title="Unseen", rating_count=0, rating_mean=None)

        assert api_client.get("/api/movies/").json()["results"][0]["rating_mean"] is None
