"""The title index on its own (no database): normalisation, articles, typos, tiers."""
from __future__ import annotations

import pytest

from catalog.search import TitleIndex, max_edits, natural_title, title_words

TITLES = {
    1: "Matrix, The",
    2: "Matrix Reloaded, The",
    3: "Toy Story",
    4: "Toy Story 2",
    5: "Amelie (Fabuleux destin d'Amélie Poulain, Le)",
    6: "Godfather, The",
    7: "Godfather: Part II, The",
    8: "Spider-Man",
    9: "Schindler's List",
    10: "Bug's Life, A",
    11: "Heat",
    12: "Die Hard",
    13: "Hard Target",
    14: "Léon: The Professional (a.k.a. The Professional) (Léon)",
    15: "Star Wars: Episode IV - A New Hope",
    16: "Fast & Furious",
}


@pytest.fixture(scope="module")
def index() -> TitleIndex:
    return TitleIndex.build(TITLES.items())


def found(index: TitleIndex, query: str) -> list[str]:
    return sorted(TITLES[i] for i in index.search(query).ids)


@pytest.mark.parametrize(
    ("title", "words"),
    [
        ("Matrix, The", ["the", "matrix"]),
        ("Schindler's List", ["schindlers", "list"]),
        ("Spider-Man 2", ["spiderman", "2"]),
        ("Amélie", ["amelie"]),
        ("Fast & Furious", ["fast", "and", "furious"]),
        ("City of Lost Children, The (Cité des enfants perdus, La)",
         ["the", "city", "of", "lost", "children", "cite", "des", "enfants", "perdus", "la"]),
    ],
)
def test_titles_are_normalised_to_plain_words(title, words):
    assert title_words(title) == words


def test_natural_title_moves_a_trailing_article_to_the_front():
    assert natural_title("Matrix, The") == "The Matrix"
    assert natural_title("Haine, La (Hate)") == "La Haine (Hate)"
    assert natural_title("Toy Story") == "Toy Story"


class TestSearch:
    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("toy story", ["Toy Story", "Toy Story 2"]),
            ("STORY toy", ["Toy Story", "Toy Story 2"]),
            ("toy story 2", ["Toy Story 2"]),
            ("amelie", ["Amelie (Fabuleux destin d'Amélie Poulain, Le)"]),
            ("leon", ["Léon: The Professional (a.k.a. The Professional) (Léon)"]),
            ("godf", ["Godfather, The", "Godfather: Part II, The"]),
            ("spiderman", ["Spider-Man"]),
            ("spider man", ["Spider-Man"]),
            ("schindlers list", ["Schindler's List"]),
            ("fast and furious", ["Fast & Furious"]),
        ],
    )
    def test_it_ignores_case_accents_and_punctuation(self, index, query, expected):
        assert found(index, query) == expected
        assert index.search(query).edits == 0

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("the matrix", ["Matrix Reloaded, The", "Matrix, The"]),
            ("matrix the", ["Matrix Reloaded, The", "Matrix, The"]),
            ("matrix", ["Matrix Reloaded, The", "Matrix, The"]),
            ("a bugs life", ["Bug's Life, A"]),
            ("the toy story", ["Toy Story", "Toy Story 2"]),
            ("die hard", ["Die Hard"]),
        ],
    )
    def test_articles_count_when_present_but_are_never_required(self, index, query, expected):
        assert found(index, query) == expected

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("godfater", ["Godfather, The", "Godfather: Part II, The"]),
            ("the matirx", ["Matrix Reloaded, The", "Matrix, The"]),
            ("tpy story", ["Toy Story", "Toy Story 2"]),
            ("star wras new hope", ["Star Wars: Episode IV - A New Hope"]),
            ("schindlres lsit", ["Schindler's List"]),
        ],
    )
    def test_it_forgives_small_typos(self, index, query, expected):
        match = index.search(query)
        assert sorted(TITLES[i] for i in match.ids) == expected
        assert match.edits > 0

    def test_a_correct_spelling_never_brings_typo_neighbours(self, index):
        assert found(index, "heat") == ["Heat"]  # not "Heart", "Hear", ...

    def test_nothing_close_finds_nothing(self, index):
        assert index.search("zzzzzz").ids == []
        assert index.search("   ").ids == []
        assert index.search("xq").ids == []  # two letters: no typos allowed


def test_longer_words_may_have_more_typos():
    assert [max_edits(w) for w in ("ab", "abc", "abcde", "abcdef", "abcdefghij")] == [0, 1, 1, 2, 2]


def test_it_forgives_typos_on_a_real_catalogue(shared_datasets):
    import csv
    import re

    with open(shared_datasets / "ml-latest-small" / "movies.csv", encoding="utf-8") as f:
        rows = [(int(r["movieId"]), re.sub(r"\s*\(\d{4}.*?\)\s*$", "", r["title"])) for r in csv.DictReader(f)]
    index = TitleIndex.build(rows)
    queries = ["godfater", "the matrix", "shawshank redemtion", "jurasic park", "harry poter", "star wors", "the"]
    results = {q: index.search(q) for q in queries}  # speed: the search scenario of `python -m bench http`

    assert len(rows) > 9000
    titles = dict(rows)
    assert "Godfather, The" in [titles[i] for i in results["godfater"].ids]
    assert "Shawshank Redemption, The" in [titles[i] for i in results["shawshank redemtion"].ids]
