from __future__ import annotations

from django.conf import settings
from django.db import models


class ModelVersion(models.Model):
    """One trained recommender: what it was fitted on, how well it did, where it lives."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        ACTIVE = "active"
        RETIRED = "retired"

    class Store(models.TextChoices):
        LOCAL = "local", "local directory"
        DATABASE = "database", "database (every host fetches it)"

    algorithm = models.CharField(max_length=32, default="hybrid")
    parameters = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    n_ratings = models.PositiveIntegerField(default=0)
    n_users = models.PositiveIntegerField(default=0)
    n_movies = models.PositiveIntegerField(default=0)
    rmse = models.FloatField(null=True, blank=True, help_text="On a held-out 10% of the ratings.")
    mae = models.FloatField(null=True, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    artifact_path = models.CharField(
        max_length=500, blank=True, help_text="The artifact's directory on the host that trained it; empty once pruned."
    )
    artifact_store = models.CharField(max_length=16, choices=Store.choices, default=Store.LOCAL)
    artifact_bytes = models.BigIntegerField(default=0)
    artifact_checksum = models.CharField(max_length=64, blank=True, help_text="sha256 of the artifact files.")
    data_max_timestamp = models.DateTimeField(null=True, blank=True, help_text="Newest rating in the data.")
    task_id = models.CharField(max_length=64, blank=True, db_index=True)
    stage = models.CharField(max_length=32, blank=True, help_text="What a running training is doing now.")
    progress = models.FloatField(default=0.0, help_text="0–1, for the dashboard's progress bar.")
    note = models.CharField(max_length=255, blank=True, help_text="Why a trained version was not activated.")
    duration_seconds = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    trained_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        get_latest_by = "created_at"
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=models.Q(status="active"), name="model_version_single_active"
            )
        ]

    def __str__(self) -> str:
        return f"{self.algorithm} v{self.pk} ({self.status})"


class ViewerPreferences(models.Model):
    """How a signed-in viewer likes their picks mixed and their lists laid out (visitors keep theirs in the browser)."""

    class Layout(models.TextChoices):
        CARDS = "cards", "Cards"
        LIST = "list", "List"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="viewer_preferences")
    # 0 = well-known films first, 1 = lesser-known; 0.5 leaves the recommender's own order (engine.discovery).
    discover = models.FloatField(default=0.5)
    layout = models.CharField(max_length=8, choices=Layout.choices, default=Layout.CARDS)

    class Meta:
        verbose_name_plural = "viewer preferences"
        constraints = [
            models.CheckConstraint(condition=models.Q(discover__gte=0.0, discover__lte=1.0),
                                   name="viewer_preferences_discover_0_1"),
        ]

    def __str__(self) -> str:
        return f"preferences of user {self.user_id}"


class ArtifactChunk(models.Model):
    """A piece of a trained artifact's file, stored in PostgreSQL so every host can fetch the artifact.

    Pieces are numbered across the whole artifact in checksum order (file path, then offset), so one ordered
    read streams the files back and the version's sha256 can be checked as they arrive.
    """

    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="artifact_chunks")
    position = models.PositiveIntegerField()
    path = models.CharField(max_length=255, help_text="The file's path inside the artifact directory.")
    data = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "position"], name="artifact_chunk_position")]

    def __str__(self) -> str:
        return f"v{self.version_id} {self.path} #{self.position}"
