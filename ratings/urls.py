from __future__ import annotations

from django.urls import path

from ratings import views

urlpatterns = [
    path("", views.my_ratings, name="my-ratings"),
    path("<int:movie_pk>/", views.rating_upsert_view, name="rating-upsert"),
    path("<int:movie_pk>/delete/", views.rating_delete_view, name="rating-delete"),
]
