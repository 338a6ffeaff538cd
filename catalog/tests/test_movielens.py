"""Parsing MovieLens files: hand-made fixtures for exact answers, the shared datasets for real counts."""
from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pandas as pd
import pytest

from catalog import movielens
from catalog.movielens import DATASETS, MovieLensFormatError, read_movielens, read_ratings
from catalog.tests.datasets import FIXTURES, break_line, zip_folder


def movie(data, movie_id: int) -> dict:
    """The movie row as a dict (a missing year reads as None)."""
    return data.movies.set_index("movie_id").loc[movie_id].to_dict()


def test_it_imports_no_django():
    tree = ast.parse(Path(movielens.__file__).read_text())
    modules = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    modules += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert not [m for m in modules if m.split(".")[0] == "django"]


def test_the_registry_knows_each_archive_and_format():
    assert DATASETS["ml-100k"].archive == "ml-100k.zip" and DATASETS["ml-100k"].format == "100k"
    assert DATASETS["ml-1m"].format == "dat"
    assert {DATASETS[n].format for n in ("ml-latest-small", "ml-25m", "ml-32m")} == {"csv"}
    assert DATASETS["ml-32m"].folder == "ml-32m"


def test_it_reads_the_csv_format():
    data = read_movielens("ml-latest-small", FIXTURES / "csv-tiny")
    assert list(data.movies["movie_id"]) == [1, 2, 5, 7, 9]
    assert movie(data, 1) == {"title": "The Paper Lantern", "year": 1994, "genres": ["Drama", "Romance"]}
    assert movie(data, 2)["title"] == "Harbour Lights, The"  # quoted, with a comma
    assert movie(data, 7) == {"title": "Night Ferry", "year": 2006, "genres": []}  # a series; no genres listed
    assert movie(data, 9)["title"] == "Untitled Sketch" and movie(data, 9)["year"] is None
    assert data.genres == ["Animation", "Children", "Comedy", "Documentary", "Drama", "Fantasy", "Romance"]
    assert len(data.ratings) == 8 and list(data.ratings.columns) == ["user_id", "movie_id", "score", "timestamp"]
    assert data.ratings.iloc[1].to_dict() == {"user_id": 1, "movie_id": 2, "score": 3.5, "timestamp": 1000000100}
    assert data.skipped == []


def test_it_pads_imdb_ids_and_keeps_missing_tmdb_ids_empty():
    links = read_movielens("ml-latest-small", FIXTURES / "csv-tiny").links.set_index("movie_id")
    assert links.loc[1, "imdb_id"] == "tt0000101"
    assert links.loc[7, "imdb_id"] == "tt12345678"  # eight digits stay eight
    assert links.loc[1, "tmdb_id"] == 501 and links.loc[2, "tmdb_id"] is pd.NA


def test_it_keeps_distinct_tags_most_used_first_whatever_their_case():
    tags = read_movielens("ml-latest-small", FIXTURES / "csv-tiny").tags.set_index("movie_id")["tags"]
    assert tags[1] == ["slow burn", "lanterns"]
    assert tags[2] == ["funny, warm"]
    assert 9 not in tags.index


def test_it_reads_the_100k_format():
    data = read_movielens("ml-100k", FIXTURES / "100k-tiny")
    assert movie(data, 1) == {"title": "Copper Kettle", "year": 1996, "genres": ["Comedy", "Drama"]}
    assert movie(data, 2)["title"] == "Long Road North"  # trailing space after the year
    assert movie(data, 3) == {"title": "unknown", "year": None, "genres": []}  # "unknown" genre is no genre
    assert movie(data, 4)["year"] == 1997  # no year in the title: the release date's
    assert movie(data, 5)["title"] == "Café Noir"  # latin-1
    assert data.ratings["score"].tolist() == [5.0, 3.0, 4.0, 1.0, 2.0, 4.0]
    assert data.links.empty and data.tags.empty


def test_it_reads_the_dat_format():
    data = read_movielens("ml-1m", FIXTURES / "dat-tiny")
    assert movie(data, 2) == {"title": "Star Harbour: Part II", "year": 1999, "genres": ["Sci-Fi"]}
    assert movie(data, 3)["title"] == "Café Noir"
    assert data.ratings[["user_id", "movie_id", "score"]].values.tolist() == [[1, 1, 5], [1, 3, 3], [2, 2, 4]]


def test_it_reads_an_official_style_zip(tmp_path):
    archive = zip_folder(FIXTURES / "csv-tiny", tmp_path / "ml-latest-small.zip")
    data = read_movielens("ml-latest-small", archive)
    assert len(data.movies) == 5 and len(data.ratings) == 8 and len(data.tags) == 3


def test_it_finds_the_dataset_folder_inside_the_folder_given(tmp_path):
    shutil.copytree(FIXTURES / "100k-tiny", tmp_path / "ml-100k")
    assert len(read_movielens("ml-100k", tmp_path).movies) == 5


def test_read_ratings_gives_compact_validated_ratings():
    ratings = read_ratings("ml-latest-small", FIXTURES / "csv-tiny")
    assert ratings.dtypes.astype(str).to_dict() == {
        "user_id": "int32", "movie_id": "int32", "score": "float64", "timestamp": "int64"
    }
    assert len(ratings) == 8


def test_it_skips_ratings_of_unknown_movies_and_says_where(tiny_csv):
    with (tiny_csv / "ratings.csv").open("a") as f:
        f.write("4,404,4.0,1300000000\n")
    data = read_movielens("ml-latest-small", tiny_csv)
    assert len(data.ratings) == 8 and 4 not in set(data.ratings["user_id"])
    assert data.skipped == [
        "ratings.csv: skipped 1 ratings of movies missing from the movies file (first on line 10: movie 404)"
    ]
    assert len(read_ratings("ml-latest-small", tiny_csv)) == 8


def test_strict_reading_refuses_ratings_of_unknown_movies(tiny_csv):
    with (tiny_csv / "ratings.csv").open("a") as f:
        f.write("4,404,4.0,1300000000\n")
    with pytest.raises(MovieLensFormatError, match=r"^ratings.csv line 10: movie 404 is not in the movies file$"):
        read_movielens("ml-latest-small", tiny_csv, strict=True)


@pytest.mark.parametrize(
    ("file", "line", "text", "message"),
    [
        ("ratings.csv", 3, "1,2,3.5,1000000100,9", "ratings.csv line 3: expected 4 fields, found 5"),
        ("ratings.csv", 2, "1,1,4.0,1000000000,9", "ratings.csv line 2: expected 4 fields, found 5"),
        ("ratings.csv", 3, "1,2,3.5", "ratings.csv line 3: expected 4 fields, found 3"),
        ("ratings.csv", 3, "", "ratings.csv line 3: empty line"),
        ("ratings.csv", 3, "1,two,3.5,1000000100", "ratings.csv line 3: movie_id 'two' is not a whole number"),
        ("ratings.csv", 3, "1,2,7.0,1000000100", "ratings.csv line 3: score 7.0 is outside 0.5–5.0"),
        ("ratings.csv", 3, "1,2,0,1000000100", "ratings.csv line 3: score 0.0 is outside 0.5–5.0"),
        ("ratings.csv", 3, "1,2,3.3,1000000100", "ratings.csv line 3: score 3.3 is not on the half-star scale"),
        ("ratings.csv", 3, "1,1,3.5,1000000100", "ratings.csv line 3: user 1 rated movie 1 twice"),
        ("ratings.csv", 1, "user,movie,rating,time",
         "ratings.csv line 1: expected the header userId,movieId,rating,timestamp"),
        ("movies.csv", 3, "abc,Some Film (1999),Drama", "movies.csv line 3: movie_id 'abc' is not a whole number"),
        ("movies.csv", 3, "1,Some Film (1999),Drama", "movies.csv line 3: movie id listed twice"),
        ("links.csv", 4, "5,tt1234567,505", "links.csv line 4: imdb_id 'tt1234567' is not a whole number"),
        ("tags.csv", 2, "1,1,lanterns", "tags.csv line 2: expected 4 fields, found 3"),
    ],
)
def test_a_malformed_line_fails_naming_file_and_line(tiny_csv, file, line, text, message):
    break_line(tiny_csv / file, line, text)
    with pytest.raises(MovieLensFormatError) as caught:
        read_movielens("ml-latest-small", tiny_csv)
    assert str(caught.value) == message
    assert (caught.value.file, caught.value.line) == (file, line)


def test_a_malformed_100k_line_names_file_and_line(tmp_path):
    folder = Path(shutil.copytree(FIXTURES / "100k-tiny", tmp_path / "ml-100k"))
    break_line(folder / "u.data", 4, "2\t4\t6\t881250952")
    with pytest.raises(MovieLensFormatError, match=r"^u.data line 4: score 6.0 is outside 0.5–5.0$"):
        read_movielens("ml-100k", folder)
    break_line(folder / "u.item", 2, "2|Long Road North (1993)|14-Mar-1993")
    with pytest.raises(MovieLensFormatError, match=r"^u.item line 2: expected 24 fields, found 3$"):
        read_movielens("ml-100k", folder)


def test_a_genre_list_that_does_not_match_the_flags_is_refused(tmp_path):
    folder = Path(shutil.copytree(FIXTURES / "100k-tiny", tmp_path / "ml-100k"))
    break_line(folder / "u.genre", 19, "")
    with pytest.raises(MovieLensFormatError, match=r"^u.genre: expected the 19 genres numbered 0–18$"):
        read_movielens("ml-100k", folder)


def test_read_ratings_validates_too(tiny_csv):
    break_line(tiny_csv / "ratings.csv", 5, "2,1,9.5,1100000000")
    with pytest.raises(MovieLensFormatError, match=r"^ratings.csv line 5: score 9.5 is outside"):
        read_ratings("ml-latest-small", tiny_csv)


def test_a_missing_file_is_named(tiny_csv):
    (tiny_csv / "links.csv").unlink()
    with pytest.raises(MovieLensFormatError, match=r"^links.csv: missing from .*ml-latest-small$"):
        read_movielens("ml-latest-small", tiny_csv)


def test_a_missing_source_is_named(tmp_path):
    with pytest.raises(MovieLensFormatError, match="no such file or folder"):
        read_movielens("ml-100k", tmp_path / "nowhere")


def test_a_truncated_zip_is_refused(tmp_path):
    archive = zip_folder(FIXTURES / "csv-tiny", tmp_path / "ml-latest-small.zip")
    archive.write_bytes(archive.read_bytes()[:-100])
    with pytest.raises(MovieLensFormatError, match=r"^ml-latest-small.zip: not a readable zip archive"):
        read_movielens("ml-latest-small", archive)


def test_damage_inside_a_zip_is_reported_as_damage_not_bad_data(tmp_path):
    folder = Path(shutil.copytree(FIXTURES / "csv-tiny", tmp_path / "ml-latest-small"))
    (folder / "ratings.csv").write_text("userId,movieId,rating,timestamp\n" + "1,1,4.0,1000000000\n" * 50)
    archive = zip_folder(folder, tmp_path / "ml-latest-small.zip")
    raw = bytearray(archive.read_bytes())
    start = raw.index(b"ml-latest-small/ratings.csv") + len("ml-latest-small/ratings.csv")
    raw[start + 5 : start + 15] = b"\xff" * 10  # inside the compressed data of ratings.csv
    archive.write_bytes(bytes(raw))
    with pytest.raises(MovieLensFormatError, match=r"^ratings.csv: corrupt in ml-latest-small.zip"):
        read_movielens("ml-latest-small", archive)


def test_it_counts_the_shared_ml_100k_exactly(shared_datasets):
    data = read_movielens("ml-100k", shared_datasets / "ml-100k.zip")
    assert (len(data.movies), data.ratings["user_id"].nunique(), len(data.ratings)) == (1682, 943, 100000)
    assert len(read_ratings("ml-100k", shared_datasets)) == 100000


def test_it_counts_the_shared_ml_latest_small_exactly(shared_datasets):
    data = read_movielens("ml-latest-small", shared_datasets / "ml-latest-small")
    assert (len(data.movies), data.ratings["user_id"].nunique(), len(data.ratings)) == (9742, 610, 100836)
    assert movie(data, 1)["title"] == "Toy Story" and movie(data, 1)["year"] == 1995
    assert data.links.set_index("movie_id").loc[1, "imdb_id"] == "tt0114709"
