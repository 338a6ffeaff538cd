"""The home page's rows: what each shows and why, read from the recommender, the catalogue and ratings.

Every personal row leaves out what ratings.selectors.user_excluded_movie_ids names (rated,
hidden, watch-listed), and a movie appears in one row only (the first that wants it).
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse

from catalog.models import Movie, SimilarMovie
from catalog.search import natural_title
from catalog.selectors import HIGHEST_RATED_MIN_RATINGS, movie_search, movies_by_ids
from ratings.models import Rating
from ratings.selectors import user_excluded_movie_ids
from recommendations.selectors import popular_movies, user_top_picks

logger = logging.getLogger(__name__)

ROW_LENGTH = 10
TOP_PICKS = 10  # what the recommendations cache holds: asking for more recomputes each time
SEEDS = 2  # "Because you rated X" rows
SEED_RECENT = 30  # seeds are the best-rated among this many most recent ratings
GENRE_ROWS = 2
LIKED = 4.0  # a rating at or above this counts as liking the film
MIN_ROW = 3  # a row with fewer movies than this is left out
SLICE = 200  # ranked ids read at a time while skipping films already shown


@dataclass(frozen=True)
class Card:
    movie: Movie
    reason: str = ""
    predicted_rating: float | None = None


@dataclass
class Section:
    key: str  # stable id for the page (headings, tests)
    title: str
    cards: list[Card]
    subtitle: str = ""
    link: str = ""  # "See more" target
    personal: bool = False  # cards offer "not interested"
    extra: dict = field(default_factory=dict)


def home_sections(*, user) -> list[Section]:
    """The rows of the home page, in order: personal ones first for members, popular ones for everyone."""
    if not user.is_authenticated:
        shown: set[int] = set()
        return _non_empty([_popular(shown, personal=False), _highest_rated(shown, personal=False)])
    shown = user_excluded_movie_ids(user_id=user.pk)
    sections = [_top_picks(user, shown)]
    sections += [_because_you_rated(rating, shown) for rating in _seed_ratings(user)]
    sections += [_genre_row(genre, count, shown) for genre, count in _liked_genres(user)]
    sections.append(_highest_rated(shown, personal=True))
    sections.append(_popular(shown, personal=True))
    return _non_empty(sections, keep={"top-picks"})


def top_picks_section(*, user) -> Section:
    """The "Top picks for you" row alone, leaving out what the home page's rows would (rated, hidden, …)."""
    return _top_picks(user, user_excluded_movie_ids(user_id=user.pk))


def _non_empty(sections: list[Section], keep: set[str] = frozenset()) -> list[Section]:
    """Drop empty rows, and "because" and genre rows too short to be worth a heading."""
    def wanted(section: Section) -> bool:
        if section.key in keep:
            return True
        short = section.key.startswith(("because-", "genre-")) and len(section.cards) < MIN_ROW
        return bool(section.cards) and not short

    return [s for s in sections if wanted(s)]


def _take(movies, shown: set[int], n: int = ROW_LENGTH) -> list[Movie]:
    """The first n movies not shown yet; marks them shown."""
    taken = []
    for movie in movies:
        if movie.pk not in shown:
            taken.append(movie)
            shown.add(movie.pk)
            if len(taken) == n:
                break
    return taken


def _top_picks(user, shown: set[int]) -> Section:
    excluded = set(shown)
    picks = [pick for pick in user_top_picks(user=user, n=TOP_PICKS) if pick.movie.pk not in excluded]
    shown.update(pick.movie.pk for pick in picks)
    return Section(
        key="top-picks",
        title="Top picks for you",
        cards=[Card(movie=p.movie, reason=p.reason, predicted_rating=p.predicted_rating) for p in picks],
        link=reverse("movie-list"),
        personal=True,
    )


def _seed_ratings(user) -> list[Rating]:
    """The user's best-liked recent films: the highest scores among the latest ratings, newest first on ties."""
    recent = list(
        Rating.objects.filter(user=user, score__gte=LIKED).select_related("movie").order_by("-rated_at", "-id")[
            :SEED_RECENT
        ]
    )
    return sorted(recent, key=lambda r: -r.score)[:SEEDS]


def _because_you_rated(rating: Rating, shown: set[int]) -> Section:
    links = SimilarMovie.objects.filter(movie=rating.movie).select_related("similar").order_by("rank")
    movies = _take((link.similar for link in links), shown)
    title = natural_title(rating.movie.title)
    # The row heading says why these films are here; the cards need not repeat it.
    return Section(
        key=f"because-{rating.movie.pk}",
        title=f"Because you rated {title}",
        subtitle=f"You gave it {rating.score:g}★. These are alike and loved by the same viewers.",
        cards=[Card(movie=m) for m in movies],
        link=reverse("movie-detail", args=[rating.movie.pk]),
        personal=True,
        extra={"seed": rating.movie},
    )


def _highest_rated(shown: set[int], *, personal: bool) -> Section:
    # Damped mean (see catalog.selectors): two 5-star ratings do not beat hundreds of 4.5s.
    candidates = movie_search(sort="rating").filter(rating_count__gte=HIGHEST_RATED_MIN_RATINGS)
    return Section(
        key="highest-rated",
        title="Highest rated",
        subtitle="Loved by many viewers, not just a handful.",
        cards=[Card(movie=m) for m in _take_ranked(candidates, shown)],
        link=f"{reverse('movie-list')}?sort=rating",
        personal=personal,
    )


def _liked_genres(user) -> list[tuple[str, int]]:
    """Genres of the films the user liked, most liked first (at least two liked films each)."""
    names = Movie.genres.through.objects.filter(
        movie__ratings__user=user, movie__ratings__score__gte=LIKED
    ).values_list("genre__name", flat=True)
    counts = Counter(names)
    return [(name, n) for name, n in counts.most_common() if n >= 2][:GENRE_ROWS]


def _genre_row(genre: str, liked: int, shown: set[int]) -> Section:
    candidates = movie_search(genres=[genre], sort="rating").filter(rating_count__gt=0)  # few-rated ones last
    return Section(
        key=f"genre-{genre.lower()}",
        title=f"More {genre}",
        subtitle=f"You liked {liked} {genre} films. These are the best rated you have not seen.",
        cards=[Card(movie=m) for m in _take_ranked(candidates, shown)],
        link=f"{reverse('movie-list')}?{urlencode({'genre': genre, 'sort': 'rating'})}",
        personal=True,
    )


def _popular(shown: set[int], *, personal: bool) -> Section:
    movies = popular_movies(n=ROW_LENGTH, exclude=frozenset(shown))
    return Section(
        key="popular",
        title="Popular with everyone",
        subtitle="The films most people have rated, and rated well.",
        cards=[Card(movie=m) for m in _take(movies, shown)],
        link=f"{reverse('movie-list')}?sort=popular",
        personal=personal,
    )


def _take_ranked(movies: QuerySet[Movie], shown: set[int], n: int = ROW_LENGTH) -> list[Movie]:
    """The first n movies of a ranked queryset not shown yet; marks them shown.

    Walks ids a slice at a time (skipping shown films in Python rather than in a NOT IN of
    thousands), then loads just the chosen films with their genres.
    """
    chosen: list[int] = []
    ids = movies.values_list("id", flat=True)
    for start in range(0, 20 * SLICE, SLICE):
        batch = list(ids[start : start + SLICE])
        chosen += [pk for pk in batch if pk not in shown and pk not in chosen][: n - len(chosen)]
        if len(chosen) == n or len(batch) < SLICE:
            break
    shown.update(chosen)
    return movies_by_ids(chosen)
