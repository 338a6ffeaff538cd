"""A synthetic catalogue for the chaos run: enough ratings that a training takes seconds, not milliseconds.

Popularity follows a power law and each rater leans towards some genres, so the trained model has
something to learn and top picks are personal. Needs Django set up against the chaos database.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GENRES = ["Action", "Comedy", "Drama", "Romance", "Sci-Fi", "Thriller", "Animation", "Documentary"]


@dataclass(frozen=True)
class World:
    viewer_token: str
    staff_token: str
    viewer_id: int
    movie_ids: list[int]
    probes: list[tuple[int, str]]  # (user id, token) of viewers whose picks the probes compute on demand


def world_seed(*, users: int = 800, movies: int = 1200, ratings_per_user: int = 80, seed: int = 7) -> World:
    """Write movies, raters and their ratings in bulk; return the accounts the probes use."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from catalog.models import Genre, Movie
    from catalog.services import movie_rating_totals_rederive
    from ratings.models import Rating

    rng = np.random.default_rng(seed)
    genres = [Genre.objects.create(name=name) for name in GENRES]
    catalogue = Movie.objects.bulk_create(
        Movie(title=f"Chaos Picture {i}", year=1950 + i % 70, movielens_id=i + 1) for i in range(movies)
    )
    movie_genre = rng.integers(0, len(genres), size=movies)
    through = Movie.genres.through
    through.objects.bulk_create(
        through(movie_id=m.pk, genre_id=genres[g].pk) for m, g in zip(catalogue, movie_genre, strict=True)
    )
    popularity = 1.0 / np.arange(1, movies + 1) ** 0.8
    people = get_user_model()
    raters = people.objects.bulk_create(people(username=f"chaos-rater-{u}", password="!") for u in range(users))
    rows = []
    for rater in raters:
        liked = rng.choice(len(genres), size=2, replace=False)
        weights = popularity * np.where(np.isin(movie_genre, liked), 3.0, 1.0)
        picks = rng.choice(movies, size=ratings_per_user, replace=False, p=weights / weights.sum())
        for index in picks:
            base = 4.0 if movie_genre[index] in liked else 2.5
            score = float(np.clip(np.round((base + rng.normal(0, 0.8)) * 2) / 2, 0.5, 5.0))
            rows.append(Rating(user=rater, movie=catalogue[index], score=score))
    Rating.objects.bulk_create(rows, batch_size=5000)
    movie_rating_totals_rederive()

    viewer = raters[0]
    staff = people.objects.create_user(username="chaos-staff", password=None, is_staff=True)
    probes = raters[1:21]
    return World(
        viewer_token=Token.objects.create(user=viewer).key,
        staff_token=Token.objects.create(user=staff).key,
        viewer_id=viewer.pk,
        movie_ids=[m.pk for m in catalogue],
        probes=[(p.pk, Token.objects.create(user=p).key) for p in probes],
    )
