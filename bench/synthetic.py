"""A synthetic MovieLens-25M-like dataset, in ml-25m's CSV layout, of any size.

`python -m bench.synthetic --ratings 5M --out DIR` writes movies.csv, ratings.csv, links.csv and
tags.csv that `manage.py import_movielens ml-25m --path DIR` reads like the real thing.

Shape (matched to MovieLens 25M; every figure scales with --ratings):
- users: 162,541 × ratings / 25M, each with at least 20 ratings (MovieLens's rule); activity is a
  power law (Lomax, tail exponent 1.8: median ≈ 71, mean ≈ 154, capped at a third of the movies);
- movies: the catalogue stays 59,047 (MovieLens 25M's rated movies) at every size down to ~1M
  ratings, so serving and memory figures are those of the full catalogue; below that it shrinks
  to ratings / 16. Every movie is rated at least once, as in MovieLens. Popularity is a
  Zipf–Mandelbrot power law (exponent 2, offset 300): at 25M the top film gets 0.3% of the
  ratings and the median film ~9;
- scores: a latent-factor model (user and movie biases, 8 factors, noise) mapped onto MovieLens
  25M's half-star shares (mode 4.0, mean 3.53), so a recommender has structure to learn;
- (user, movie) pairs are unique; rows come sorted by user then movie, like ml-25m.

Everything is vectorised over rows (loops run over sampling rounds, digit positions and movies,
never over ratings) and comes from one seed: the same arguments give the same files.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from bench import synthetic_text

logger = logging.getLogger(__name__)

ML25M_RATINGS = 25_000_095
ML25M_USERS = 162_541
ML25M_MOVIES = 59_047
MIN_USER_RATINGS = 20
# MovieLens 25M's ratings at 0.5, 1.0, ... 5.0 stars.
ML25M_HALF_STAR_COUNTS = np.array(
    [393_068, 776_815, 399_490, 1_640_868, 1_262_797, 4_896_928, 3_177_318, 6_639_798, 2_200_539, 3_612_474]
)
HALF_STAR_SHARES = ML25M_HALF_STAR_COUNTS / ML25M_HALF_STAR_COUNTS.sum()
POPULARITY_EXPONENT, POPULARITY_OFFSET = 2.3, 390.0
ACTIVITY_TAIL, ACTIVITY_SCALE = 1.82, 110.0  # Lomax: median 20 + 51, mean 20 + 134
FACTORS = 8
FIRST_TIMESTAMP, LAST_TIMESTAMP = 789_652_009, 1_574_327_703  # ml-25m's first and last rating
CHUNK = 2_000_000  # rows formatted or scored at a time: bounds memory at 25M


@dataclass(frozen=True)
class SyntheticSpec:
    ratings: int
    users: int
    movies: int
    seed: int = 42

    @classmethod
    def for_size(cls, ratings: int, *, users: int | None = None, movies: int | None = None,
                 seed: int = 42) -> SyntheticSpec:
        """MovieLens 25M's shape at `ratings` ratings (see the module docstring); users/movies override it."""
        users = users or max(2, round(ML25M_USERS * ratings / ML25M_RATINGS))
        movies = movies or max(10, min(ML25M_MOVIES, ratings // 16))
        if users * MIN_USER_RATINGS > ratings:
            raise ValueError(f"{users} users cannot each rate {MIN_USER_RATINGS} movies with {ratings} ratings")
        if movies > ratings or MIN_USER_RATINGS * 3 > movies:
            raise ValueError(f"{movies} movies do not fit {ratings} ratings of users rating {MIN_USER_RATINGS}+")
        return cls(ratings=ratings, users=users, movies=movies, seed=seed)


def parse_count(text: str) -> int:
    """ "25M" → 25_000_000, "200k" → 200_000, "10000" → 10_000."""
    text = text.strip().lower().replace("_", "")
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    number = float(text[:-1] if factor > 1 else text)
    if number <= 0:
        raise ValueError(f"{text!r} is not a positive count")
    return round(number * factor)


def movie_popularity(n_movies: int, rng: np.random.Generator) -> np.ndarray:
    """Each movie's share of ratings (sums to 1): a Zipf–Mandelbrot law over a random ranking."""
    ranks = rng.permutation(n_movies) + 1
    weights = (ranks + POPULARITY_OFFSET) ** -POPULARITY_EXPONENT
    return weights / weights.sum()


def user_activity(spec: SyntheticSpec, rng: np.random.Generator) -> np.ndarray:
    """Ratings per user: ≥ 20 each, power-law tail, capped at a third of the movies, summing to spec.ratings."""
    floor = MIN_USER_RATINGS
    cap = max(floor, spec.movies // 3)
    if spec.users * cap < spec.ratings:
        raise ValueError(f"{spec.users} users rating at most {cap} movies cannot give {spec.ratings} ratings")
    extra = ACTIVITY_SCALE * ((1 - rng.random(spec.users)) ** (-1 / ACTIVITY_TAIL) - 1) + 1e-9
    target = spec.ratings - floor * spec.users
    allotted = np.zeros(spec.users, dtype=np.int64)
    capped = np.zeros(spec.users, dtype=bool)
    for _ in range(100):  # share the target out in proportion; users above the cap keep the cap
        free = ~capped
        remaining = target - int(allotted[capped].sum())
        exact = extra[free] / extra[free].sum() * remaining
        whole = np.floor(exact).astype(np.int64)
        whole[np.argsort(whole - exact)[: remaining - int(whole.sum())]] += 1  # largest remainders
        allotted[free] = whole
        over = allotted > cap - floor
        if not over.any():
            break
        allotted[over], capped = cap - floor, capped | over
    counts = floor + allotted
    return counts


def rating_pairs(counts: np.ndarray, popularity: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Unique (user index, movie index) pairs, sorted; user u gets counts[u] movies, every movie ≥ 1 rating.

    Movies are drawn by popularity with replacement, duplicates dropped and the shortfall drawn
    again; heavy raters who have exhausted the popular films finish on uniformly drawn ones.
    """
    n_users, n_movies = len(counts), len(popularity)
    # Every movie gets one rater, chosen in proportion to activity (MovieLens lists rated movies only).
    coverage_users = _AliasTable(counts.astype(np.float64)).draw(n_movies, rng)
    coverage = np.sort(coverage_users.astype(np.int64) * n_movies + np.arange(n_movies))
    deficit = np.maximum(counts - np.bincount(coverage_users, minlength=n_users), 0)
    # Most pairs land in the first round (`main`); the few added later stay in a small `extra`.
    main, extra = coverage, np.empty(0, np.int64)
    by_popularity = _AliasTable(popularity)
    for round_ in range(60):
        if not deficit.any():
            break
        wanted = deficit if round_ == 0 else np.ceil(deficit * 1.5).astype(np.int64)
        users = np.repeat(np.arange(n_users, dtype=np.int64), wanted)
        movies = (by_popularity.draw(len(users), rng) if round_ < 4
                  else rng.integers(0, n_movies, size=len(users)))
        fresh = _sorted_unique(users * n_movies + movies)
        fresh = fresh[~(_contains(main, fresh) | _contains(extra, fresh))]
        if round_:
            fresh = _first_per_user(fresh // n_movies, fresh, deficit, rng)
        deficit -= np.bincount(fresh // n_movies, minlength=n_users)
        if round_ == 0:
            main = np.sort(np.concatenate([main, fresh]), kind="stable")  # two sorted runs: a merge
        else:
            extra = np.sort(np.concatenate([extra, fresh]))
    if deficit.any():
        raise RuntimeError(f"could not place {int(deficit.sum())} ratings; lower the activity cap")
    everything = np.sort(np.concatenate([main, extra]), kind="stable")
    return everything // n_movies, everything % n_movies


class _AliasTable:
    """Walker's alias method: draws from a discrete distribution in O(1) each (rng.choice(p=) is ~10x slower)."""

    def __init__(self, probabilities: np.ndarray) -> None:
        n = len(probabilities)
        scaled = probabilities * n / probabilities.sum()
        self.keep, self.alias = np.ones(n), np.arange(n)
        small = [int(i) for i in np.flatnonzero(scaled < 1.0)]
        large = [int(i) for i in np.flatnonzero(scaled >= 1.0)]
        while small and large:  # one pass over the categories (movies or users), not over draws
            low, high = small.pop(), large[-1]
            self.keep[low], self.alias[low] = scaled[low], high
            scaled[high] -= 1.0 - scaled[low]
            if scaled[high] < 1.0:
                small.append(large.pop())

    def draw(self, size: int, rng: np.random.Generator) -> np.ndarray:
        picks = rng.integers(0, len(self.keep), size)
        return np.where(rng.random(size) < self.keep[picks], picks, self.alias[picks]).astype(np.int64)


def _sorted_unique(keys: np.ndarray) -> np.ndarray:
    # np.unique's hash-based path is ~10x slower than sorting on tens of millions of int64 keys.
    keys = np.sort(keys)
    return keys[np.concatenate([[True], keys[1:] != keys[:-1]])] if len(keys) else keys


def _contains(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    if not len(sorted_keys):
        return np.zeros(len(keys), bool)
    at = np.searchsorted(sorted_keys, keys)
    at[at == len(sorted_keys)] = 0
    return sorted_keys[at] == keys


def _first_per_user(users: np.ndarray, keys: np.ndarray, limit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """At most limit[u] of each user's keys, chosen at random."""
    order = np.lexsort((rng.random(len(keys)), users))
    users, keys = users[order], keys[order]
    starts = np.searchsorted(users, users, side="left")
    return keys[(np.arange(len(keys)) - starts) < limit[users]]


def rating_scores(users: np.ndarray, movies: np.ndarray, popularity: np.ndarray, n_users: int,
                  rng: np.random.Generator) -> np.ndarray:
    """Half stars from biases + factors + noise, mapped onto MovieLens 25M's half-star shares."""
    user_bias = rng.normal(0.0, 0.45, n_users).astype(np.float32)
    log_pop = np.log(popularity)
    # Widely seen films are rated a little higher, as in MovieLens.
    movie_bias = (rng.normal(0.0, 0.5, len(popularity)) + 0.25 * (log_pop - log_pop.mean()) / log_pop.std())
    user_factors = rng.normal(0.0, 0.5, (n_users, FACTORS)).astype(np.float32)
    movie_factors = rng.normal(0.0, 0.5, (len(popularity), FACTORS)).astype(np.float32)
    latent = np.empty(len(users), dtype=np.float32)
    for start in range(0, len(users), CHUNK):
        u, m = users[start : start + CHUNK], movies[start : start + CHUNK]
        latent[start : start + len(u)] = (
            user_bias[u] + movie_bias[m].astype(np.float32)
            + np.einsum("ij,ij->i", user_factors[u], movie_factors[m])
            + rng.normal(0.0, 0.6, len(u)).astype(np.float32)
        )
    cuts = np.quantile(latent, np.cumsum(HALF_STAR_SHARES)[:-1])
    return (np.searchsorted(cuts, latent, side="right") + 1).astype(np.int8)  # 1..10 half stars


def rating_timestamps(users: np.ndarray, n_users: int, rng: np.random.Generator) -> np.ndarray:
    """Seconds since the epoch: each user starts at a random date and rates over minutes to years."""
    start = rng.integers(FIRST_TIMESTAMP, LAST_TIMESTAMP, n_users)
    spread = 10 ** rng.uniform(2.5, 8.0, n_users)  # typical gap: 5 minutes to 3 years
    stamps = start[users] + rng.exponential(1.0, len(users)) * spread[users]
    return np.minimum(stamps, LAST_TIMESTAMP).astype(np.int64)


def write_ratings_csv(path: Path, users: np.ndarray, movies: np.ndarray, half_stars: np.ndarray,
                      timestamps: np.ndarray) -> None:
    """ratings.csv as ml-25m writes it ("1,296,5.0,1147880044"), formatted by array arithmetic."""
    star_text = np.frombuffer("".join(f"{s / 2:.1f}" for s in range(1, 11)).encode(), np.uint8).reshape(10, 3)
    with path.open("wb") as out:
        out.write(b"userId,movieId,rating,timestamp\n")
        for start in range(0, len(users), CHUNK):
            part = slice(start, start + CHUNK)
            n = len(users[part])
            comma, newline = np.full((n, 1), ord(","), np.uint8), np.full((n, 1), ord("\n"), np.uint8)
            columns = [_digits(users[part]), (comma, None), _digits(movies[part]), (comma, None),
                       (star_text[half_stars[part] - 1], None), (comma, None), _digits(timestamps[part]),
                       (newline, None)]
            text = np.hstack([c for c, _ in columns])
            keep = np.hstack([np.ones(c.shape, bool) if m is None else m for c, m in columns])
            out.write(text[keep].tobytes())


def _digits(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Decimal digits of non-negative ints as an (n, width) ASCII block and a mask of the ones to print."""
    values = values.astype(np.int64)
    width = max(1, len(str(int(values.max())))) if len(values) else 1
    block = np.empty((len(values), width), np.uint8)
    rest = values.copy()
    for column in range(width - 1, -1, -1):
        block[:, column] = rest % 10 + ord("0")
        rest //= 10
    shown = 1 + sum((values >= 10**power).astype(np.int64) for power in range(1, width))
    return block, np.arange(width) >= (width - shown)[:, None]


def write_dataset(spec: SyntheticSpec, out: Path) -> dict:
    """Write the four CSV files into `out` (created); returns a summary of what was written."""
    started = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(spec.seed)
    popularity = movie_popularity(spec.movies, rng)
    counts = user_activity(spec, rng)
    user_rows, movie_rows = rating_pairs(counts, popularity, rng)
    half_stars = rating_scores(user_rows, movie_rows, popularity, spec.users, rng)
    timestamps = rating_timestamps(user_rows, spec.users, rng)
    generated = time.perf_counter() - started
    movie_ids = np.arange(1, spec.movies + 1)
    write_ratings_csv(out / "ratings.csv", user_rows + 1, movie_ids[movie_rows], half_stars, timestamps)
    movies, links = synthetic_text.movies_and_links(movie_ids, rng)
    movies.to_csv(out / "movies.csv", index=False)
    links.to_csv(out / "links.csv", index=False)
    tagged = rng.choice(len(user_rows), size=max(10, len(user_rows) // 200), replace=False)
    tags = synthetic_text.tags(user_rows[tagged] + 1, movie_ids[movie_rows[tagged]], timestamps[tagged], rng)
    tags.to_csv(out / "tags.csv", index=False)
    per_movie = np.bincount(movie_rows, minlength=spec.movies)
    summary = {
        **asdict(spec),
        "ratings": len(user_rows),
        "folder": str(out),
        "mean_score": round(float(half_stars.mean()) / 2, 4),
        "ratings_per_user": {"min": int(counts.min()), "median": float(np.median(counts)),
                             "max": int(counts.max())},
        "ratings_per_movie": {"min": int(per_movie.min()), "median": float(np.median(per_movie)),
                              "max": int(per_movie.max()), "at_least_10": int((per_movie >= 10).sum())},
        "tags": len(tags),
        "generate_seconds": round(generated, 2),
        "total_seconds": round(time.perf_counter() - started, 2),
    }
    (out / "synthetic.json").write_text(json.dumps(summary, indent=2))
    logger.info("wrote %s ratings to %s in %.1f s", spec.ratings, out, summary["total_seconds"])
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.synthetic", description=__doc__.splitlines()[0])
    parser.add_argument("--ratings", type=parse_count, default=parse_count("1M"), help="e.g. 1M, 5M, 25M")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the CSV files into")
    parser.add_argument("--users", type=parse_count, help="override the number of users")
    parser.add_argument("--movies", type=parse_count, help="override the number of movies")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    spec = SyntheticSpec.for_size(args.ratings, users=args.users, movies=args.movies, seed=args.seed)
    summary = write_dataset(spec, args.out)
    sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
