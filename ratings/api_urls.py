from __future__ import annotations

from django.urls import path

from ratings import api, api_history_import

urlpatterns = [
    path("ratings/", api.RatingListApi.as_view(), name="api-rating-list"),
    path("ratings/<int:movie_id>/", api.RatingDetailApi.as_view(), name="api-rating-detail"),
    path("ratings/import/", api_history_import.HistoryImportUploadApi.as_view(), name="api-history-import"),
    path("ratings/import/<uuid:import_id>/", api_history_import.HistoryImportDetailApi.as_view(),
         name="api-history-import-detail"),
    path("ratings/import/<uuid:import_id>/confirm/", api_history_import.HistoryImportConfirmApi.as_view(),
         name="api-history-import-confirm"),
    path("watchlist/", api.WatchlistEntryListApi.as_view(), name="api-watchlist-list"),
    path("watchlist/<int:movie_id>/", api.WatchlistEntryDetailApi.as_view(), name="api-watchlist-detail"),
    path("hidden/", api.HiddenMovieListApi.as_view(), name="api-hidden-list"),
    path("hidden/<int:movie_id>/", api.HiddenMovieDetailApi.as_view(), name="api-hidden-detail"),
]
