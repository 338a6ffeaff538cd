"""The synthetic MovieLens generator: the importer's reader accepts it, and its shape is MovieLens's."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bench.synthetic import (
    HALF_STAR_SHARES,
    MIN_USER_RATINGS,
    SyntheticSpec,
    parse_count,
    write_dataset,
    write_ratings_csv,
)
from catalog.movielens import read_movielens

RATINGS = 10_000
# 100 users among 1,500 movies: enough of each for the long tails to show at 10k ratings (MovieLens's
# own proportions would give 65 users, too few for any film to stand out).
SPEC = SyntheticSpec.for_size(RATINGS, users=100, movies=1_500, seed=7)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synthetic")
    summary = write_dataset(SPEC, folder)
    return folder, summary, read_movielens("ml-25m", folder, strict=True)


def test_it_writes_files_the_movielens_reader_accepts(dataset):
    _, summary, data = dataset
    assert len(data.ratings) == RATINGS == summary["ratings"]
    assert len(data.movies) == summary["movies"]
    assert len(data.links) == summary["movies"]
    assert not data.tags.empty
    assert data.movies["title"].str.len().min() > 0
    assert data.movies["year"].notna().all()
    assert {"Drama", "Comedy"} <= set(data.genres)


def test_it_never_repeats_a_user_movie_pair(dataset):
    ratings = dataset[2].ratings
    assert not ratings.duplicated(["user_id", "movie_id"]).any()


def test_it_gives_every_user_twenty_ratings_and_every_movie_one(dataset):
    _, summary, data = dataset
    per_user = data.ratings["user_id"].value_counts()
    assert per_user.min() >= MIN_USER_RATINGS
    assert len(per_user) == summary["users"]
    assert set(data.ratings["movie_id"]) == set(data.movies["movie_id"])


def test_it_follows_movielens_half_star_shares(dataset):
    scores = dataset[2].ratings["score"]
    shares = scores.value_counts(normalize=True).reindex(np.arange(1, 11) / 2, fill_value=0).to_numpy()
    assert np.abs(shares - HALF_STAR_SHARES).max() < 0.01
    assert scores.mode()[0] == 4.0
    assert scores.mean() == pytest.approx(3.53, abs=0.03)


def test_it_makes_popularity_and_activity_long_tailed(dataset):
    ratings = dataset[2].ratings
    per_movie = ratings["movie_id"].value_counts()
    per_user = ratings["user_id"].value_counts()
    assert per_movie.max() > 5 * per_movie.median()
    assert per_movie.nlargest(len(per_movie) // 10).sum() > 0.25 * len(ratings)  # top decile: 2.5x its share
    assert per_user.max() > 3 * per_user.median()


def test_it_writes_the_same_files_for_the_same_seed(dataset, tmp_path):
    folder, _, _ = dataset
    write_dataset(SPEC, tmp_path)
    for name in ("ratings.csv", "movies.csv", "links.csv", "tags.csv"):
        assert (tmp_path / name).read_bytes() == (folder / name).read_bytes()


def test_it_formats_ratings_like_pandas(tmp_path):
    users = np.array([1, 9, 10, 99, 100, 162541])
    movies = np.array([10, 1, 1000, 59047, 7, 100000])
    half_stars = np.array([1, 2, 7, 8, 9, 10], dtype=np.int8)
    stamps = np.array([0, 789652009, 1000000000, 1574327703, 5, 999999999])
    write_ratings_csv(tmp_path / "ratings.csv", users, movies, half_stars, stamps)
    expected = pd.DataFrame({"userId": users, "movieId": movies, "rating": half_stars / 2, "timestamp": stamps})
    assert (tmp_path / "ratings.csv").read_text() == expected.to_csv(index=False)


def test_it_keeps_the_full_catalogue_from_a_million_ratings():
    assert SyntheticSpec.for_size(parse_count("1M")).movies == 59_047
    assert SyntheticSpec.for_size(parse_count("25M")).users == 162_540
    assert SyntheticSpec.for_size(parse_count("200k")).movies == 12_500


def test_it_reads_counts_with_suffixes():
    assert [parse_count(t) for t in ("25M", "200k", "10000", "1.5m")] == [25_000_000, 200_000, 10_000, 1_500_000]
    with pytest.raises(ValueError):
        parse_count("-1M")
