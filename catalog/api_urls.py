from __future__ import annotations

from django.urls import path

from catalog import api

urlpatterns = [
    path("movies/", api.MovieListApi.as_view(), name="api-movie-list"),
    path("movies/<int:pk>/", api.MovieDetailApi.as_view(), name="api-movie-detail"),
    path("movies/<int:pk>/similar/", api.MovieSimilarApi.as_view(), name="api-movie-similar"),
    path("genres/", api.GenreListApi.as_view(), name="api-genre-list"),
]
