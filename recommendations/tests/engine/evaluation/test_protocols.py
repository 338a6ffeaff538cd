from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recommendations.engine.evaluation.protocols import (
    cold_start_movies,
    cold_start_users,
    kfold,
    ml100k_folds,
    temporal,
    user_holdout,
)


@pytest.fixture
def ratings() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = [(u, m, float(rng.integers(1, 6)), 1000 * u + m)
            for u in range(1, 41) for m in rng.choice(np.arange(1, 61), size=int(rng.integers(20, 40)), replace=False)]
    return pd.DataFrame(rows, columns=["user_id", "movie_id", "score", "timestamp"])


def pairs(frame: pd.DataFrame) -> set[tuple[int, int]]:
    return set(zip(frame["user_id"], frame["movie_id"], strict=True))


def test_it_puts_every_rating_in_exactly_one_kfold_test_part(ratings):
    folds = kfold(ratings, k=5, seed=0)
    tests = [pairs(f.test) for f in folds]
    assert sum(len(t) for t in tests) == len(ratings)
    assert set().union(*tests) == pairs(ratings)
    for fold in folds:
        assert pairs(fold.train).isdisjoint(pairs(fold.test))


def test_it_holds_out_a_fifth_of_each_users_ratings_without_leaking(ratings):
    split = user_holdout(ratings, fraction=0.2, seed=42)
    assert pairs(split.train).isdisjoint(pairs(split.test))
    assert len(split.train) + len(split.test) == len(ratings)
    sizes = ratings.groupby("user_id").size()
    held = split.test.groupby("user_id").size()
    assert (held == (sizes * 0.2).round().astype(int)).all()


def test_it_splits_the_same_way_for_the_same_seed(ratings):
    first = user_holdout(ratings, seed=42).test.index
    assert first.equals(user_holdout(ratings, seed=42).test.index)
    assert not first.equals(user_holdout(ratings, seed=43).test.index)
    assert kfold(ratings, seed=1)[0].test.index.equals(kfold(ratings, seed=1)[0].test.index)


def test_it_holds_out_each_users_latest_ratings(ratings):
    split = temporal(ratings, fraction=0.2)
    latest_train = split.train.groupby("user_id")["timestamp"].max()
    earliest_test = split.test.groupby("user_id")["timestamp"].min()
    assert (earliest_test > latest_train.loc[earliest_test.index]).all()


def test_it_keeps_cold_users_out_of_training_and_reveals_only_n_ratings(ratings):
    split = cold_start_users(ratings, known=5, user_fraction=0.25, seed=42)
    cold = set(split.test["user_id"])
    assert len(cold) == 10
    assert cold.isdisjoint(split.train["user_id"])
    assert (split.known.groupby("user_id").size() == 5).all()
    assert pairs(split.known).isdisjoint(pairs(split.test))
    assert len(split.train) + len(split.known) + len(split.test) == len(ratings)


def test_it_judges_the_same_cold_users_whatever_they_revealed(ratings):
    one, ten = cold_start_users(ratings, known=1), cold_start_users(ratings, known=10)
    assert set(one.test["user_id"]) == set(ten.test["user_id"])
    assert pairs(one.known) <= pairs(ten.known)


def test_it_hides_every_rating_of_cold_movies(ratings):
    split = cold_start_movies(ratings, fraction=0.1, seed=42)
    assert set(split.test["movie_id"]) <= set(split.candidates.tolist())
    assert set(split.candidates.tolist()).isdisjoint(split.train["movie_id"])


def test_it_reads_the_canonical_ml100k_folds(shared_datasets):
    folds = ml100k_folds(shared_datasets / "ml-100k")
    assert [f.name for f in folds] == ["u1", "u2", "u3", "u4", "u5"]
    assert [len(f.test) for f in folds] == [20_000] * 5
    assert pairs(folds[0].train).isdisjoint(pairs(folds[0].test))


def test_it_reads_the_folds_from_the_zip_too(shared_datasets):
    assert len(ml100k_folds(shared_datasets / "ml-100k.zip")[4].train) == 80_000
