"""Reading Letterboxd and IMDb rating exports into plain rows (pure Python, no Django).

The format is told from the header row. A file that cannot be an export at all (binary, not UTF-8,
empty, unknown columns, too many rows) raises ExportFileError with a message meant for the viewer;
a single bad line becomes a RowProblem and the rest of the file still imports.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

LETTERBOXD = "letterboxd"
IMDB = "imdb"
SOURCE_NAMES = {LETTERBOXD: "Letterboxd", IMDB: "IMDb"}

# Required columns (compared case-insensitively); other columns are allowed, so Letterboxd's
# diary.csv (ratings.csv plus Rewatch, Tags, Watched Date) imports too.
LETTERBOXD_COLUMNS = ("date", "name", "year", "rating")
IMDB_COLUMNS = ("const", "your rating", "title", "year")

# IMDb title types that are films; anything else (series, episodes, games, podcasts) is skipped unless
# its IMDb id is a catalogue film. Both the current export's words and the older camelCase ones.
IMDB_FILM_TYPES = frozenset({
    "movie", "feature film", "tv movie", "tvmovie", "video", "short", "tv short", "tvshort", "tv special",
    "tvspecial", "documentary", "",
})

IMDB_ID = re.compile(r"tt(\d{1,10})", re.ASCII)
_YEAR = re.compile(r"\d{4}", re.ASCII)
_STARS = re.compile(r"\d(?:\.\d)?", re.ASCII)
_TEN_POINT = re.compile(r"\d{1,2}", re.ASCII)


class ExportFileError(ValueError):
    """The upload is not a ratings export this site reads; the message says why, for the viewer."""


@dataclass(frozen=True)
class ExportRow:
    line: int
    title: str
    year: int | None
    score: float  # on the site's scale: 0.5–5.0 in half stars
    rated_on: date | None
    imdb_id: str = ""  # "tt0114709" (at least seven digits, as MovieLens links write it) or ""
    title_type: str = ""  # IMDb only, as the file has it ("Movie", "TV Series", ...)
    original_title: str = ""  # IMDb only: the title in the film's own language, tried when Title fails

    @property
    def is_film(self) -> bool:
        return self.title_type.strip().casefold() in IMDB_FILM_TYPES


@dataclass(frozen=True)
class RowProblem:
    line: int
    title: str
    reason: str


@dataclass
class ParsedExport:
    source: str  # LETTERBOXD or IMDB
    rows: list[ExportRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def imdb_id_normalise(text: str) -> str:
    """'tt114709', 'tt0114709' or an IMDb URL → 'tt0114709' (the links' form); '' when there is none."""
    found = IMDB_ID.search(text or "")
    return f"tt{int(found[1]):07d}" if found else ""


def _text(data: bytes) -> str:
    if not data.strip():
        raise ExportFileError("The file is empty.")
    if data[:4] == b"PK\x03\x04":
        raise ExportFileError(
            "This is a ZIP archive. Letterboxd exports come zipped: unzip it and upload ratings.csv from inside."
        )
    if b"\x00" in data[:4096]:
        raise ExportFileError("This is not a CSV file (it looks like a spreadsheet, image or other binary file). "
                              "Upload the CSV file exported from Letterboxd or IMDb.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ExportFileError(
            "The file is not UTF-8 text. Letterboxd and IMDb exports are; if you edited it, save it as "
            "“CSV UTF-8” and try again."
        ) from None


def _source_of(header: list[str]) -> str:
    names = {name.strip().casefold() for name in header}
    if all(column in names for column in LETTERBOXD_COLUMNS):
        return LETTERBOXD
    if all(column in names for column in IMDB_COLUMNS):
        return IMDB
    hint = ""
    if {"date", "name", "year", "letterboxd uri"} <= names:
        hint = " This Letterboxd file has no ratings (watched.csv or watchlist.csv?): upload ratings.csv."
    shown = ", ".join(h.strip() for h in header[:8] if h.strip()) or "none"
    raise ExportFileError(
        "Unknown columns: expected a Letterboxd ratings.csv (Date, Name, Year, Letterboxd URI, Rating) or an "
        f"IMDb ratings export (Const, Your Rating, Title, Year, …). This file's columns: {shown}.{hint}"
    )


def parse_export(data: bytes, *, max_rows: int) -> ParsedExport:
    """Read an export's bytes into rows and per-line problems.

    Args:
        data: the uploaded file's content.
        max_rows: more data rows than this raise ExportFileError (the site's import limit).
    Returns:
        ParsedExport with its source, good rows (file order) and problems (bad lines).
    """
    reader = csv.reader(io.StringIO(_text(data), newline=""))
    try:
        header = next((row for row in reader if any(cell.strip() for cell in row)), None)
        if header is None:
            raise ExportFileError("The file is empty.")
        source = _source_of(header)
        parsed = ParsedExport(source=source)
        columns = {name.strip().casefold(): i for i, name in enumerate(header)}
        read_row = _letterboxd_row if source == LETTERBOXD else _imdb_row
        count = 0
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            count += 1
            if count > max_rows:
                raise ExportFileError(f"The file has more than {max_rows:,} ratings, the most one import takes. "
                                      "Split it into smaller files.")
            _read_one(parsed, reader.line_num, cells, columns, len(header), read_row)
    except csv.Error as exc:
        raise ExportFileError(f"The file is not valid CSV (line {reader.line_num}: {exc}).") from None
    return parsed


def _read_one(parsed: ParsedExport, line: int, cells: list[str], columns: dict[str, int], width: int,
              read_row) -> None:
    def cell(name: str) -> str:
        i = columns.get(name)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    title = cell("name") if parsed.source == LETTERBOXD else cell("title")
    if len(cells) != width:
        parsed.problems.append(RowProblem(line, title, f"expected {width} columns, found {len(cells)}"))
        return
    try:
        parsed.rows.append(read_row(line, cell, title))
    except ValueError as exc:
        parsed.problems.append(RowProblem(line, title, str(exc)))


def _year(text: str) -> int | None:
    if not text:
        return None
    if not _YEAR.fullmatch(text):
        raise ValueError(f"the year “{text}” is not a year")
    return int(text)


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None  # the date only orders duplicates: a strange one is not worth losing the rating


def _letterboxd_row(line: int, cell, title: str) -> ExportRow:
    if not title:
        raise ValueError("no film name")
    stars = cell("rating")
    if not stars:
        raise ValueError("no rating (a film logged without stars)")
    if not _STARS.fullmatch(stars) or float(stars) * 2 not in range(1, 11):
        raise ValueError(f"the rating “{stars}” is not 0.5–5 stars")
    return ExportRow(line=line, title=title, year=_year(cell("year")), score=float(stars),
                     rated_on=_date(cell("date")))


def _imdb_row(line: int, cell, title: str) -> ExportRow:
    imdb_id = imdb_id_normalise(cell("const"))
    if not title and not imdb_id:
        raise ValueError("no title and no IMDb id")
    points = cell("your rating")
    if not points:
        raise ValueError("no rating")
    if not _TEN_POINT.fullmatch(points) or not 1 <= int(points) <= 10:
        raise ValueError(f"the rating “{points}” is not 1–10")
    return ExportRow(line=line, title=title or imdb_id, year=_year(cell("year")), score=int(points) / 2,
                     rated_on=_date(cell("date rated")), imdb_id=imdb_id, title_type=cell("title type"),
                     original_title=cell("original title"))
