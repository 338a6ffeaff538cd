"""Viewers with a clear taste, through the public API, on ml-latest-small with the served model.

Each persona loves a handful of films of one kind and gives well-known films of other kinds 1★;
their top picks must follow that taste, carry good predicted stars, never repeat a rated film,
and explain themselves with a film the persona loved. Also: similar movies of a film with many
sequels, and the "Highest rated" floor. Needs ../shared/datasets (a failure under REQUIRE_SERVICES=1).
"""
from __future__ import annotations

import re
import statistics

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from conftest import SHARED_DATASETS, skip_or_fail

pytestmark = [pytest.mark.services, pytest.mark.timeout(900)]

# (title, year) as ml-latest-small lists them.
PERSONAS = {
    "animation": {
        "genres": {"Animation"},
        "loved": [("Toy Story", 1995), ("Finding Nemo", 2003), ("Up", 2009), ("Monsters, Inc.", 2001),
                  ("WALL·E", 2008), ("Shrek", 2001), ("Lion King, The", 1994),
                  ("Spirited Away (Sen to Chihiro no kamikakushi)", 2001)],
        "hated": [("Godfather, The", 1972), ("Goodfellas", 1990), ("Pulp Fiction", 1994), ("Die Hard", 1988)],
    },
    "horror": {
        "genres": {"Horror"},
        "loved": [("Exorcist, The", 1973), ("Shining, The", 1980), ("Halloween", 1978), ("Psycho", 1960),
                  ("Night of the Living Dead", 1968), ("Scream", 1996), ("Alien", 1979)],
        "hated": [("Forrest Gump", 1994), ("Toy Story", 1995), ("Titanic", 1997), ("Sleepless in Seattle", 1993),
                  ("Mrs. Doubtfire", 1993)],
    },
    "romance": {
        "genres": {"Romance"},
        "loved": [("Notebook, The", 2004), ("Pretty Woman", 1990), ("Sleepless in Seattle", 1993),
                  ("When Harry Met Sally...", 1989), ("Titanic", 1997), ("Notting Hill", 1999),
                  ("Love Actually", 2003)],
        "hated": [("Terminator 2: Judgment Day", 1991), ("Die Hard", 1988), ("Alien", 1979), ("Matrix, The", 1999),
                  ("Pulp Fiction", 1994)],
    },
    "sci-fi": {
        "genres": {"Sci-Fi"},
        "loved": [("Matrix, The", 1999), ("Star Wars: Episode IV - A New Hope", 1977), ("Blade Runner", 1982),
                  ("Alien", 1979), ("Terminator, The", 1984), ("2001: A Space Odyssey", 1968)],
        "hated": [("Notebook, The", 2004), ("Pretty Woman", 1990), ("Sleepless in Seattle", 1993),
                  ("Titanic", 1997), ("Mrs. Doubtfire", 1993)],
    },
    "documentary": {
        "genres": {"Documentary"},
        "loved": [("Bowling for Columbine", 2002), ("Fahrenheit 9/11", 2004), ("Super Size Me", 2004),
                  ("Hoop Dreams", 1994), ("Roger & Me", 1989),
                  ("March of the Penguins (Marche de l'empereur, La)", 2005)],
        "hated": [("Armageddon", 1998), ("Independence Day (a.k.a. ID4)", 1996), ("Pearl Harbor", 2001),
                  ("Titanic", 1997)],
    },
}


@pytest.fixture(scope="module")
def movielens_site(django_db_setup, django_db_blocker):
    """ml-latest-small imported, the served model trained and related movies computed, once for the module."""
    source = SHARED_DATASETS / "ml-latest-small"
    if not (source / "ratings.csv").exists():
        skip_or_fail(f"ml-latest-small not found at {source}")
    from catalog.services import movielens_import
    from recommendations import services, serving

    with django_db_blocker.unblock():
        movielens_import(name="ml-latest-small", source=source)
        services.model_train()
        services.movie_similarities_compute()
        serving.forget()
        yield
        serving.forget()
        call_command("flush", interactive=False, verbosity=0)


def movie(title: str, year: int):
    from catalog.models import Movie

    return Movie.objects.get(title=title, year=year)


def persona_picks(api_client, name: str) -> tuple[dict, list[dict]]:
    """Sign a persona up, rate through the API, and read their top 10 through the API."""
    persona = PERSONAS[name]
    get_user_model().objects.create_user(username=f"persona-{name}", password="a-long-test-password")
    token = api_client.post("/api/auth/token/", {"username": f"persona-{name}", "password": "a-long-test-password"},
                            format="json").json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    rated = {}
    for stars, films in ((5.0, persona["loved"]), (1.0, persona["hated"])):
        for title, year in films:
            film = movie(title, year)
            response = api_client.put(f"/api/ratings/{film.pk}/", {"score": stars}, format="json")
            assert response.status_code in (200, 201), response.content
            rated[film.pk] = (film.display_title, stars)
    response = api_client.get("/api/recommendations/?n=10")
    assert response.status_code == 200
    body = response.json()
    assert body["personalized"], f"{name}: popular movies instead of personal picks"
    return rated, body["results"]


@pytest.mark.parametrize("name", sorted(PERSONAS))
def test_a_persona_gets_top_picks_that_follow_their_taste(movielens_site, db, api_client, name):
    rated, picks = persona_picks(api_client, name)
    shown = [f"{p['movie']['title']} ★{p['predicted_rating']} ({', '.join(p['movie']['genres'])})" for p in picks]
    assert len(picks) == 10, shown
    in_genre = [p for p in picks if PERSONAS[name]["genres"] & set(p["movie"]["genres"])]
    assert len(in_genre) >= 5, f"{name}: only {len(in_genre)} of 10 in {PERSONAS[name]['genres']}: {shown}"
    stars = [p["predicted_rating"] for p in picks]
    assert None not in stars, shown
    assert min(stars) >= 3.5, f"{name}: a pick predicted below 3.5★: {shown}"
    assert sum(stars) / len(stars) >= 3.8, f"{name}: mean predicted {sum(stars) / len(stars):.2f}★: {shown}"
    assert not {p["movie"]["id"] for p in picks} & set(rated), f"{name}: a rated film came back: {shown}"


@pytest.mark.parametrize("name", sorted(PERSONAS))
def test_a_persona_is_told_why_with_a_film_they_loved(movielens_site, db, api_client, name):
    rated, picks = persona_picks(api_client, name)
    loved = {title for title, stars in rated.values() if stars >= 4}
    titles = {title for title, _ in rated.values()}
    for pick in picks:
        for cited in re.findall(r"Because you rated (.+?) \d(?:\.\d)?★", pick["reason"]):
            assert cited in titles, f"{name}: {pick['reason']!r} names no rated film"
            assert cited in loved, f"{name}: {pick['movie']['title']} explained by a 1★ film: {pick['reason']!r}"
    assert any("Because you rated" in p["reason"] or "Similar to" in p["reason"] or "taste for" in p["reason"]
               for p in picks), f"{name}: no pick is explained by the persona's own taste"


def test_similar_movies_of_a_film_with_sequels_hold_at_most_two_of_them(movielens_site, db, api_client):
    halloween = movie("Halloween", 1978)
    response = api_client.get(f"/api/movies/{halloween.pk}/similar/")
    assert response.status_code == 200
    similar = response.json()["results"][:10]
    titles = [f"{m['title']} ({m['rating_count']} ratings)" for m in similar]
    assert sum(m["title"].startswith("Halloween") for m in similar) <= 2, titles
    # Films enough viewers rated come first, and they are horror films like it.
    assert all(m["rating_count"] >= 10 for m in similar[:5]), titles
    assert sum("Horror" in m["genres"] for m in similar[:5]) >= 4, titles


def test_highest_rated_lists_only_films_many_viewers_rated(movielens_site, db, client):
    from catalog.selectors import HIGHEST_RATED_MIN_RATINGS
    from recommendations.sections import home_sections

    anonymous = client.get("/").wsgi_request.user
    row = next(s for s in home_sections(user=anonymous) if s.key == "highest-rated")
    assert len(row.cards) == 10
    assert all(card.movie.rating_count >= HIGHEST_RATED_MIN_RATINGS for card in row.cards)


def median_popularity_rank(picks: list[dict]) -> float:
    """The median rank of the picks by rating count among all films (1 = the most rated)."""
    from catalog.models import Movie

    counts = sorted(Movie.objects.values_list("rating_count", flat=True), reverse=True)
    rank_of = {}
    for rank, count in enumerate(counts, start=1):
        rank_of.setdefault(count, rank)  # films tied on count share the best rank
    return float(statistics.median(rank_of[p["movie"]["rating_count"]] for p in picks))


def test_the_discover_end_reaches_films_at_least_5x_deeper_in_the_catalogue_all_still_predicted_3_5(
    movielens_site, db, api_client
):
    familiar, discover, shown = [], [], []
    for name in sorted(PERSONAS):
        persona_picks(api_client, name)
        ends = {}
        for value in (0, 1):
            response = api_client.get(f"/api/recommendations/?n=10&discover={value}")
            assert response.status_code == 200
            picks = response.json()["results"]
            assert len(picks) == 10
            stars = [p["predicted_rating"] for p in picks]
            assert None not in stars and min(stars) >= 3.5, f"{name} at discover={value}: {stars}"
            ends[value] = median_popularity_rank(picks)
        familiar.append(ends[0])
        discover.append(ends[1])
        shown.append(f"{name}: {ends[0]:.0f} → {ends[1]:.0f}")
        assert ends[1] >= ends[0], f"{name}: the discover end is not deeper ({shown[-1]})"
    ratio = statistics.median(discover) / statistics.median(familiar)
    print(f"median popularity rank of the top 10, familiar → discover: {'; '.join(shown)}; "
          f"median {statistics.median(familiar):.0f} → {statistics.median(discover):.0f} ({ratio:.1f}×)")
    assert ratio >= 5, shown
