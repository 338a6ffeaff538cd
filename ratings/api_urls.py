from __future__ import annotations

from django.urls import path

from ratings import api

urlpatterns = [
    path("ratings/", api.RatingListApi.as_view(), name="api-rating-list"),
    path("ratings/<int:movie_id>/", api.RatingDetailApi.as_view(), name="api-rating-detail"),
    path("watchlist/", api.WatchlistEntryListApi.as_view(), name="api-watchlist-list"),
    path("watchlist/<int:movie_id>/", api.WatchlistEntryDetailApi.as_view(), name="api-watchlist-detail"),
    path("hidden/", api.HiddenMovieListApi.as_view(), name="api-hidden-list"),
    path("hidden/<int:movie_id>/", api.HiddenMovieDetailApi.as_view(), name="api-hidden-detail"),
]
