from __future__ import annotations

from django.urls import path

from ratings import api

urlpatterns = [
    path("ratings/", api.RatingListApi.as_view(), name="api-rating-list"),
    path("ratings/<int:movie_id>/", api.RatingDetailApi.as_view(), name="api-rating-detail"),
]
