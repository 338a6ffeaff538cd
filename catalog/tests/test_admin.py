from __future__ import annotations

import pytest

from catalog.models import DatasetImport, SimilarMovie
from catalog.tests.factories import MovieFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def films(db):
    toy = MovieFactory(title="Toy Story", year=1995, imdb_id="tt0114709", movielens_id=1, genres=["Animation"])
    heat = MovieFactory(title="Heat", year=1995, movielens_id=6, genres=["Crime"])
    SimilarMovie.objects.create(movie=toy, similar=heat, score=0.4, rank=1)
    return toy, heat


@pytest.mark.parametrize(
    "query",
    ["", "?q=toy", "?q=tt0114709", "?q=6", "?q=not+a+number", "?decade=1990", "?decade=none", "?decade=junk",
     "?o=5"],
)
def test_the_movie_changelist_renders_with_search_and_filters(admin_client, films, query):
    response = admin_client.get(f"/admin/catalog/movie/{query}")

    assert response.status_code == 200


def test_movie_search_finds_by_title_imdb_id_and_movielens_id(admin_client, films):
    def found(term: str) -> list[str]:
        response = admin_client.get("/admin/catalog/movie/", {"q": term})
        return [m.title for m in response.context["cl"].result_list]

    assert found("toy") == ["Toy Story"]
    assert found("TT0114709") == ["Toy Story"]
    assert found("6") == ["Heat"]


def test_the_genre_filter_narrows_movies(admin_client, films):
    toy, _ = films
    genre = toy.genres.get()

    response = admin_client.get("/admin/catalog/movie/", {"genres__id__exact": genre.pk})

    assert [m.title for m in response.context["cl"].result_list] == ["Toy Story"]


def test_the_movie_page_shows_its_computed_neighbours(admin_client, films):
    toy, _ = films

    response = admin_client.get(f"/admin/catalog/movie/{toy.pk}/change/")

    assert response.status_code == 200
    assert "Heat" in response.content.decode()


def test_the_genre_changelist_renders_with_counts(admin_client, films):
    response = admin_client.get("/admin/catalog/genre/")

    assert response.status_code == 200
    assert {g.name: g.movie_count for g in response.context["cl"].result_list} == {"Animation": 1, "Crime": 1}


def test_dataset_imports_are_read_only(admin_client):
    record = DatasetImport.objects.create(dataset="ml-100k", source="/tmp/ml-100k", movies=1682)

    assert admin_client.get("/admin/catalog/datasetimport/").status_code == 200
    assert admin_client.get("/admin/catalog/datasetimport/add/").status_code == 403
    page = admin_client.get(f"/admin/catalog/datasetimport/{record.pk}/change/")
    assert page.status_code == 200 and not page.context["has_change_permission"]


def test_people_who_are_not_staff_are_sent_to_the_login(client, user):
    client.force_login(user)

    response = client.get("/admin/catalog/movie/")

    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("path", ["/admin/catalog/movie/?title__regex=(", "/admin/catalog/movie/?title__iregex=[",
                                  "/admin/auth/user/?username__regex=(", "/admin/ratings/rating/?id__regex=("])
def test_a_regular_expression_lookup_in_the_changelist_url_is_refused_not_a_500(admin_client, movie, path):
    response = admin_client.get(path)

    assert response.status_code == 400
