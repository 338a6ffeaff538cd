"""The MovieLens import service on hand-made data: what lands where, idempotency, atomicity."""
from __future__ import annotations

import io
from datetime import UTC, datetime

import pandas as pd
import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction

from catalog import postgres_copy, services
from catalog.models import DatasetImport, Genre, Movie
from catalog.movielens import MovieLensFormatError
from catalog.services import MovieLensImportError, movielens_import
from catalog.tests.datasets import FIXTURES
from conftest import skip_or_fail
from ratings.models import Rating
from ratings.services import movie_totals_add_many

pytestmark = pytest.mark.django_db


def import_tiny(**kwargs) -> services.ImportResult:
    return movielens_import(name="ml-latest-small", source=FIXTURES / "csv-tiny", **kwargs)


def counts() -> tuple[int, ...]:
    users = get_user_model().objects.filter(username__startswith="ml_").count()
    return Genre.objects.count(), Movie.objects.count(), users, Rating.objects.count(), DatasetImport.objects.count()


def test_it_imports_movies_with_genres_links_and_tags():
    result = import_tiny()
    assert (result.genres, result.movies, result.users, result.ratings, result.tags) == (7, 5, 3, 8, 4)
    lantern = Movie.objects.get(movielens_id=1)
    assert (lantern.title, lantern.year) == ("The Paper Lantern", 1994)
    assert (lantern.imdb_id, lantern.tmdb_id) == ("tt0000101", 501)
    assert lantern.tags == ["slow burn", "lanterns"]
    assert sorted(lantern.genres.values_list("name", flat=True)) == ["Drama", "Romance"]
    assert Movie.objects.get(movielens_id=2).tmdb_id is None
    assert Movie.objects.get(movielens_id=9).year is None
    assert not Movie.objects.get(movielens_id=7).genres.exists()


def test_it_creates_raters_who_cannot_log_in():
    import_tiny()
    raters = get_user_model().objects.filter(username__startswith="ml_").order_by("username")
    assert [u.username for u in raters] == ["ml_1", "ml_2", "ml_3"]
    assert all(u.password.startswith("!") and not u.has_usable_password() for u in raters)


def test_it_loads_ratings_with_their_times_and_refreshes_movie_summaries():
    import_tiny()
    rating = Rating.objects.get(user__username="ml_2", movie__movielens_id=1)
    assert rating.score == 0.5
    assert rating.rated_at == datetime.fromtimestamp(1100000000, tz=UTC)
    lantern = Movie.objects.get(movielens_id=1)
    assert (lantern.rating_count, lantern.rating_mean) == (3, pytest.approx(2.5))
    assert Movie.objects.get(movielens_id=5).rating_mean == pytest.approx(4.75)


def test_it_records_what_the_import_added():
    import_tiny()
    record = DatasetImport.objects.get()
    assert (record.dataset, record.movies, record.users, record.ratings, record.tags) == (
        "ml-latest-small", 5, 3, 8, 4
    )
    assert record.source.endswith("csv-tiny")


def test_a_second_run_adds_nothing():
    import_tiny()
    before = counts()
    again = import_tiny()
    assert again.nothing_added
    assert counts() == before


def test_a_rerun_puts_back_only_the_deleted_ratings():
    import_tiny()
    Rating.objects.filter(user__username="ml_3").delete()
    again = import_tiny()
    assert (again.movies, again.users, again.ratings) == (0, 0, 3)
    assert Rating.objects.count() == 8
    assert Movie.objects.get(movielens_id=9).rating_count == 1


def test_it_keeps_a_movie_already_in_the_catalog_and_attaches_its_ratings(movie):
    result = import_tiny()  # the root `movie` fixture is Toy Story with movielens_id=1
    assert result.movies == 4
    kept = Movie.objects.get(movielens_id=1)
    assert (kept.title, kept.rating_count) == ("Toy Story", 3)


def test_a_failure_after_movies_went_in_leaves_the_database_as_it_was(monkeypatch):
    before = counts()

    def fail_after_movies(data, stream):
        assert Movie.objects.count() == 5  # the movies are in, inside the transaction
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_ratings_import", fail_after_movies)
    with pytest.raises(RuntimeError, match="disk full"):
        import_tiny()
    assert counts() == before


def test_a_corrupt_file_changes_nothing(tiny_csv):
    (tiny_csv / "ratings.csv").write_text("userId,movieId,rating,timestamp\n1,1,4.0,1\n1,2,3.5\n")
    with pytest.raises(MovieLensFormatError, match=r"^ratings.csv line 3: expected 4 fields, found 3$"):
        movielens_import(name="ml-latest-small", source=tiny_csv)
    assert counts() == (0, 0, 0, 0, 0)


def test_it_refuses_to_mix_a_second_dataset_into_the_first():
    import_tiny()
    before = counts()
    with pytest.raises(MovieLensImportError, match=r"already holds ml-latest-small.*ml-100k needs an empty database"):
        movielens_import(name="ml-100k", source=FIXTURES / "100k-tiny")
    assert counts() == before


def test_it_shows_progress_per_stage():
    stream = io.StringIO()
    import_tiny(progress_stream=stream)
    for stage in ("Reading ml-latest-small", "Movies", "Users", "Ratings", "Refreshing rating counts"):
        assert stage in stream.getvalue()


def _rating_table_schema() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
            "UNION SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s ORDER BY 1",
            [Rating._meta.db_table, Rating._meta.db_table],
        )
        return cursor.fetchall()


def test_on_postgresql_ratings_come_by_copy_and_the_table_keeps_its_constraints(monkeypatch):
    if connection.vendor != "postgresql":
        skip_or_fail("the COPY path exists only on PostgreSQL (set DATABASE_URL)")
    schema = _rating_table_schema()
    monkeypatch.setattr(services, "_ratings_bulk_create", lambda *a: pytest.fail("row-by-row path used"))
    copied = []
    real_copy = postgres_copy.ratings_copy
    monkeypatch.setattr(postgres_copy, "ratings_copy", lambda frame, stream: copied.append(len(frame)) or
                        real_copy(frame, stream))
    assert import_tiny().ratings == 8
    assert copied == [8]
    assert _rating_table_schema() == schema  # dropped for the load, rebuilt identically
    first = Rating.objects.first()
    with pytest.raises(IntegrityError, match="rating_user_movie_unique"), transaction.atomic():
        Rating.objects.create(user=first.user, movie=first.movie, score=1.0)


def test_on_postgresql_a_pair_rated_twice_aborts_the_load_with_nothing_written(monkeypatch):
    if connection.vendor != "postgresql":
        skip_or_fail("the COPY path exists only on PostgreSQL (set DATABASE_URL)")
    real_read = services.read_movielens

    def rated_twice(*args, **kwargs):
        data = real_read(*args, **kwargs)
        data.ratings = pd.concat([data.ratings, data.ratings.iloc[:1]], ignore_index=True)
        return data

    monkeypatch.setattr(services, "read_movielens", rated_twice)
    with pytest.raises(IntegrityError, match="rating_user_movie_unique"):
        import_tiny()  # straight into the empty table: the rebuilt unique constraint refuses it
    assert counts() == (0, 0, 0, 0, 0)


class TestRatingTotalsRederive:
    """The nightly recount: totals kept up by rating writes are checked against the ratings themselves."""

    def test_it_fixes_and_counts_only_the_movies_that_drifted(self, user, other_user, movie):
        from ratings.services import rating_upsert

        rating_upsert(user=user, movie=movie, score=4)
        rating_upsert(user=other_user, movie=movie, score=3)
        left_alone = Movie.objects.create(title="Unrated")
        deleted_behind_its_back = Movie.objects.create(title="Was rated", rating_count=1, rating_sum=2, rating_mean=2)
        Rating.objects.filter(user=other_user).delete()  # as a cascade would: no service, no totals

        assert services.movie_rating_totals_rederive() == 2
        movie.refresh_from_db(), deleted_behind_its_back.refresh_from_db(), left_alone.refresh_from_db()
        assert (movie.rating_count, movie.rating_sum, movie.rating_mean) == (1, 4.0, 4.0)
        assert (deleted_behind_its_back.rating_count, deleted_behind_its_back.rating_mean) == (0, None)
        assert (left_alone.rating_count, left_alone.rating_sum) == (0, 0.0)
        assert services.movie_rating_totals_rederive() == 0

    def test_the_command_reports_drift(self, movie):
        from django.core.management import call_command

        Movie.objects.filter(pk=movie.pk).update(rating_count=3, rating_sum=12, rating_mean=4)
        out = io.StringIO()
        call_command("recount_ratings", stdout=out)
        assert "1 movies had drifted" in out.getvalue()

        out = io.StringIO()
        call_command("recount_ratings", stdout=out)
        assert "match" in out.getvalue()


def test_on_postgresql_imports_and_ratings_leave_little_of_the_title_index_unmerged():
    """Every import and rating rewrites movie rows; left in the GIN pending list (4 MB by default),
    their title trigrams kept the planner off the index and title search scanned the table."""
    if connection.vendor != "postgresql":
        skip_or_fail("the trigram index exists only on PostgreSQL (set DATABASE_URL)")
    import_tiny()
    movie_ids = list(Movie.objects.values_list("pk", flat=True))
    for i in range(600):  # about 200 KB of pending entries under the default limit
        movie_totals_add_many({movie_ids[i % len(movie_ids)]: (1, 4.0)})
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list('catalog_movie_title_trgm'::regclass)")
        assert cursor.fetchone()[0] <= 8  # pages still pending: at most the 64 kB limit
