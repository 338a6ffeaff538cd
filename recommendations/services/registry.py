"""The model registry: which trained version serves, and which artifacts are kept on disk."""
from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from recommendations import artifacts
from recommendations import cache as rec_cache
from recommendations.models import ModelVersion

logger = logging.getLogger(__name__)

SERVABLE = (ModelVersion.Status.SUCCEEDED, ModelVersion.Status.RETIRED, ModelVersion.Status.ACTIVE)


class TrainingError(Exception):
    """Training or activation could not happen (no data, no artifact, wrong status, ...)."""


@transaction.atomic
def model_version_activate(*, version: ModelVersion) -> ModelVersion:
    """Make this version the one that serves; the previously active one is retired (rollback = activate old)."""
    version = ModelVersion.objects.select_for_update().get(pk=version.pk)
    if version.status not in SERVABLE:
        raise TrainingError(f"version {version.pk} is {version.status}; only a trained version can serve")
    if not artifacts.artifact_available(version=version):
        raise TrainingError(f"version {version.pk} has no stored artifact")
    ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).exclude(pk=version.pk).update(
        status=ModelVersion.Status.RETIRED
    )
    version.status = ModelVersion.Status.ACTIVE
    version.note = ""
    version.save(update_fields=["status", "note"])
    # Every process sees the new version on its next request: the key is what serving checks.
    transaction.on_commit(lambda: rec_cache.active_version_set(version.pk))
    logger.info("model version %s is now active", version.pk)
    return version


def model_artifacts_prune(*, keep: int | None = None) -> list[int]:
    """Delete stored artifacts of all but the newest `keep` trained versions (the active one is always kept)."""
    keep = settings.MODEL_KEEP if keep is None else keep
    with_artifacts = ModelVersion.objects.exclude(artifact_path="").order_by("-created_at")
    kept = set(with_artifacts.values_list("pk", flat=True)[:keep])
    kept |= set(ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).values_list("pk", flat=True))
    pruned = []
    for version in with_artifacts.exclude(pk__in=kept):
        artifacts.artifact_discard(version=version)
        ModelVersion.objects.filter(pk=version.pk).update(artifact_path="")
        pruned.append(version.pk)
    if pruned:
        logger.info("pruned artifacts of model versions %s", pruned)
    return pruned
