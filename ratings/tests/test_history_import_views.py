"""The import pages: upload → preview (nothing written) → confirm; bad files get a message and a 400."""
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
def viewer(client, user):
    client.force_login(user)
    return client


def upload(client, name: str, content: bytes | None = None):
    data = (SAMPLES / name).read_bytes() if content is None else content
    return client.post(reverse("history-import"), {"file": SimpleUploadedFile(name, data)})


def test_the_import_page_needs_an_account(client):
    response = client.get(reverse("history-import"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_my_ratings_links_to_the_import_page(viewer):
    page = viewer.get(reverse("my-ratings")).content.decode()
    assert f'href="{reverse("history-import")}"' in page


def test_uploading_an_export_shows_a_preview_and_rates_nothing(viewer, user, films):
    response = upload(viewer, "letterboxd-ratings.csv")
    pending = HistoryImport.objects.get(user=user)
    assert response.status_code == 302 and response["Location"] == reverse("history-import-preview", args=[pending.pk])
    page = viewer.get(response["Location"]).content.decode()
    assert "Check your import" in page and "Nothing is saved until you confirm." in page
    assert 'data-count="ambiguous">1<' in page and 'data-count="unmatched">3<' in page
    assert f'name="line-{LETTERBOXD_EMMA_LINE}" value="{films[838]}"' in page
    assert "duplicate: line 41 rates this film later" in page
    assert Rating.objects.count() == 0


@pytest.mark.parametrize("name, message", [
    ("ratings.xlsx", "ZIP archive"),
    ("poster.png", "not a CSV file"),
    ("letterboxd-latin1.csv", "not UTF-8"),
    ("letterboxd-watched.csv", "has no ratings"),
])
def test_a_wrong_file_gets_a_clear_message_and_a_400(viewer, films, name, message):
    response = upload(viewer, name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not HistoryImport.objects.exists()


def test_an_empty_upload_is_refused(viewer):
    response = upload(viewer, "empty.csv")
    assert response.status_code == 400 and "The file is empty." in response.content.decode()


def test_no_file_is_refused(viewer):
    response = viewer.post(reverse("history-import"), {})
    assert response.status_code == 400 and "Choose the CSV file" in response.content.decode()


def test_a_file_over_the_size_limit_is_refused(viewer, settings):
    settings.HISTORY_IMPORT_MAX_BYTES = 1000
    response = upload(viewer, "letterboxd-ratings.csv")
    assert response.status_code == 400
    assert "one import takes at most 1000" in response.content.decode()


def test_a_file_over_the_row_limit_is_refused(viewer, settings):
    settings.HISTORY_IMPORT_MAX_ROWS = 5
    response = upload(viewer, "imdb-ratings.csv")
    assert response.status_code == 400 and "more than 5 ratings" in response.content.decode()


def test_confirming_rates_the_films_and_lands_on_my_ratings(viewer, user, films):
    upload(viewer, "letterboxd-ratings.csv")
    pending = HistoryImport.objects.get(user=user)
    response = viewer.post(reverse("history-import-confirm", args=[pending.pk]),
                           {f"line-{LETTERBOXD_EMMA_LINE}": films[838]}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("my-ratings")
    page = response.content.decode()
    assert "Import done: 33 new ratings, 0 changed, 0 already rated with the same stars." in page
    assert Rating.objects.filter(user=user, movie_id=films[838], score=3.0).exists()
    assert Rating.objects.filter(user=user).count() == 33

    done = viewer.get(reverse("history-import-preview", args=[pending.pk])).content.decode()
    assert "This import is done" in done and "history-import__confirm-form" not in done


@pytest.mark.parametrize("choice", ["abc", "999999"])
def test_a_forged_choice_is_a_400_and_writes_nothing(viewer, user, films, choice):
    upload(viewer, "letterboxd-ratings.csv")
    pending = HistoryImport.objects.get(user=user)
    response = viewer.post(reverse("history-import-confirm", args=[pending.pk]),
                           {f"line-{LETTERBOXD_EMMA_LINE}": choice})
    assert response.status_code == 400 and "Check your import" in response.content.decode()
    assert Rating.objects.count() == 0


def test_another_viewers_preview_is_not_found(client, user, other_user, films):
    client.force_login(user)
    upload(client, "imdb-ratings.csv")
    pending = HistoryImport.objects.get(user=user)
    client.force_login(other_user)
    assert client.get(reverse("history-import-preview", args=[pending.pk])).status_code == 404
    assert client.post(reverse("history-import-confirm", args=[pending.pk])).status_code == 404
    assert Rating.objects.count() == 0
