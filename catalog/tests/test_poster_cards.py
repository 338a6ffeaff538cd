from __future__ import annotations

import pytest

from catalog.poster_cards import poster_card, primary_genre

LOTR = [
    (4993, "Lord of the Rings: The Fellowship of the Ring, The", ["Adventure", "Fantasy"]),
    (5952, "Lord of the Rings: The Two Towers, The", ["Adventure", "Fantasy"]),
    (7153, "Lord of the Rings: The Return of the King, The", ["Action", "Adventure", "Drama", "Fantasy"]),
]


def test_a_series_title_puts_the_series_above_and_the_film_large():
    card = poster_card(movie_id=5952, title="Lord of the Rings: The Two Towers, The", genres=["Adventure", "Fantasy"])
    assert (card.kicker, card.title) == ("The Lord of the Rings", "The Two Towers")
    assert card.style == "fantasy" and card.genre == "Fantasy"


def test_the_three_lord_of_the_rings_films_differ_in_title_and_colour():
    cards = [poster_card(movie_id=pk, title=title, genres=genres) for pk, title, genres in LOTR]
    assert len({c.title for c in cards}) == 3
    assert len({c.seed for c in cards}) == 3
    assert all(-24 <= c.seed <= 24 for c in cards)


@pytest.mark.parametrize(
    ("title", "kicker", "main", "aside"),
    [
        ("Mission: Impossible", "", "Mission: Impossible", ""),
        ("Spirited Away (Sen to Chihiro no kamikakushi)", "", "Spirited Away", "Sen to Chihiro no kamikakushi"),
        ("Independence Day (a.k.a. ID4)", "", "Independence Day", "ID4"),
        ("Matrix, The", "", "The Matrix", ""),
        ("", "", "Untitled", ""),
    ],
)
def test_it_keeps_every_part_of_the_title(title, kicker, main, aside):
    card = poster_card(movie_id=1, title=title, genres=[])
    assert (card.kicker, card.title, card.aside) == (kicker, main, aside)
    assert card.style == "plain"


def test_long_titles_get_smaller_type():
    borat = "Borat: Cultural Learnings of America for Make Benefit Glorious Nation of Kazakhstan"
    sizes = [poster_card(movie_id=1, title=t, genres=[]).size for t in ("Up", "The Shawshank Redemption", borat)]
    assert sizes == ["xl", "l", "s"]


def test_the_most_telling_genre_styles_the_card():
    assert primary_genre(["Action", "Sci-Fi", "Thriller"]) == "Sci-Fi"
    assert primary_genre(["Animation", "Children", "Musical"]) == "Animation"
    assert primary_genre(["(no genres listed)"]) == ""
    assert poster_card(movie_id=3, title="Alien", genres=["Horror", "Sci-Fi"]).style == "horror"
    assert poster_card(movie_id=3, title="Noir", genres=["Film-Noir"]).style == "film-noir"
