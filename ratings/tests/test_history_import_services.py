"""Preview then confirm: nothing written before confirmation, one atomic and idempotent write after it."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from catalog.models import Movie
from ratings.history_import.apply import history_import_confirm
from ratings.history_import.preview import history_import_preview
from ratings.history_import.summary import import_summary
from ratings.models import HistoryImport, Rating
from ratings.services import rating_upsert
from ratings.tests.history_samples import (
    IMDB_DUPLICATE,
    IMDB_TRUTH,
    IMDB_TV_LINES,
    LETTERBOXD_DUPLICATE,
    LETTERBOXD_EMMA_LINE,
    LETTERBOXD_TRUTH,
    SAMPLES,
    catalogue_create,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def films() -> dict[int, int]:
    """movielens id → Movie pk for the sample catalogue."""
    return catalogue_create()


def preview(user, name: str) -> HistoryImport:
    return history_import_preview(user=user, data=(SAMPLES / name).read_bytes(), filename=name)


def by_line(pending: HistoryImport) -> dict[int, dict]:
    return {entry["line"]: entry for entry in pending.entries}


def my_ratings(user) -> dict[int, float]:
    return dict(Rating.objects.filter(user=user).values_list("movie__movielens_id", "score"))


SAMPLE_TRUTHS = [("letterboxd-ratings.csv", LETTERBOXD_TRUTH), ("imdb-ratings.csv", IMDB_TRUTH)]


@pytest.mark.parametrize("name, truth", SAMPLE_TRUTHS)
def test_a_preview_matches_the_samples_and_writes_nothing(user, films, name, truth):
    pending = preview(user, name)
    ml_of = {pk: ml for ml, pk in films.items()}
    entries = by_line(pending)
    in_catalogue = [line for line, film in truth.items() if film is not None]
    automatic = [line for line in in_catalogue if entries[line]["status"] == "matched"
                 or "duplicate" in entries[line]["reason"]]
    wrong = [line for line, e in entries.items() if e["status"] == "matched" and ml_of[e["movie"]] != truth.get(line)]
    assert wrong == []
    assert len(automatic) / len(in_catalogue) >= 0.95
    assert Rating.objects.count() == 0
    assert not Movie.objects.filter(rating_count__gt=0).exists()


def test_confirming_writes_the_matched_ratings_and_the_chosen_film(user, films):
    pending = preview(user, "letterboxd-ratings.csv")
    outcome = history_import_confirm(user=user, import_id=pending.pk,
                                     choices={LETTERBOXD_EMMA_LINE: films[26958]})
    rated = my_ratings(user)
    expected = {ml for line, ml in LETTERBOXD_TRUTH.items() if ml is not None} | {26958}
    assert set(rated) == expected
    assert rated[1] == 4.5 and rated[4973] == 4.0 and rated[26958] == 3.0
    assert outcome == {"created": len(expected), "changed": 0, "unchanged": 0, "missing": 0,
                       "already_confirmed": False}
    toy_story = Rating.objects.get(user=user, movie__movielens_id=1)
    assert toy_story.rated_at.date().isoformat() == "2019-01-05"
    assert Movie.objects.get(movielens_id=1).rating_count == 1  # counted like any rating


def test_the_later_of_two_ratings_of_one_film_wins_and_the_other_is_reported(user, films):
    earlier, later = LETTERBOXD_DUPLICATE
    pending = preview(user, "letterboxd-ratings.csv")
    entries = by_line(pending)
    assert entries[earlier]["status"] == "skipped" and f"line {later}" in entries[earlier]["reason"]
    history_import_confirm(user=user, import_id=pending.pk, choices={})
    assert my_ratings(user)[2571] == 5.0  # line 41 (2021) says 5, line 17 (2019) said 4.5

    imdb = preview(user, "imdb-ratings.csv")
    assert by_line(imdb)[IMDB_DUPLICATE[0]]["status"] == "skipped"
    assert by_line(imdb)[IMDB_DUPLICATE[1]]["movie"] == films[1]


def test_tv_rows_are_skipped_with_their_type(user, films):
    entries = by_line(preview(user, "imdb-ratings.csv"))
    assert {line: entries[line]["reason"] for line in IMDB_TV_LINES} == {
        20: "TV Series: not a film", 21: "TV Episode: not a film", 22: "TV Mini Series: not a film"}


def test_the_files_stars_replace_different_ones_and_the_preview_says_so(user, films):
    rating_upsert(user=user, movie=Movie.objects.get(movielens_id=858), score=3.0)
    pending = preview(user, "letterboxd-ratings.csv")
    godfather = by_line(pending)[12]
    assert (godfather["previous"], godfather["score"]) == (3.0, 5.0)
    assert [e["line"] for e in import_summary(pending).groups["changed"]] == [12]
    outcome = history_import_confirm(user=user, import_id=pending.pk, choices={})
    assert outcome["changed"] == 1 and my_ratings(user)[858] == 5.0
    assert Movie.objects.get(movielens_id=858).rating_count == 1


def test_importing_the_same_file_again_changes_nothing(user, films, django_capture_on_commit_callbacks):
    first = preview(user, "imdb-ratings.csv")
    history_import_confirm(user=user, import_id=first.pk, choices={})
    before = list(Rating.objects.filter(user=user).order_by("pk").values_list("pk", "movie_id", "score", "rated_at"))
    counts = list(Movie.objects.order_by("pk").values_list("rating_count", "rating_sum"))

    again = preview(user, "imdb-ratings.csv")
    summary = import_summary(again)
    assert summary.counts["same"] == len(before) and summary.counts["new"] == summary.counts["changed"] == 0
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        outcome = history_import_confirm(user=user, import_id=again.pk, choices={})
    assert outcome["created"] == outcome["changed"] == 0 and outcome["unchanged"] == len(before)
    assert callbacks == []  # nothing changed: no refresh either
    assert list(Rating.objects.filter(user=user).order_by("pk").values_list(
        "pk", "movie_id", "score", "rated_at")) == before
    assert list(Movie.objects.order_by("pk").values_list("rating_count", "rating_sum")) == counts


def test_confirming_twice_writes_once(user, films):
    pending = preview(user, "imdb-ratings.csv")
    first = history_import_confirm(user=user, import_id=pending.pk, choices={})
    rated = my_ratings(user)
    second = history_import_confirm(user=user, import_id=pending.pk, choices={})
    assert second["already_confirmed"] and second["created"] == first["created"]
    assert my_ratings(user) == rated


def test_an_import_queues_one_refresh_after_commit(user, films, django_capture_on_commit_callbacks):
    pending = preview(user, "letterboxd-ratings.csv")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        outcome = history_import_confirm(user=user, import_id=pending.pk, choices={})
    assert outcome["created"] > 20
    assert len(callbacks) == 1


def test_a_failure_part_way_writes_nothing(user, films, monkeypatch):
    from ratings import services

    pending = preview(user, "letterboxd-ratings.csv")
    inserted = []

    def fail_after_the_ratings_were_inserted(deltas):
        inserted.append(Rating.objects.filter(user=user).count())
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "movie_totals_add_many", fail_after_the_ratings_were_inserted)
    with pytest.raises(RuntimeError):
        history_import_confirm(user=user, import_id=pending.pk, choices={})
    assert inserted == [32]
    assert Rating.objects.count() == 0
    assert not Movie.objects.filter(rating_count__gt=0).exists()
    pending.refresh_from_db()
    assert pending.confirmed_at is None


def test_the_movies_totals_move_as_if_rated_one_by_one(user, other_user, films):
    from catalog.services import movie_rating_totals_rederive

    rating_upsert(user=other_user, movie=Movie.objects.get(movielens_id=858), score=2.0)
    rating_upsert(user=user, movie=Movie.objects.get(movielens_id=858), score=3.0)
    rating_upsert(user=user, movie=Movie.objects.get(movielens_id=1), score=4.5)  # same stars as the file
    pending = preview(user, "letterboxd-ratings.csv")
    outcome = history_import_confirm(user=user, import_id=pending.pk, choices={})
    assert (outcome["changed"], outcome["unchanged"]) == (1, 1)
    godfather = Movie.objects.get(movielens_id=858)
    assert (godfather.rating_count, godfather.rating_sum, godfather.rating_mean) == (2, 7.0, 3.5)
    assert movie_rating_totals_rederive() == 0  # every movie's count, sum and mean were already right


@pytest.mark.parametrize("choices", [{LETTERBOXD_EMMA_LINE: 999_999}, {2: None}, {12: 1}])
def test_a_choice_the_preview_did_not_offer_is_refused(user, films, choices):
    pending = preview(user, "letterboxd-ratings.csv")
    with pytest.raises(ValidationError):
        history_import_confirm(user=user, import_id=pending.pk, choices=choices)
    assert Rating.objects.count() == 0


def test_another_viewers_import_cannot_be_confirmed(user, other_user, films):
    pending = preview(user, "imdb-ratings.csv")
    with pytest.raises(HistoryImport.DoesNotExist):
        history_import_confirm(user=other_user, import_id=pending.pk, choices={})
    assert Rating.objects.count() == 0


def test_a_tv_title_whose_imdb_id_is_a_catalogue_film_is_imported(user, films):
    data = (SAMPLES / "imdb-ratings.csv").read_text().splitlines()
    tv_emma = data[0] + "\n" + data[18].replace(",TV Movie,", ",TV Series,") + "\n"
    pending = history_import_preview(user=user, data=tv_emma.encode())
    assert by_line(pending)[2]["movie"] == films[26958]
