from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recommendations.engine.content import content_neighbours, movie_features


def catalogue() -> pd.DataFrame:
    return pd.DataFrame(
        [
            (1, "Space Battle (1977)", ["Sci-Fi", "Action"], ["space", "lasers"]),
            (2, "Space Battle Returns (1980)", ["Sci-Fi", "Action"], ["space", "sequel"]),
            (3, "Galaxy Quest (1999)", ["Sci-Fi", "Comedy"], ["space", "parody"]),
            (4, "Love in Paris (1977)", ["Romance"], []),
            (5, "Paris Again (1999)", ["Romance", "Drama"], ["paris"]),
            (6, "Comedy (2001)", ["Documentary"], []),
            (7, "Untitled (1977)", ["(no genres listed)"], []),
        ],
        columns=["movie_id", "title", "genres", "tags"],
    )


def neighbours_of(result: pd.DataFrame, movie_id: int) -> list[int]:
    return result[result["movie_id"] == movie_id].sort_values("rank")["similar_id"].tolist()


def test_it_finds_the_sequel_first():
    result = content_neighbours(catalogue(), k=3)
    assert neighbours_of(result, 1)[:2] == [2, 3]
    assert neighbours_of(result, 4) == [5]


def test_it_never_lists_a_movie_as_its_own_neighbour():
    result = content_neighbours(catalogue(), k=6)
    assert not (result["movie_id"] == result["similar_id"]).any()


def test_it_leaves_out_movies_sharing_nothing():
    result = content_neighbours(catalogue(), k=6)
    # Space movies and Paris movies share no genre, tag or title word.
    assert set(neighbours_of(result, 1)).isdisjoint({4, 5})
    assert (result["score"] > 0).all()


def test_it_keeps_genres_apart_from_words_and_ignores_the_year():
    result = content_neighbours(catalogue(), k=6)
    # "Comedy" the title is not the Comedy genre; "(1977)" is not a word.
    assert neighbours_of(result, 6) == []
    assert neighbours_of(result, 7) == []


def test_it_ranks_from_one_to_k_with_falling_scores():
    result = content_neighbours(catalogue(), k=2)
    assert result.groupby("movie_id").size().max() == 2
    for _, rows in result.groupby("movie_id"):
        assert rows["rank"].tolist() == list(range(1, len(rows) + 1))
        assert rows["score"].is_monotonic_decreasing
    assert result["score"].max() <= 1.0
    assert result.dtypes.to_dict() == {
        "movie_id": np.int64, "similar_id": np.int64, "score": np.float64, "rank": np.int64,
    }


def test_it_gives_the_same_answer_whatever_the_block_size():
    whole = content_neighbours(catalogue(), k=3)
    pd.testing.assert_frame_equal(whole, content_neighbours(catalogue(), k=3, block_rows=2))
    pd.testing.assert_frame_equal(whole, content_neighbours(catalogue(), k=3, block_rows=1))


def test_it_breaks_score_ties_by_movie_id():
    movies = pd.DataFrame(
        {"movie_id": [30, 10, 20], "title": ["A", "B", "C"], "genres": [["Drama"]] * 3, "tags": [[]] * 3}
    )
    result = content_neighbours(movies, k=2)
    assert neighbours_of(result, 30) == [10, 20]


def test_it_uses_the_overview_when_given():
    movies = pd.DataFrame(
        {
            "movie_id": [1, 2, 3],
            "title": ["One", "Two", "Three"],
            "genres": [["Drama"], ["Drama"], ["Drama"]],
            "overview": ["A lighthouse keeper alone", "", "The lighthouse keeper returns"],
        }
    )
    assert neighbours_of(content_neighbours(movies, k=1), 1) == [3]


def test_it_weights_fields_into_a_mean_of_cosines():
    features = movie_features(catalogue())
    self_similarity = (features @ features.T).diagonal()
    # Movie 1 has all three fields: its vector has unit norm; movie 4 lacks tags.
    assert self_similarity[0] == pytest.approx(1.0, abs=1e-6)
    assert self_similarity[3] < 1.0


def test_it_refuses_repeated_movie_ids():
    movies = catalogue()
    movies.loc[1, "movie_id"] = 1
    with pytest.raises(ValueError):
        content_neighbours(movies)


def test_it_finds_toy_story_next_to_toy_story_2(shared_datasets):
    movies = pd.read_csv(shared_datasets / "ml-latest-small" / "movies.csv")
    tags = pd.read_csv(shared_datasets / "ml-latest-small" / "tags.csv").groupby("movieId")["tag"].agg(list)
    movies = pd.DataFrame(
        {
            "movie_id": movies["movieId"],
            "title": movies["title"],
            "genres": movies["genres"].str.split("|"),
            "tags": [tags.get(m, []) for m in movies["movieId"]],
        }
    )
    result = content_neighbours(movies, k=20)
    titles = movies.set_index("movie_id")["title"]
    toy_story_2 = int(movies.loc[movies["title"] == "Toy Story 2 (1999)", "movie_id"].iloc[0])
    assert "Toy Story (1995)" in titles[neighbours_of(result, toy_story_2)].tolist()
    assert result.groupby("movie_id").size().max() == 20
