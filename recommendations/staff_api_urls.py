from __future__ import annotations

from django.urls import path

from recommendations import staff_api

urlpatterns = [
    path("model-versions/", staff_api.ModelVersionListApi.as_view(), name="api-staff-model-version-list"),
    path("model-versions/<int:pk>/activate/", staff_api.ModelVersionActivateApi.as_view(),
         name="api-staff-model-version-activate"),
    path("retrain/", staff_api.ModelRetrainApi.as_view(), name="api-staff-retrain"),
    path("tasks/<str:task_id>/", staff_api.TrainingTaskApi.as_view(), name="api-staff-task"),
]
