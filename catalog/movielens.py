"""Read MovieLens datasets (a folder or the official zip) into pandas DataFrames.

Pure pandas, no Django: the importer and offline evaluation share it. Every file is parsed by
pandas' C reader; only when that fails is the file scanned line by line to say which line is
wrong, so every problem surfaces as one `MovieLensFormatError`
("ratings.csv line 1234: score 7.0 is outside 0.5–5.0").
"""
from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from recommendations.engine.data import NO_GENRES

# "Toy Story (1995)", "Death Note (2006–2007)", "Heidi Fleiss (1995) " → title, first year.
TITLE_YEAR = re.compile(r"^(?P<title>.*?)\s*\((?P<year>\d{4})(?:[-–]\d{0,4})?\)\s*$")


@dataclass(frozen=True)
class Dataset:
    name: str
    format: str  # "100k" (u.data/u.item), "dat" (ml-1m, "::"-separated) or "csv" (ml-latest*, ml-25m+)

    @property
    def archive(self) -> str:
        return f"{self.name}.zip"

    @property
    def folder(self) -> str:
        """The top folder inside the official archive."""
        return self.name


DATASETS = {
    d.name: d
    for d in (
        Dataset("ml-100k", "100k"),
        Dataset("ml-latest-small", "csv"),
        Dataset("ml-1m", "dat"),
        Dataset("ml-25m", "csv"),
        Dataset("ml-32m", "csv"),
    )
}


class MovieLensFormatError(Exception):
    """A missing, corrupt or malformed dataset file; str() is one line naming file and line."""

    def __init__(self, file: str, line: int | None, reason: str) -> None:
        super().__init__(file, line, reason)
        self.file, self.line, self.reason = file, line, reason

    def __str__(self) -> str:
        where = f"{self.file} line {self.line}" if self.line else self.file
        return f"{where}: {self.reason}"


@dataclass
class MovieLensData:
    """One dataset, with MovieLens' own ids.

    movies: movie_id, title (year removed), year (Int64, may be <NA>), genres (list[str]).
    ratings: user_id (int32), movie_id (int32), score (float64, 0.5–5.0 in half stars), timestamp (int64 s).
    links: movie_id, imdb_id ("tt0114709"), tmdb_id (Int64) — empty for ml-100k and ml-1m.
    tags: movie_id, tags (list of distinct tags, most used first, case-insensitively deduplicated).
    skipped: one line per file whose rows were dropped because they name unknown movies.
    """

    dataset: str
    movies: pd.DataFrame
    ratings: pd.DataFrame
    links: pd.DataFrame
    tags: pd.DataFrame
    genres: list[str]
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Table:
    file: str
    columns: tuple[tuple[str, str], ...]  # (name, kind); kind: int, int?, float, str
    sep: str
    header: tuple[str, ...] = ()  # the exact header line a CSV file must start with
    encoding: str = "utf-8"
    allow_blank: bool = False

    @property
    def first_data_line(self) -> int:
        return 2 if self.header else 1


_RATINGS = (("user_id", "int"), ("movie_id", "int"), ("score", "float"), ("timestamp", "int"))
_CSV_RATINGS = _Table("ratings.csv", _RATINGS, ",", ("userId", "movieId", "rating", "timestamp"))
_TABLES = {
    "100k": {
        "ratings": _Table("u.data", _RATINGS, "\t"),
        "movies": _Table(
            "u.item",
            (("movie_id", "int"), ("title", "str"), ("released", "str"), ("video", "str"), ("url", "str"))
            + tuple((f"genre{i}", "int") for i in range(19)),
            "|",
            encoding="latin-1",
        ),
        "genres": _Table("u.genre", (("name", "str"), ("index", "int")), "|", allow_blank=True),
    },
    "dat": {
        "ratings": _Table("ratings.dat", _RATINGS, "::", encoding="latin-1"),
        "movies": _Table(
            "movies.dat", (("movie_id", "int"), ("title", "str"), ("genres", "str")), "::", encoding="latin-1"
        ),
    },
    "csv": {
        "ratings": _CSV_RATINGS,
        "movies": _Table(
            "movies.csv",
            (("movie_id", "int"), ("title", "str"), ("genres", "str")),
            ",",
            ("movieId", "title", "genres"),
        ),
        "links": _Table(
            "links.csv",
            (("movie_id", "int"), ("imdb_id", "int"), ("tmdb_id", "int?")),
            ",",
            ("movieId", "imdbId", "tmdbId"),
        ),
        "tags": _Table(
            "tags.csv",
            (("user_id", "int"), ("movie_id", "int"), ("tag", "str"), ("timestamp", "int")),
            ",",
            ("userId", "movieId", "tag", "timestamp"),
        ),
    },
}
_DTYPES = {"int": "int64", "int?": "Int64", "float": "float64", "str": "object"}
_RATING_DTYPES = {"user_id": "int32", "movie_id": "int32", "score": "float64", "timestamp": "int64"}


class _Files:
    """The dataset's files, whether they sit in a folder or in a zip archive."""

    def __init__(self, dataset: Dataset, source: Path, probe: str) -> None:
        self.source = Path(source)
        self.zip: zipfile.ZipFile | None = None
        self.folder = self.source
        if self.source.is_dir():
            if not (self.source / probe).exists() and (self.source / dataset.folder).is_dir():
                self.folder = self.source / dataset.folder
        elif self.source.is_file():
            try:
                self.zip = zipfile.ZipFile(self.source)
            except (zipfile.BadZipFile, OSError) as exc:
                raise MovieLensFormatError(self.source.name, None, f"not a readable zip archive ({exc})") from exc
            names = set(self.zip.namelist())
            self.prefix = f"{dataset.folder}/" if f"{dataset.folder}/{probe}" in names else ""
        else:
            raise MovieLensFormatError(str(self.source), None, "no such file or folder")

    def close(self) -> None:
        if self.zip:
            self.zip.close()

    def verify(self, file: str) -> None:
        """Raise if the archive member fails its CRC: damage, not bad data, is then the real reason."""
        if self.zip and self.prefix + file in self.zip.NameToInfo:
            try:
                with self.zip.open(self.prefix + file) as member:
                    while member.read(1 << 20):
                        pass
            except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
                raise MovieLensFormatError(file, None, f"corrupt in {self.source.name} ({exc})") from exc

    @contextmanager
    def open(self, table: _Table) -> Iterator[IO[bytes]]:
        """A binary stream of the file; '::' separators come back as tabs (pandas' C reader needs one char)."""
        try:
            if self.zip:
                try:
                    raw: IO[bytes] = self.zip.open(self.prefix + table.file)
                except KeyError:
                    raise MovieLensFormatError(table.file, None, f"missing from {self.source.name}") from None
            else:
                try:
                    raw = open(self.folder / table.file, "rb")  # noqa: SIM115 (closed below)
                except FileNotFoundError:
                    raise MovieLensFormatError(table.file, None, f"missing from {self.folder}") from None
            with raw:
                yield io.BytesIO(raw.read().replace(b"::", b"\t")) if table.sep == "::" else raw
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise MovieLensFormatError(table.file, None, f"corrupt in {self.source.name} ({exc})") from exc


def _convert(value: str, kind: str, column: str) -> object:
    if kind == "str":
        return value
    if kind == "int?" and value == "":
        return None
    try:
        return float(value) if kind == "float" else int(value)
    except ValueError:
        raise ValueError(f"{column} {value!r} is not a {'number' if kind == 'float' else 'whole number'}") from None


def _scan(files: _Files, table: _Table) -> Iterator[tuple[int, list]]:
    """Yield (line number, converted fields), raising MovieLensFormatError at the first bad line."""
    sep = "\t" if table.sep == "::" else table.sep
    quoting = csv.QUOTE_MINIMAL if sep == "," else csv.QUOTE_NONE
    with files.open(table) as raw:
        reader = csv.reader(io.TextIOWrapper(raw, encoding=table.encoding, newline=""), delimiter=sep,
                            quoting=quoting, strict=True)
        end = 0
        while True:
            line = end + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as exc:
                raise MovieLensFormatError(table.file, line, str(exc)) from None
            end = reader.line_num
            if line == 1 and table.header:
                if tuple(row) != table.header:
                    raise MovieLensFormatError(table.file, 1, f"expected the header {','.join(table.header)}")
                continue
            if not row:
                if table.allow_blank:
                    continue
                raise MovieLensFormatError(table.file, line, "empty line")
            if len(row) != len(table.columns):
                raise MovieLensFormatError(
                    table.file, line, f"expected {len(table.columns)} fields, found {len(row)}"
                )
            try:
                yield line, [_convert(v, kind, name) for v, (name, kind) in zip(row, table.columns, strict=True)]
            except ValueError as exc:
                raise MovieLensFormatError(table.file, line, str(exc)) from None


def _read(files: _Files, table: _Table, dtypes: dict[str, str] | None = None) -> pd.DataFrame:
    """Parse a file with pandas' C reader; on failure, scan it to name the bad line.

    Row i of the frame is line i + first_data_line of the file (blank lines, where allowed, aside).
    """
    names = [name for name, _ in table.columns]
    dtypes = dtypes or {name: _DTYPES[kind] for name, kind in table.columns}
    try:
        with files.open(table) as raw:
            if table.header:
                head = raw.readline().decode(table.encoding, errors="replace").rstrip("\r\n")
                if tuple(head.split(",")) != table.header:
                    raise MovieLensFormatError(table.file, 1, f"expected the header {','.join(table.header)}")
            with warnings.catch_warnings():
                # A first row with an extra field is otherwise dropped with only a warning.
                warnings.simplefilter("error", pd.errors.ParserWarning)
                frame = pd.read_csv(
                    raw, sep="\t" if table.sep == "::" else table.sep, header=None, names=names, dtype=dtypes,
                    index_col=False, skip_blank_lines=table.allow_blank, keep_default_na=False,
                    na_values={name: [""] for name, kind in table.columns if kind == "int?"},
                    quoting=csv.QUOTE_MINIMAL if table.sep == "," else csv.QUOTE_NONE,
                    encoding=table.encoding, engine="c",
                )
        if frame[[name for name, kind in table.columns if kind != "int?"]].isna().any(axis=None):
            raise ValueError("a line has too few fields")
    except (ValueError, OverflowError, pd.errors.ParserWarning) as exc:
        for _ in _scan(files, table):
            pass  # raises at the first bad line
        line = re.search(r"line (\d+)", str(exc))
        raise MovieLensFormatError(table.file, int(line[1]) if line else None, str(exc).strip()) from exc
    return frame


def _line_of(frame: pd.DataFrame, table: _Table, mask: pd.Series | np.ndarray) -> tuple[int, int] | None:
    """(row position, file line) of the first True in mask, or None."""
    hits = np.flatnonzero(np.asarray(mask))
    if not hits.size:
        return None
    pos = int(hits[0])
    return pos, int(frame.index[pos]) + table.first_data_line


def _validate_ratings(ratings: pd.DataFrame, table: _Table) -> None:
    doubled = ratings["score"].to_numpy() * 2
    checks = [
        (~((doubled >= 1) & (doubled <= 10)), lambda r: f"score {r['score']} is outside 0.5–5.0"),
        (doubled != np.round(doubled), lambda r: f"score {r['score']} is not on the half-star scale"),
        ((ratings["user_id"] <= 0) | (ratings["movie_id"] <= 0), lambda r: "ids must be positive"),
        (
            ratings.duplicated(["user_id", "movie_id"]),
            lambda r: f"user {r['user_id']} rated movie {r['movie_id']} twice",
        ),
    ]
    for mask, reason in checks:
        if found := _line_of(ratings, table, mask):
            row = ratings.iloc[[found[0]]].to_dict("records")[0]
            raise MovieLensFormatError(table.file, found[1], reason(row))


def _known_movies_only(
    frame: pd.DataFrame, table: _Table, movie_ids: pd.Series, what: str, *, strict: bool, skipped: list[str]
) -> pd.DataFrame:
    """Drop rows naming movies the movies file lacks (or raise, when strict)."""
    unknown = ~frame["movie_id"].isin(movie_ids)
    if not (found := _line_of(frame, table, unknown)):
        return frame
    movie = int(frame["movie_id"].iloc[found[0]])
    if strict:
        raise MovieLensFormatError(table.file, found[1], f"movie {movie} is not in the movies file")
    skipped.append(
        f"{table.file}: skipped {int(unknown.sum())} {what} of movies missing from the movies file "
        f"(first on line {found[1]}: movie {movie})"
    )
    return frame[~unknown]


def _split_title(titles: pd.Series) -> pd.DataFrame:
    parts = titles.str.extract(TITLE_YEAR)
    has_year = parts["year"].notna()
    return pd.DataFrame(
        {
            "title": parts["title"].where(has_year, titles.str.strip()),
            "year": pd.to_numeric(parts["year"]).astype("Int64"),
        },
        index=titles.index,
    )


def _movies_100k(files: _Files, tables: dict[str, _Table]) -> pd.DataFrame:
    listed = _read(files, tables["genres"])
    names = dict(zip(listed["index"], listed["name"], strict=True))
    if sorted(names) != list(range(19)):
        raise MovieLensFormatError(tables["genres"].file, None, "expected the 19 genres numbered 0–18")
    raw = _read(files, tables["movies"])
    flags = raw[[f"genre{i}" for i in range(19)]].to_numpy()
    genres = [[names[i] for i in np.flatnonzero(row) if names.get(i) not in NO_GENRES] for row in flags]
    movies = pd.concat([raw[["movie_id"]], _split_title(raw["title"])], axis=1)
    # A title without "(year)" may still have a release date ("01-Jan-1995").
    released = pd.to_numeric(raw["released"].str[-4:], errors="coerce").astype("Int64")
    movies["year"] = movies["year"].fillna(released)
    movies["genres"] = genres
    return movies


def _movies_listed(files: _Files, table: _Table) -> pd.DataFrame:
    raw = _read(files, table)
    movies = pd.concat([raw[["movie_id"]], _split_title(raw["title"])], axis=1)
    movies["genres"] = [[g for g in s.split("|") if g and g not in NO_GENRES] for s in raw["genres"]]
    return movies


def _distinct_tags(tags: pd.DataFrame) -> pd.DataFrame:
    """Per movie: distinct tags (case-insensitive, commonest spelling), most used first."""
    t = pd.DataFrame({"movie_id": tags["movie_id"], "tag": tags["tag"].fillna("").astype(str).str.strip()})
    t = t[t["tag"] != ""]
    t["key"] = t["tag"].str.lower()
    spellings = t.groupby(["movie_id", "key", "tag"]).size().rename("n").reset_index()
    spellings = spellings.sort_values(["movie_id", "key", "n"], ascending=[True, True, False], kind="stable")
    uses = spellings.groupby(["movie_id", "key"], sort=False).agg(tag=("tag", "first"), n=("n", "sum"))
    uses = uses.reset_index().sort_values(["movie_id", "n", "key"], ascending=[True, False, True], kind="stable")
    per_movie = uses.groupby("movie_id", sort=False)["tag"].agg(list)
    return pd.DataFrame({"movie_id": per_movie.index.astype("int64"), "tags": per_movie.to_numpy()})


@contextmanager
def _dataset_files(name: str, source: Path, probe: str) -> Iterator[_Files]:
    """The dataset's files; a format error from a zip is first checked against archive damage."""
    files = _Files(_dataset(name), source, probe)
    try:
        yield files
    except MovieLensFormatError as exc:
        files.verify(exc.file)
        raise
    finally:
        files.close()


def _dataset(name: str) -> Dataset:
    try:
        return DATASETS[name]
    except KeyError:
        raise ValueError(f"unknown MovieLens dataset {name!r}; known: {', '.join(DATASETS)}") from None


def read_ratings(name: str, source: Path, *, strict: bool = False) -> pd.DataFrame:
    """Load and validate only the ratings of a dataset, fast (for offline evaluation).

    Ratings of movies absent from the movies file are dropped (raise instead when strict),
    so evaluation sees exactly the ratings the importer stores.

    Args:
        name: a key of DATASETS, e.g. "ml-100k".
        source: the dataset folder, a folder containing it, or the official zip.
        strict: raise on ratings of movies absent from the movies file instead of dropping them.

    Returns:
        DataFrame user_id (int32), movie_id (int32), score (float64, half stars 0.5–5.0),
        timestamp (int64, Unix seconds), in file order.
    """
    tables = _TABLES[_dataset(name).format]
    with _dataset_files(name, source, tables["ratings"].file) as files:
        movie_ids = _read(files, tables["movies"])["movie_id"]
        ratings = _read(files, tables["ratings"], _RATING_DTYPES)
        _validate_ratings(ratings, tables["ratings"])
    ratings = _known_movies_only(ratings, tables["ratings"], movie_ids, "ratings", strict=strict, skipped=[])
    return ratings.reset_index(drop=True)


def read_movielens(name: str, source: Path, *, strict: bool = False) -> MovieLensData:
    """Load and validate a whole dataset: movies, ratings, links and tags.

    Args:
        name: a key of DATASETS.
        source: the dataset folder, a folder containing it, or the official zip.
        strict: raise on ratings/links/tags naming movies absent from the movies file,
            instead of dropping them and noting it in `skipped`.

    Returns:
        MovieLensData (see its docstring for the frames' columns).

    Raises:
        MovieLensFormatError: missing, corrupt or malformed file; names the file and line.
    """
    dataset = _dataset(name)
    tables = _TABLES[dataset.format]
    skipped: list[str] = []
    with _dataset_files(name, source, tables["movies"].file) as files:
        if dataset.format == "100k":
            movies = _movies_100k(files, tables)
        else:
            movies = _movies_listed(files, tables["movies"])
        if found := _line_of(movies, tables["movies"], movies["movie_id"].duplicated()):
            raise MovieLensFormatError(tables["movies"].file, found[1], "movie id listed twice")
        ratings = _read(files, tables["ratings"], _RATING_DTYPES)
        _validate_ratings(ratings, tables["ratings"])
        ratings = _known_movies_only(
            ratings, tables["ratings"], movies["movie_id"], "ratings", strict=strict, skipped=skipped
        )
        links = pd.DataFrame({"movie_id": pd.Series(dtype="int64"), "imdb_id": pd.Series(dtype="object"),
                              "tmdb_id": pd.Series(dtype="Int64")})
        tags = pd.DataFrame({"movie_id": pd.Series(dtype="int64"), "tags": pd.Series(dtype="object")})
        if "links" in tables:
            raw = _read(files, tables["links"])
            raw = _known_movies_only(raw, tables["links"], movies["movie_id"], "links", strict=strict,
                                     skipped=skipped)
            links = pd.DataFrame({"movie_id": raw["movie_id"],
                                  "imdb_id": "tt" + raw["imdb_id"].astype(str).str.zfill(7),
                                  "tmdb_id": raw["tmdb_id"]}).reset_index(drop=True)
        if "tags" in tables:
            raw = _read(files, tables["tags"])
            raw = _known_movies_only(raw, tables["tags"], movies["movie_id"], "tags", strict=strict,
                                     skipped=skipped)
            tags = _distinct_tags(raw)
    genres = sorted({g for gs in movies["genres"] for g in gs})
    return MovieLensData(
        dataset=name,
        movies=movies.reset_index(drop=True),
        ratings=ratings.reset_index(drop=True),
        links=links,
        tags=tags,
        genres=genres,
        skipped=skipped,
    )
