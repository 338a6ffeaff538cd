from __future__ import annotations

from django.urls import path

from recommendations import api

urlpatterns = [
    path("recommendations/", api.RecommendationListApi.as_view(), name="api-recommendation-list"),
    path("preferences/", api.ViewerPreferencesApi.as_view(), name="api-viewer-preferences"),
]
