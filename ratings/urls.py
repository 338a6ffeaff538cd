from __future__ import annotations

from django.urls import path

from ratings import views, views_history_import

urlpatterns = [
    path("", views.my_ratings, name="my-ratings"),
    path("export.csv", views.my_ratings_export, name="my-ratings-export"),
    path("import/", views_history_import.history_import_upload, name="history-import"),
    path("import/<uuid:import_id>/", views_history_import.history_import_preview_view, name="history-import-preview"),
    path("import/<uuid:import_id>/confirm/", views_history_import.history_import_confirm_view,
         name="history-import-confirm"),
    path("<int:movie_pk>/", views.rating_upsert_view, name="rating-upsert"),
    path("<int:movie_pk>/delete/", views.rating_delete_view, name="rating-delete"),
    path("watchlist/", views.watchlist, name="watchlist"),
    path("watchlist/<int:movie_pk>/", views.watchlist_toggle, name="watchlist-toggle"),
    path("hidden/", views.hidden_list, name="hidden-list"),
    path("hidden/<int:movie_pk>/", views.hidden_toggle, name="hidden-toggle"),
]
