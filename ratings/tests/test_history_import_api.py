"""The import API: POST a file → preview JSON (nothing written), POST choices → ratings; 400 on bad input."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ratings.models import HistoryImport, Rating
from ratings.tests.history_samples import LETTERBOXD_EMMA_LINE, SAMPLES, catalogue_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def films():
    return catalogue_create()


@pytest.fixture
def client(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def upload(client, name: str):
    return client.post(reverse("api-history-import"),
                       {"file": SimpleUploadedFile(name, (SAMPLES / name).read_bytes())}, format="multipart")


def test_posting_an_export_returns_the_preview_and_rates_nothing(client, films):
    response = upload(client, "letterboxd-ratings.csv")
    assert response.status_code == 201
    body = response.json()
    assert body["source"] == "letterboxd" and not body["confirmed"]
    assert body["counts"] == {"ambiguous": 1, "changed": 0, "new": 32, "same": 0, "unmatched": 3, "skipped": 4}
    emma = next(e for e in body["entries"] if e["line"] == LETTERBOXD_EMMA_LINE)
    assert emma["group"] == "ambiguous" and {c["id"] for c in emma["candidates"]} == {films[838], films[26958]}
    godfather = next(e for e in body["entries"] if e["line"] == 12)
    assert godfather["movie"] == {"id": films[858], "title": "The Godfather", "year": 1972}
    assert Rating.objects.count() == 0
    assert client.get(reverse("api-history-import-detail", args=[body["id"]])).json() == body


def test_confirming_with_a_choice_writes_the_ratings(client, user, films):
    preview = upload(client, "letterboxd-ratings.csv").json()
    url = reverse("api-history-import-confirm", args=[preview["id"]])
    response = client.post(url, {"choices": {str(LETTERBOXD_EMMA_LINE): films[838]}}, format="json")
    assert response.status_code == 200
    assert response.json() == {"created": 33, "changed": 0, "unchanged": 0, "missing": 0, "already_confirmed": False}
    assert Rating.objects.get(user=user, movie_id=films[838]).score == 3.0
    assert client.post(url, {}, format="json").json()["already_confirmed"] is True
    assert Rating.objects.filter(user=user).count() == 33


@pytest.mark.parametrize("name", ["poster.png", "ratings.xlsx", "letterboxd-latin1.csv", "empty.csv"])
def test_a_wrong_file_is_a_400_field_error(client, name):
    response = upload(client, name)
    assert response.status_code == 400 and list(response.json()) == ["file"]
    assert not HistoryImport.objects.exists()


def test_no_file_is_a_400_field_error(client):
    response = client.post(reverse("api-history-import"), {}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()


@pytest.mark.parametrize("choices", [{str(LETTERBOXD_EMMA_LINE): 999_999}, {"x": 1}, {"2": None}, "not a dict",
                                     {str(LETTERBOXD_EMMA_LINE): "abc"}])
def test_a_bad_choice_is_a_400_and_writes_nothing(client, films, choices):
    preview = upload(client, "letterboxd-ratings.csv").json()
    response = client.post(reverse("api-history-import-confirm", args=[preview["id"]]), {"choices": choices},
                           format="json")
    assert response.status_code == 400 and "choices" in response.json()
    assert Rating.objects.count() == 0


def test_another_viewers_import_is_a_404(client, api_client, other_user, films):
    preview = upload(client, "imdb-ratings.csv").json()
    api_client.force_authenticate(other_user)
    assert api_client.get(reverse("api-history-import-detail", args=[preview["id"]])).status_code == 404
    assert api_client.post(reverse("api-history-import-confirm", args=[preview["id"]]), {},
                           format="json").status_code == 404


def test_the_import_api_needs_a_token(api_client):
    assert api_client.post(reverse("api-history-import"), {}, format="multipart").status_code == 401
