from __future__ import annotations

from pathlib import Path

import pytest

from catalog.models import SimilarMovie
from ratings.services import rating_upsert
from recommendations import cache as rec_cache
from recommendations import services
from recommendations.models import ModelVersion
from recommendations.services import training

pytestmark = pytest.mark.django_db


def test_training_records_and_activates_a_version(taste_catalog):
    version = services.model_train()

    version.refresh_from_db()
    assert version.status == ModelVersion.Status.ACTIVE
    assert (version.n_ratings, version.n_users, version.n_movies) == (960, 40, 40)
    assert 0 < version.rmse < 1.5 and 0 < version.mae <= version.rmse
    assert version.trained_at is not None and version.duration_seconds > 0
    assert Path(version.artifact_path, "meta.json").exists()


def test_a_second_training_retires_the_first(taste_catalog):
    first = services.model_train()
    second = services.model_train()

    first.refresh_from_db()
    assert first.status == ModelVersion.Status.RETIRED
    assert ModelVersion.objects.get(status=ModelVersion.Status.ACTIVE) == second


def test_a_failed_training_leaves_the_active_model_serving(taste_catalog, monkeypatch, user):
    active = services.model_train()

    def broken_export():
        raise OSError("disk unreadable")

    monkeypatch.setattr(training, "ratings_export", broken_export)
    with pytest.raises(OSError):
        services.model_train()

    failed = ModelVersion.objects.latest()
    assert failed.status == ModelVersion.Status.FAILED
    assert "disk unreadable" in failed.error
    assert ModelVersion.objects.get(status=ModelVersion.Status.ACTIVE) == active
    sci_fi, _ = taste_catalog
    rating_upsert(user=user, movie=sci_fi[0], score=5)
    assert services.user_recommendations_compute(user_id=user.pk)[0] == active.pk


def test_training_without_ratings_fails_cleanly(db):
    with pytest.raises(services.TrainingError, match="no ratings"):
        services.model_train()
    assert ModelVersion.objects.get().status == ModelVersion.Status.FAILED


def test_a_new_viewer_gets_picks_that_follow_their_taste(taste_catalog, user):
    sci_fi, romance = taste_catalog
    services.model_train()
    for m in sci_fi[:5]:
        rating_upsert(user=user, movie=m, score=5)
    for m in romance[:5]:
        rating_upsert(user=user, movie=m, score=1)

    _, items = services.user_recommendations_compute(user_id=user.pk, n=5)

    unrated_sci_fi = {m.pk for m in sci_fi[5:]}
    assert len(items) == 5
    assert items[0]["movie_id"] in unrated_sci_fi
    assert sum(item["movie_id"] in unrated_sci_fi for item in items) >= 4, "unrated sci-fi leads the top 5"
    assert all(item["reason"] for item in items)
    assert any("Star Voyage" in item["reason"] for item in items), "reasons cite the films the viewer loved"


def test_rating_invalidates_the_cached_recommendations(taste_catalog, user, django_capture_on_commit_callbacks,
                                                       monkeypatch):
    from recommendations import tasks

    queued = []
    monkeypatch.setattr(tasks.user_recommendations_refresh, "delay", lambda user_id: queued.append(user_id))
    sci_fi, _ = taste_catalog
    version = services.model_train()
    rating_upsert(user=user, movie=sci_fi[0], score=5)
    services.user_recommendations_refresh(user_id=user.pk)
    assert rec_cache.user_recommendations_get(version_id=version.pk, user_id=user.pk)

    with django_capture_on_commit_callbacks(execute=True):
        rating_upsert(user=user, movie=sci_fi[1], score=4.5)

    assert rec_cache.user_recommendations_get(version_id=version.pk, user_id=user.pk) is None
    assert queued == [user.pk]


def test_similarities_link_movies_of_the_same_genre(taste_catalog):
    sci_fi, _ = taste_catalog

    written = services.movie_similarities_compute(k=5)

    assert written == 40 * 5
    neighbours = SimilarMovie.objects.filter(movie=sci_fi[0]).order_by("rank")
    assert [link.rank for link in neighbours] == [1, 2, 3, 4, 5]
    assert all(link.similar.title.startswith("Star Voyage") for link in neighbours)


def test_hidden_and_watch_listed_movies_never_appear_and_the_list_is_topped_up(
    taste_catalog, user, django_capture_on_commit_callbacks
):
    from ratings.services import movie_hide, watchlist_add
    from recommendations.selectors import user_top_picks

    sci_fi, romance = taste_catalog
    services.model_train()
    for m in sci_fi[:5]:
        rating_upsert(user=user, movie=m, score=5)
    first = [p.movie for p in user_top_picks(user=user, n=10)]

    with django_capture_on_commit_callbacks(execute=True):
        movie_hide(user=user, movie=first[0])
        watchlist_add(user=user, movie=first[1])
    second = [p.movie for p in user_top_picks(user=user, n=10)]

    assert first[0] not in second and first[1] not in second
    assert len(second) == 10
