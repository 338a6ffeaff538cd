"""Artifacts every host can reach: stored in PostgreSQL with their checksum, fetched once per host, verified."""
from __future__ import annotations

import time

import pytest

from conftest import skip_or_fail
from recommendations import artifacts, services, serving
from recommendations.engine.arrays import artifact_checksum
from recommendations.models import ArtifactChunk, ModelVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_store(settings):
    if not settings.USING_POSTGRES:
        skip_or_fail("the database artifact store needs PostgreSQL (DATABASE_URL)")
    assert settings.MODEL_STORE == "database", "PostgreSQL stores artifacts in the database by default"


@pytest.fixture
def other_host(settings, tmp_path):
    """Call it to carry on as a host that has never seen an artifact (an empty cache of its own)."""

    def move():
        settings.MODEL_CACHE_DIR = tmp_path / "other-host-cache"
        serving.forget()
        return settings.MODEL_CACHE_DIR

    return move


def _cached(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("v")) if folder.exists() else []


def _tamper(version: ModelVersion) -> None:
    chunk = ArtifactChunk.objects.filter(version=version).order_by("-position").first()
    data = bytearray(chunk.data)
    data[-1] ^= 0xFF
    ArtifactChunk.objects.filter(pk=chunk.pk).update(data=bytes(data))


def test_a_trained_artifact_is_stored_in_rows_with_its_checksum(database_store, taste_catalog):
    version = services.model_train()

    assert version.artifact_store == "database"
    assert ArtifactChunk.objects.filter(version=version).exists()
    assert version.artifact_checksum == artifact_checksum(version.artifact_path)
    assert version.artifact_bytes > 0


def test_another_host_fetches_the_active_model_verifies_it_and_serves_it(database_store, taste_catalog, user,
                                                                          other_host):
    version = services.model_train()
    sci_fi, _ = taste_catalog
    from ratings.services import rating_upsert

    rating_upsert(user=user, movie=sci_fi[0], score=5.0)
    cache_dir = other_host()

    result = services.user_recommendations_compute(user_id=user.pk)

    assert result[0] == version.pk and result[1], "served from the fetched copy"
    (copy,) = _cached(cache_dir)
    assert artifact_checksum(cache_dir / copy) == version.artifact_checksum


def test_a_corrupt_download_is_rejected_and_leaves_nothing_behind(database_store, taste_catalog, other_host):
    version = services.model_train()
    _tamper(version)
    cache_dir = other_host()

    with pytest.raises(artifacts.ArtifactCorrupt, match="sha256"):
        artifacts.artifact_fetch(version=version)

    assert list(cache_dir.iterdir()) == [cache_dir / f".v{version.pk}.lock"], "no copy, no partial download"
    assert serving.active_model() is None, "a process with no model serves popular films rather than a bad copy"


@pytest.mark.django_db(transaction=True)
def test_a_corrupt_new_version_leaves_the_active_model_serving(database_store, taste_catalog, settings, other_host):
    first = services.model_train()
    second = services.model_train(activate=False)
    other_host()
    assert serving.active_model().version_id == first.pk
    _tamper(second)

    services.model_version_activate(version=second)
    serving.forget_version()
    assert serving.active_model().version_id == first.pk, "the fetch runs beside the requests"
    _fetches_settled()

    assert serving.active_model().version_id == first.pk, "the corrupt copy was refused: the old model serves"
    assert _cached(settings.MODEL_CACHE_DIR) == [f"v{first.pk}-{first.artifact_checksum[:16]}"]


def _fetches_settled() -> None:
    deadline = time.monotonic() + 30
    while serving._fetching and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)  # the background fetch reads from a connection of its own
def test_a_host_keeps_the_active_and_the_previous_version_cached(database_store, taste_catalog, other_host):
    versions = [services.model_train(activate=False) for _ in range(3)]
    cache_dir = other_host()

    for version in versions:
        services.model_version_activate(version=version)
        serving.forget_version()
        serving.active_model()
        _fetches_settled()
        assert serving.active_model().version_id == version.pk

    assert _cached(cache_dir) == sorted(f"v{v.pk}-{v.artifact_checksum[:16]}" for v in versions[1:])


def test_a_failed_store_rolls_back_its_rows_and_the_active_model_keeps_serving(
    database_store, taste_catalog, monkeypatch
):
    active = services.model_train()
    real_write = artifacts._chunks_write

    def write_then_fail(**kwargs):
        real_write(**kwargs)
        raise OSError("disk full")

    monkeypatch.setattr(artifacts, "_chunks_write", write_then_fail)

    with pytest.raises(OSError):
        services.model_train()

    failed = ModelVersion.objects.exclude(pk=active.pk).get()
    assert failed.status == ModelVersion.Status.FAILED
    assert not ArtifactChunk.objects.filter(version=failed).exists(), "no half-stored artifact"
    assert serving.active_model().version_id == active.pk


def test_the_local_store_keeps_the_directory_and_writes_no_rows(taste_catalog, settings):
    settings.MODEL_STORE = "local"

    version = services.model_train()

    assert version.artifact_store == "local"
    assert version.artifact_path.startswith(str(settings.MODEL_DIR))
    assert not ArtifactChunk.objects.exists()
    assert serving.active_model().version_id == version.pk
