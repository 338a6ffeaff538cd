from __future__ import annotations

import numpy as np

from recommendations.engine.explain import GENRE, POPULAR, RATED, Reason, pick_reasons, reason_text

TITLES = {1: "Alien", 2: "Heat"}


def test_it_words_each_kind_of_reason():
    assert reason_text(Reason(RATED, movie_id=1, stars=5.0), TITLES.get) == "Because you rated Alien 5★"
    assert reason_text(Reason(RATED, movie_id=1, stars=4.5), TITLES.get) == "Because you rated Alien 4.5★"
    assert reason_text(Reason(GENRE, genre="Sci-Fi"), TITLES.get) == "Matches your taste for Sci-Fi"
    assert reason_text(Reason(POPULAR), TITLES.get) == "Popular with viewers"
    assert reason_text(Reason("similar", movie_id=2), TITLES.get) == "Similar to Heat, which you liked"


def test_it_avoids_a_title_it_cannot_find():
    assert reason_text(Reason(RATED, movie_id=99, stars=4.0), TITLES.get) == "Because of films you rated"


def choose(shares, collaborative=(0.0, 0.0), content=(0.0, 0.0), stars=(5.0, 2.0), genre=None):
    return pick_reasons(shares, collaborative=np.array(collaborative), content=np.array(content),
                        rated_ids=np.array([1, 2]), rated_stars=np.array(stars), genre=genre, liked=4.0)


def test_it_cites_the_liked_movie_that_added_most():
    reasons = choose({"ease": 0.8, "popularity": 0.1}, collaborative=(0.4, 0.9))
    # movie 2 added more but was rated 2 stars: it is no reason to recommend anything
    assert reasons == [Reason(RATED, movie_id=1, stars=5.0)]


def test_it_cites_no_liked_movie_that_added_only_a_crumb():
    # Movie 1 (5★) added 0.1 of 1.0 that the rated films added: it did not drive the pick.
    reasons = choose({"ease": 0.8}, collaborative=(0.1, 0.9), genre="Drama")
    assert reasons == [Reason(GENRE, genre="Drama")]


def test_it_adds_a_second_reason_only_for_a_strong_second_signal():
    assert choose({"ease": 0.5, "popularity": 0.4}, collaborative=(0.3, 0.0)) == [
        Reason(RATED, movie_id=1, stars=5.0), Reason(POPULAR)]
    assert len(choose({"ease": 0.9, "popularity": 0.1}, collaborative=(0.3, 0.0))) == 1


def test_it_names_the_genre_behind_a_content_pick():
    assert choose({"content": 1.0}, content=(0.5, 0.0), genre="Sci-Fi") == [Reason(GENRE, genre="Sci-Fi")]


def test_it_falls_back_to_popularity_when_nothing_else_explains():
    assert choose({"ease": -0.2}) == [Reason(POPULAR)]
    assert Reason(POPULAR).as_dict() == {"kind": "popular", "movie_id": None, "genre": None, "stars": None}
