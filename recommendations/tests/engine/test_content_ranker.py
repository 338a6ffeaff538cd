from __future__ import annotations

import numpy as np
import pandas as pd

from recommendations.engine.content_ranker import ContentRanker


def catalogue() -> pd.DataFrame:
    return pd.DataFrame({
        "movie_id": [3, 1, 2, 4],
        "title": ["Space Fleet", "Space Wars", "Love Boat", "Untitled"],
        "genres": [["Sci-Fi"], ["Sci-Fi", "Action"], ["Romance"], ["(no genres listed)"]],
    })


def test_it_ranks_movies_like_the_ones_a_user_liked_first():
    ranker = ContentRanker.fit(catalogue())
    scores = ranker.score(np.array([1, 2]), np.array([5.0, 1.0]))
    assert ranker.movie_ids.tolist() == [1, 2, 3, 4]
    assert scores[2] > scores[3] > scores[1]  # sci-fi above the blank film above the disliked romance


def test_it_scores_nothing_without_ratings():
    assert ContentRanker.fit(catalogue()).score(np.array([], dtype=np.int64), np.array([])).tolist() == [0.0] * 4


def test_it_knows_genres_and_the_users_taste_for_them():
    ranker = ContentRanker.fit(catalogue())
    assert ranker.genres == ["Action", "Romance", "Sci-Fi"]
    assert ranker.movie_genres(1) == ["Action", "Sci-Fi"]
    assert ranker.movie_genres(4) == [] and ranker.movie_genres(99) == []
    taste = dict(zip(ranker.genres, ranker.genre_taste(np.array([1, 2]), np.array([5.0, 1.0])), strict=True))
    assert taste["Sci-Fi"] > 0 > taste["Romance"]


def test_it_round_trips_through_npy_files(tmp_path):
    ranker = ContentRanker.fit(catalogue())
    ranker.save(tmp_path)
    loaded = ContentRanker.load(tmp_path)
    assert loaded.genres == ranker.genres
    assert np.array_equal(loaded.score(np.array([1]), np.array([4.0])), ranker.score(np.array([1]), np.array([4.0])))
