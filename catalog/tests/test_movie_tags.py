from __future__ import annotations

import pytest

from catalog.templatetags.movie_tags import initials, poster_url


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Toy Story", "TS"),
        ("Matrix, The", "M"),
        ("Star Wars: Episode IV - A New Hope", "SW"),
        ("City of Lost Children, The (Cité des enfants perdus, La)", "CL"),
        ("Of Mice and Men", "MM"),
        ("8½", "8"),
        ("", "?"),
    ],
)
def test_it_takes_up_to_two_initials_without_trailing_articles(title, expected):
    assert initials(title) == expected


def test_it_uses_absolute_poster_urls_as_they_are_and_others_as_static_files():
    assert poster_url("https://img.example/p.jpg") == "https://img.example/p.jpg"
    assert poster_url("/media/p.jpg") == "/media/p.jpg"
    assert poster_url("posters/p.jpg").endswith("/posters/p.jpg")
    assert poster_url("") == ""
