"""A small MovieLens-like catalogue and the truth about the sample exports in fixtures/history/.

Titles, years and IMDb ids are written as MovieLens writes them ("Godfather, The", alternatives in
brackets), with look-alikes beside them (Scream 2, Godfather Part III, two films called Emma in 1996,
two called Crash) so a careless matcher would guess wrong.
"""
from __future__ import annotations

from pathlib import Path

SAMPLES = Path(__file__).resolve().parent / "fixtures" / "history"

# (movielens id, title, year, imdb id)
CATALOGUE = [
    (1, "Toy Story", 1995, "tt0114709"),
    (3114, "Toy Story 2", 1999, "tt0120363"),
    (6, "Heat", 1995, "tt0113277"),
    (29, "City of Lost Children, The (Cité des enfants perdus, La)", 1995, "tt0112682"),
    (47, "Seven (a.k.a. Se7en)", 1995, "tt0114369"),
    (260, "Star Wars: Episode IV - A New Hope", 1977, "tt0076759"),
    (293, "Léon: The Professional (a.k.a. The Professional) (Léon)", 1994, "tt0110413"),
    (296, "Pulp Fiction", 1994, "tt0110912"),
    (318, "Shawshank Redemption, The", 1994, "tt0111161"),
    (527, "Schindler's List", 1993, "tt0108052"),
    (608, "Fargo", 1996, "tt0116282"),
    (750, "Dr. Strangelove or: How I Learned to Stop Worrying and Love the Bomb", 1964, "tt0057012"),
    (838, "Emma", 1996, "tt0116191"),
    (26958, "Emma", 1996, "tt0118308"),
    (858, "Godfather, The", 1972, "tt0068646"),
    (1221, "Godfather: Part II, The", 1974, "tt0071562"),
    (2023, "Godfather: Part III, The", 1990, "tt0099674"),
    (1407, "Scream", 1996, "tt0117571"),
    (1717, "Scream 2", 1997, "tt0120082"),
    (1617, "L.A. Confidential", 1997, "tt0119488"),
    (2571, "Matrix, The", 1999, "tt0133093"),
    (2959, "Fight Club", 1999, "tt0137523"),
    (4973, "Amelie (Fabuleux destin d'Amélie Poulain, Le)", 2001, "tt0211915"),
    (4896, "Harry Potter and the Sorcerer's Stone (a.k.a. Harry Potter and the Philosopher's Stone)", 2001,
     "tt0241527"),
    (4993, "Lord of the Rings: The Fellowship of the Ring, The", 2001, "tt0120737"),
    (5618, "Spirited Away (Sen to Chihiro no kamikakushi)", 2001, "tt0245429"),
    (3996, "Crouching Tiger, Hidden Dragon (Wo hu cang long)", 2000, "tt0190332"),
    (48394, "Pan's Labyrinth (Laberinto del fauno, El)", 2006, "tt0457430"),
    (2692, "Run Lola Run (Lola rennt)", 1998, "tt0130827"),
    (2019, "Seven Samurai (Shichinin no samurai)", 1954, "tt0047478"),
    (58559, "Dark Knight, The", 2008, "tt0468569"),
    (60069, "WALL·E", 2008, "tt0910970"),
    (1483, "Crash", 1996, "tt0115964"),
    (33166, "Crash", 2004, "tt0375679"),
    (1214, "Alien", 1979, "tt0078748"),
    (1200, "Aliens", 1986, "tt0090605"),
    (1258, "Shining, The", 1980, "tt0081505"),
    (2256, "Parasite", 1982, "tt0084472"),
    (162414, "Moonlight", None, ""),  # as in ml-latest-small: no year; added by hand here, so no IMDb id
]

# Genres for the look-alikes, so the preview can tell them apart.
GENRES = {838: ["Comedy", "Drama", "Romance"], 26958: ["Romance"], 1483: ["Drama", "Thriller"],
          33166: ["Crime", "Drama"]}

# The film each sample line really is (movielens id), or None for a film the catalogue lacks.
# Lines absent from these maps are not films to match (bad lines, TV).
LETTERBOXD_TRUTH = {
    2: 1, 3: 47, 4: 260, 5: 293, 6: 296, 7: 318, 8: 527, 9: 608, 10: 750, 11: None, 12: 858, 13: 1221,
    14: 1407, 15: 1717, 16: 1617, 17: 2571, 18: 2959, 19: 4973, 20: 4896, 21: 4993, 22: 5618, 23: 3996,
    24: 48394, 25: 2692, 26: 2019, 27: 58559, 28: 60069, 29: 33166, 30: 29, 31: 6, 32: 1214, 33: 2023,
    34: 162414, 35: None, 36: None, 37: None, 41: 2571,
}
LETTERBOXD_EMMA_LINE = 11  # two catalogue films are "Emma (1996)": the viewer must choose (838 or 26958)
LETTERBOXD_BAD_LINES = {38, 39, 40}  # rating 7, a short line, no rating
LETTERBOXD_DUPLICATE = (17, 41)  # The Matrix twice: line 41 is later and wins

IMDB_TRUTH = {
    2: 1, 3: 47, 4: 260, 5: 293, 6: 318, 7: 838, 8: 858, 9: 1407, 10: 1717, 11: 4973, 12: 5618, 13: 48394,
    14: 33166, 15: 1258, 16: 1200, 17: 58559, 18: 162414, 19: 26958, 23: None, 24: None, 27: 1,
}
IMDB_TV_LINES = {20, 21, 22}  # a series, an episode, a mini-series
IMDB_BAD_LINES = {25, 26}  # no rating, a rating in words
IMDB_DUPLICATE = (2, 27)  # Toy Story rated twice: line 27 (2022) wins


def catalogue_create() -> dict[int, int]:
    """Create the catalogue's movies; returns movielens id → Movie pk."""
    from catalog.models import Genre, Movie

    Movie.objects.bulk_create(
        Movie(movielens_id=ml_id, title=title, year=year, imdb_id=imdb_id) for ml_id, title, year, imdb_id in CATALOGUE
    )
    films = dict(Movie.objects.filter(movielens_id__in=[f[0] for f in CATALOGUE]).values_list("movielens_id", "pk"))
    for ml_id, names in GENRES.items():
        Movie.objects.get(pk=films[ml_id]).genres.add(*(Genre.objects.get_or_create(name=n)[0] for n in names))
    return films
