"""Reading Letterboxd and IMDb exports: format from the header, bad lines kept apart, bad files refused."""
from __future__ import annotations

import pytest

from ratings.history_import.formats import (
    IMDB,
    LETTERBOXD,
    ExportFileError,
    imdb_id_normalise,
    parse_export,
)
from ratings.tests.history_samples import IMDB_BAD_LINES, LETTERBOXD_BAD_LINES, SAMPLES

LETTERBOXD_HEADER = "Date,Name,Year,Letterboxd URI,Rating\n"


def parse(text: str | bytes, max_rows: int = 100):
    return parse_export(text.encode() if isinstance(text, str) else text, max_rows=max_rows)


def test_it_reads_a_letterboxd_export_in_half_stars():
    parsed = parse((SAMPLES / "letterboxd-ratings.csv").read_bytes())
    assert parsed.source == LETTERBOXD
    first = parsed.rows[0]
    assert (first.line, first.title, first.year, first.score, str(first.rated_on)) == (
        2, "Toy Story", 1995, 4.5, "2019-01-05")
    assert {p.line for p in parsed.problems} == LETTERBOXD_BAD_LINES


def test_it_reads_an_imdb_export_turning_ten_points_into_half_stars():
    parsed = parse((SAMPLES / "imdb-ratings.csv").read_bytes())
    assert parsed.source == IMDB
    by_line = {row.line: row for row in parsed.rows}
    assert by_line[2].imdb_id == "tt0114709" and by_line[2].score == 4.5  # 9/10
    assert by_line[4].score == 5.0 and by_line[4].original_title == "Star Wars"  # 10/10
    assert by_line[14].score == 2.5  # 5/10
    assert not by_line[20].is_film and by_line[20].title_type == "TV Series"
    assert by_line[19].is_film  # a TV movie is a film
    assert {p.line for p in parsed.problems} == IMDB_BAD_LINES


def test_a_letterboxd_diary_with_extra_columns_reads_like_ratings():
    parsed = parse("Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n"
                   "2020-01-01,Heat,1995,https://boxd.it/2b2w,4,,,2019-12-31\n")
    assert parsed.source == LETTERBOXD and parsed.rows[0].score == 4.0


@pytest.mark.parametrize("rating, reason", [("7", "not 0.5–5"), ("0", "not 0.5–5"), ("3.25", "not 0.5–5"),
                                            ("", "no rating"), ("four", "not 0.5–5")])
def test_a_bad_letterboxd_rating_is_a_problem_on_its_line_not_a_failure(rating, reason):
    parsed = parse(LETTERBOXD_HEADER + f"2020-01-01,Heat,1995,https://boxd.it/2b2w,{rating}\n"
                   "2020-01-02,Alien,1979,https://boxd.it/2aiC,4.5\n")
    assert [p.line for p in parsed.problems] == [2] and reason in parsed.problems[0].reason
    assert [row.title for row in parsed.rows] == ["Alien"]


def test_a_strange_date_keeps_the_rating():
    parsed = parse(LETTERBOXD_HEADER + "yesterday,Heat,1995,https://boxd.it/2b2w,4\n")
    assert parsed.rows[0].rated_on is None and parsed.rows[0].score == 4.0


@pytest.mark.parametrize("name, message", [
    ("empty.csv", "The file is empty."),
    ("ratings.xlsx", "ZIP archive"),
    ("poster.png", "not a CSV file"),
    ("letterboxd-latin1.csv", "not UTF-8"),
    ("letterboxd-watched.csv", "has no ratings"),
])
def test_a_file_that_is_not_an_export_is_refused_with_a_reason(name, message):
    with pytest.raises(ExportFileError, match=message):
        parse((SAMPLES / name).read_bytes())


def test_unknown_columns_are_named_in_the_message():
    with pytest.raises(ExportFileError, match="Unknown columns.*This file's columns: movie, stars"):
        parse("movie,stars\nHeat,4\n")


def test_more_rows_than_the_limit_is_refused():
    body = "".join(f"2020-01-01,Film {i},2000,https://boxd.it/{i},3\n" for i in range(11))
    with pytest.raises(ExportFileError, match="more than 10 ratings"):
        parse(LETTERBOXD_HEADER + body, max_rows=10)
    assert len(parse(LETTERBOXD_HEADER + body, max_rows=11).rows) == 11


def test_a_byte_order_mark_and_blank_lines_are_ignored():
    parsed = parse(b"\xef\xbb\xbf" + (LETTERBOXD_HEADER + "\n2020-01-01,Heat,1995,u,4\n\n").encode())
    assert parsed.source == LETTERBOXD and [r.title for r in parsed.rows] == ["Heat"]


@pytest.mark.parametrize("text, expected", [("tt0114709", "tt0114709"), ("tt114709", "tt0114709"),
                                            ("https://www.imdb.com/title/tt10872600/", "tt10872600"), ("", "")])
def test_imdb_ids_take_the_links_form(text, expected):
    assert imdb_id_normalise(text) == expected
