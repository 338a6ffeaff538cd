"""`manage.py import_movielens`: the real datasets, downloads from a local mirror, failures."""
from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, ManagementUtility, call_command

from catalog.models import Movie
from catalog.tests.datasets import FIXTURES, break_line, zip_folder
from ratings.models import Rating

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_movielens", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def counts() -> tuple[int, int, int]:
    users = get_user_model().objects.filter(username__startswith="ml_").count()
    return Movie.objects.count(), users, Rating.objects.count()


def test_it_imports_ml_100k_exactly_and_a_second_run_adds_nothing(shared_datasets):
    out, err = run("ml-100k", "--path", str(shared_datasets / "ml-100k"))
    assert counts() == (1682, 943, 100000)
    summary = r"Imported ml-100k: 1682 movies, 943 users, 100000 ratings, 18 genres, 0 tags in [\d.]+ s\n"
    assert re.fullmatch(summary, out)
    assert "Ratings: 100%" in err  # progress bars on stderr
    assert set(Rating.objects.values_list("score", flat=True).distinct()) == {1.0, 2.0, 3.0, 4.0, 5.0}

    out, _ = run("ml-100k", "--path", str(shared_datasets / "ml-100k.zip"))
    assert out == "ml-100k is already imported: nothing added\n"
    assert counts() == (1682, 943, 100000)


def test_it_downloads_ml_latest_small_once_and_a_second_run_adds_nothing(
    shared_datasets, http_mirror, settings, tmp_path
):
    mirror = http_mirror(shared_datasets)
    settings.MOVIELENS_MIRROR = mirror.url
    settings.MOVIELENS_DIR = tmp_path / "movielens"
    out, _ = run("ml-latest-small")
    cached = tmp_path / "movielens" / "ml-latest-small.zip"
    assert cached.read_bytes() == (shared_datasets / "ml-latest-small.zip").read_bytes()
    assert counts() == (9742, 610, 100836)
    assert out.startswith("Imported ml-latest-small: 9742 movies, 610 users, 100836 ratings")

    out, _ = run("ml-latest-small")
    assert out == "ml-latest-small is already imported: nothing added\n"
    assert mirror.requests == ["/ml-latest-small.zip"]  # the second run used the cache
    assert counts() == (9742, 610, 100836)


def test_a_missing_archive_on_the_mirror_fails_with_the_url_and_status(http_mirror, settings, tmp_path):
    (tmp_path / "empty").mkdir()
    mirror = http_mirror(tmp_path / "empty")
    settings.MOVIELENS_MIRROR = mirror.url
    settings.MOVIELENS_DIR = tmp_path / "movielens"
    with pytest.raises(CommandError, match=rf"^download of {mirror.url}/ml-100k.zip failed: HTTP 404 "):
        run("ml-100k")
    assert counts() == (0, 0, 0)


def test_a_corrupt_ratings_file_fails_naming_file_and_line_and_changes_nothing(tiny_csv):
    run("ml-latest-small", "--path", str(FIXTURES / "csv-tiny"))
    before = counts()
    (tiny_csv / "movies.csv").write_text((tiny_csv / "movies.csv").read_text() + "11,A New Film (2020),Drama\n")
    break_line(tiny_csv / "ratings.csv", 3, "1,2,3.5,yesterday")
    with pytest.raises(CommandError, match=r"^ratings.csv line 3: timestamp 'yesterday' is not a whole number$"):
        run("ml-latest-small", "--path", str(tiny_csv))
    assert counts() == before


def test_a_failure_exits_non_zero_with_a_one_line_reason(tiny_csv, capsys):
    break_line(tiny_csv / "ratings.csv", 4, "1,5,7.0,1000000200")
    argv = ["manage.py", "import_movielens", "ml-latest-small", "--path", str(tiny_csv)]
    # The command line's own path (argument parsing, error line, exit code), without the django.setup()
    # that ManagementUtility.execute() adds: that would point logging at capsys's stream, closed after this test.
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(argv).fetch_command("import_movielens").run_from_argv(argv)
    assert exited.value.code == 1
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "CommandError: ratings.csv line 4: score 7.0 is outside 0.5–5.0"
    )


def test_it_reads_a_zip_given_with_path(tmp_path):
    archive = zip_folder(FIXTURES / "csv-tiny", tmp_path / "ml-latest-small.zip")
    run("ml-latest-small", "--path", str(archive))
    assert counts() == (5, 3, 8)


def test_it_refuses_a_second_dataset():
    run("ml-latest-small", "--path", str(FIXTURES / "csv-tiny"))
    with pytest.raises(CommandError, match="already holds ml-latest-small"):
        run("ml-100k", "--path", str(FIXTURES / "100k-tiny"))
    assert counts() == (5, 3, 8)


def test_it_warns_about_skipped_ratings_and_strict_refuses_them(tiny_csv):
    with (tiny_csv / "ratings.csv").open("a") as f:
        f.write("4,404,4.0,1300000000\n")
    with pytest.raises(CommandError, match="^ratings.csv line 10: movie 404 is not in the movies file$"):
        run("ml-latest-small", "--path", str(tiny_csv), "--strict")
    out, err = run("ml-latest-small", "--path", str(tiny_csv))
    assert "skipped 1 ratings of movies missing from the movies file (first on line 10: movie 404)" in err
    assert counts() == (5, 3, 8)


def test_it_is_quiet_at_verbosity_zero():
    _, err = run("ml-latest-small", "--path", str(FIXTURES / "csv-tiny"), "--verbosity", "0")
    assert err == ""
