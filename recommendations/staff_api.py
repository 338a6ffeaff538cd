"""Staff API: the model registry for scripts and CI — list versions, retrain, poll a training, activate.

Task status comes from the version row the training writes as it goes (stage, progress, error),
not from a Celery result backend: results are ignored, and the row outlives any backend's expiry.
"""
from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from recommendations import services
from recommendations.models import ModelVersion

TAGS = ["staff"]
NOT_STAFF = OpenApiResponse(description="Not signed in as staff.")
NOT_FOUND = OpenApiResponse(description="No model version with this id.")


class ModelVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModelVersion
        fields = [
            "id", "algorithm", "status", "stage", "progress", "parameters", "n_ratings", "n_users", "n_movies",
            "rmse", "mae", "metrics", "data_max_timestamp", "artifact_checksum", "duration_seconds", "note",
            "error", "task_id", "created_at", "trained_at",
        ]
        read_only_fields = fields


class TrainingTaskSerializer(serializers.ModelSerializer):
    """What a training task is doing: its version's status, stage and progress, and why it failed."""

    version = serializers.IntegerField(source="pk", help_text="The model version this task trains.")

    class Meta:
        model = ModelVersion
        fields = ["task_id", "version", "status", "stage", "progress", "error", "note"]
        read_only_fields = fields
        extra_kwargs = {"progress": {"help_text": "0–1 while running; 1 when done."}}


RetrainAccepted = inline_serializer(
    name="RetrainAccepted",
    fields={
        "task_id": serializers.CharField(help_text="Poll /api/staff/tasks/{task_id}/ for progress."),
        "version": serializers.IntegerField(help_text="The queued model version."),
    },
)
ActivationRefused = inline_serializer(name="ActivationRefused", fields={"detail": serializers.CharField()})


class StaffApi(APIView):
    permission_classes = [IsAdminUser]


@extend_schema(tags=TAGS, summary="List model versions, newest first", responses={
    200: ModelVersionSerializer(many=True), 403: NOT_STAFF})
class ModelVersionListApi(generics.ListAPIView):
    permission_classes = [IsAdminUser]
    serializer_class = ModelVersionSerializer
    queryset = ModelVersion.objects.order_by("-created_at")


class ModelRetrainApi(StaffApi):
    @extend_schema(tags=TAGS, summary="Queue a retrain", request=None, responses={202: RetrainAccepted,
                                                                                    403: NOT_STAFF})
    def post(self, request: Request) -> Response:
        version = services.model_train_request()
        headers = {"Location": reverse("api-staff-task", kwargs={"task_id": version.task_id})}
        return Response({"task_id": version.task_id, "version": version.pk}, status=status.HTTP_202_ACCEPTED,
                        headers=headers)


class TrainingTaskApi(StaffApi):
    @extend_schema(tags=TAGS, summary="A training task's status", responses={
        200: TrainingTaskSerializer, 403: NOT_STAFF, 404: OpenApiResponse(description="No task with this id.")})
    def get(self, request: Request, task_id: str) -> Response:
        # No stored id is longer than the column or holds a NUL byte, and PostgreSQL refuses NUL in a
        # query (a 500): such an id is simply not found.
        if len(task_id) > ModelVersion._meta.get_field("task_id").max_length or "\x00" in task_id:
            raise NotFound("No training task with this id.")
        services.model_training_dead_release()  # a killed worker's run reads as failed at once
        version = ModelVersion.objects.filter(task_id=task_id).order_by("-created_at").first()
        if version is None:
            raise NotFound("No training task with this id.")
        return Response(TrainingTaskSerializer(version).data)


class ModelVersionActivateApi(StaffApi):
    @extend_schema(tags=TAGS, summary="Activate a version (or roll back to it)", request=None, responses={
        200: ModelVersionSerializer, 400: ActivationRefused, 403: NOT_STAFF, 404: NOT_FOUND})
    def post(self, request: Request, pk: int) -> Response:
        version = get_object_or_404(ModelVersion, pk=pk)
        try:
            version = services.model_version_activate(version=version)
        except services.TrainingError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(ModelVersionSerializer(version).data)
