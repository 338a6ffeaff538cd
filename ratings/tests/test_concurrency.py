"""Ratings under concurrency: parallel requests, each thread on its own database connection.

Run on SQLite (writers queue on the database lock) and on PostgreSQL (row locks and the unique
constraint do the work), where races actually interleave.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework.test import APIClient

from catalog.models import Movie
from ratings.models import HALF_STARS, Rating
from recommendations import services
from recommendations.models import ModelVersion

JOIN_SECONDS = 60  # a thread still running after this is stuck: a deadlock, or a lock never released


def _run_in_threads(work: list[Callable[[], Any]]) -> list[Any]:
    """Run each callable in its own thread, released together; returns their results (or raised exceptions).

    Each thread closes its database connection, so the test database can be flushed and dropped afterwards.
    """
    start = threading.Barrier(len(work))
    results: list[Any] = [None] * len(work)

    def run(i: int, job: Callable[[], Any]) -> None:
        try:
            start.wait(timeout=JOIN_SECONDS)
            results[i] = job()
        except BaseException as exc:  # noqa: BLE001 - reported by the test, not lost in the thread
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job), daemon=True) for i, job in enumerate(work)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + JOIN_SECONDS
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    stuck = [thread.name for thread in threads if thread.is_alive()]
    assert not stuck, f"{len(stuck)} threads still running after {JOIN_SECONDS}s: deadlock?"
    return results


def _put_rating(user, movie: Movie, score: float) -> Callable[[], tuple[int, dict]]:
    def job() -> tuple[int, dict]:
        client = APIClient()
        client.force_authenticate(user)
        response = client.put(f"/api/ratings/{movie.pk}/", {"score": score}, format="json")
        return response.status_code, response.json()

    return job


def _errors(results: list[Any]) -> list[Any]:
    return [r for r in results if isinstance(r, BaseException) or r[0] not in (200, 201)]


@pytest.mark.timeout(120)
def test_twenty_parallel_ratings_of_one_movie_by_one_user_leave_one_row_with_a_value_sent(transactional_db, user,
                                                                                         movie):
    scores = [HALF_STARS[i % len(HALF_STARS)] for i in range(20)]

    results = _run_in_threads([_put_rating(user, movie, score) for score in scores])

    assert not _errors(results), f"requests failed: {_errors(results)}"
    rows = list(Rating.objects.filter(user=user, movie=movie))
    assert len(rows) == 1
    row = rows[0]
    # The row is one request's whole write (score and time together), as that request reported it.
    written = {(body["score"], body["rated_at"]) for _, body in results}
    viewer = APIClient()
    viewer.force_authenticate(user)
    stored = viewer.get(f"/api/ratings/{movie.pk}/").json()
    assert (stored["score"], stored["rated_at"]) in written
    assert row.score in scores
    movie.refresh_from_db()
    assert movie.rating_count == 1 and movie.rating_mean == row.score


@pytest.mark.timeout(120)
def test_fifty_users_rating_at_once_during_a_retrain_lose_no_rating_and_do_not_deadlock(transactional_db,
                                                                                        taste_catalog):
    sci_fi, romance = taste_catalog
    target = sci_fi[0]
    before = Rating.objects.count()
    raters = [get_user_model().objects.create_user(username=f"rush-{i}", password="!") for i in range(50)]
    raters_done = threading.Event()
    remaining = [len(raters)]
    remaining_lock = threading.Lock()
    overlapped = threading.Event()

    def hold_the_fit_until_the_raters_are_done(stage: str, fraction: float) -> None:
        # The training is running (lock held, row RUNNING) while every rating arrives.
        if stage == "fit" and not raters_done.is_set():
            overlapped.set()
            raters_done.wait(timeout=JOIN_SECONDS / 2)

    def train() -> ModelVersion:
        return services.model_train(progress=hold_the_fit_until_the_raters_are_done)

    def rate(rater, movie: Movie, score: float) -> Callable[[], tuple[int, dict]]:
        put = _put_rating(rater, movie, score)

        def job() -> tuple[int, dict]:
            try:
                overlapped.wait(timeout=JOIN_SECONDS / 2)  # rating writes are quick: start them once the fit is
                return put()
            finally:
                with remaining_lock:
                    remaining[0] -= 1
                    if remaining[0] == 0:
                        raters_done.set()

        return job

    jobs: list[Callable[[], Any]] = [train]
    for i, rater in enumerate(raters):
        # Half rate one shared movie (its summary row is contended), half spread over the catalogue.
        movie = target if i % 2 == 0 else (sci_fi + romance)[i % 40]
        jobs.append(rate(rater, movie, HALF_STARS[i % len(HALF_STARS)]))

    results = _run_in_threads(jobs)

    version, ratings = results[0], results[1:]
    assert not isinstance(version, BaseException), f"training failed: {version!r}"
    assert overlapped.is_set(), "the ratings did not arrive during the training"
    assert not _errors(ratings), f"requests failed: {_errors(ratings)}"
    assert Rating.objects.count() == before + len(raters), "a rating was lost"
    for rater in raters:
        assert Rating.objects.filter(user=rater).count() == 1
    version.refresh_from_db()
    assert version.status == ModelVersion.Status.ACTIVE
    # Denormalised totals match the rows exactly even though their updates raced.
    for movie in Movie.objects.filter(pk__in=[m.pk for m in sci_fi + romance]):
        scores = list(Rating.objects.filter(movie=movie).values_list("score", flat=True))
        assert (movie.rating_count, movie.rating_sum) == (len(scores), sum(scores)), movie.title
        assert movie.rating_mean == sum(scores) / len(scores), movie.title
