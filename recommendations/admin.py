"""Staff view of the model registry: every trained version, retrain on demand, activate or roll back."""
from __future__ import annotations

import logging

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from recommendations import services
from recommendations.models import ModelVersion

logger = logging.getLogger(__name__)


def _model_train_enqueue(request: HttpRequest) -> None:
    """Queue a training (a queued version row now, the task once the transaction commits)."""
    version = services.model_train_request()
    messages.success(
        request,
        f"Retraining queued as version {version.pk}. It serves when it finishes, if it succeeds and is not "
        "worse than the active model.",
    )


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    """Versions are written by training only; staff can retrain and choose which one serves."""

    list_display = ["__str__", "algorithm", "status", "rmse", "mae", "n_ratings", "n_users", "n_movies",
                    "duration_seconds", "trained_at"]
    list_filter = ["status", "algorithm"]
    actions = ["model_retrain", "model_version_activate"]
    fieldsets = [
        (None, {"fields": ["algorithm", "status", "created_at", "trained_at", "duration_seconds"]}),
        ("Data", {"fields": ["n_ratings", "n_users", "n_movies"]}),
        ("Quality", {"fields": ["rmse", "mae", "metrics"]}),
        ("Training", {"fields": ["parameters", "artifact_store", "artifact_path", "artifact_bytes", "artifact_checksum",
                                 "error"]}),
    ]
    readonly_fields = [field for _, options in fieldsets for field in options["fields"]]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ModelVersion | None = None) -> bool:
        # The registry is the history of what served when; rows are never removed by hand.
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {**(extra_context or {}), "can_retrain": self.has_change_permission(request)}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        retrain = self.admin_site.admin_view(require_POST(self.retrain_view))
        return [path("retrain/", retrain, name="recommendations_modelversion_retrain"), *super().get_urls()]

    def retrain_view(self, request: HttpRequest) -> HttpResponseRedirect:
        """The changelist's "Retrain now" button: works with no version selected (or none yet)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        _model_train_enqueue(request)
        return HttpResponseRedirect(reverse("admin:recommendations_modelversion_changelist"))

    @admin.action(description="Retrain now (a new version from all ratings)", permissions=["change"])
    def model_retrain(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        _model_train_enqueue(request)

    @admin.action(description="Activate the selected version (serve it)", permissions=["change"])
    def model_version_activate(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        versions = list(queryset[:2])
        if len(versions) != 1:
            self.message_user(request, "Select exactly one version to activate.", messages.ERROR)
            return
        try:
            version = services.model_version_activate(version=versions[0])
        except services.TrainingError as exc:
            self.message_user(request, f"Not activated: {exc}.", messages.ERROR)
            return
        self.message_user(request, f"{version} now serves recommendations.", messages.SUCCESS)
