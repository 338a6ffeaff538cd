from __future__ import annotations

from django.urls import path

from ratings import views

urlpatterns = [
    path("", views.my_ratings, name="my-ratings"),
    path("export.csv", views.my_ratings_export, name="my-ratings-export"),
    path("<int:movie_pk>/", views.rating_upsert_view, name="rating-upsert"),
    path("<int:movie_pk>/delete/", views.rating_delete_view, name="rating-delete"),
    path("watchlist/", views.watchlist, name="watchlist"),
    path("watchlist/<int:movie_pk>/", views.watchlist_toggle, name="watchlist-toggle"),
    path("hidden/", views.hidden_list, name="hidden-list"),
    path("hidden/<int:movie_pk>/", views.hidden_toggle, name="hidden-toggle"),
]
