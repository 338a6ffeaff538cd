"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Chromium comes from Debian (`apt-get install -y chromium`), not from `playwright install`: the
browser download is not reachable here. Without /usr/bin/chromium (or CHROMIUM_PATH) these tests
skip, and fail when REQUIRE_SERVICES=1 (CI). Screenshots go to test-artifacts/screenshots/ (git-ignored).
"""
from __future__ import annotations

import os
import random
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from playwright.sync_api import sync_playwright

from conftest import skip_or_fail

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
PASSWORD = "a-long-e2e-password"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

# Three tastes the model can learn; a rater loves one group's genres and dislikes the rest.
TASTES = [("Sci-Fi", "Thriller", "Horror"), ("Romance", "Comedy", "Animation"), ("Western", "Drama")]
GENRES = [genre for taste in TASTES for genre in taste]
ADJECTIVES = ["Crimson", "Silent", "Golden", "Broken", "Distant", "Hidden", "Midnight", "Wild", "Frozen", "Electric"]
NOUNS = ["Harbor", "Orchard", "Signal", "Canyon", "Letters", "Machine", "Garden", "Frontier"]
TARGET_TITLE = "Lighthouse Keeper, The"  # found by a misspelt search; unrated, so onboarding never offers it


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: drives a real browser (Chromium) against a live server")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    if not CHROMIUM.exists():
        skip_or_fail(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "headless": True, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="module")
def browser(browser_type_launch_args: dict):
    """One Chromium per test module (pytest-playwright's is per session).

    Playwright's sync API keeps an asyncio loop running in this thread while it is started, and
    Django refuses ORM calls inside a running loop unless DJANGO_ALLOW_ASYNC_UNSAFE is set. Keeping
    Playwright to this module keeps that allowance away from every other test in the run.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(**browser_type_launch_args)
            yield chromium
            chromium.close()


@pytest.fixture
def screenshot():
    """screenshot(page, "home") saves test-artifacts/screenshots/home-<width>.png (whole page)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}-{page.viewport_size['width']}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@dataclass
class Catalogue:
    genre_of: dict[str, str]  # title → its main genre
    target_title: str  # as pages show it ("The Lighthouse Keeper")


@pytest.fixture
def catalogue(transactional_db) -> Catalogue:
    """80 films over eight genres and seven decades, 70 raters with three tastes, a trained model and neighbours."""
    from catalog.models import Genre, Movie
    from catalog.services import movie_rating_totals_rederive
    from ratings.models import Rating
    from recommendations import services, serving

    serving.forget()  # a model loaded by an earlier test may carry this test's version id
    rng = random.Random(5)
    genres = {name: Genre.objects.create(name=name) for name in GENRES}
    movies, genre_of = [], {}
    for i in range(80):
        title = f"{ADJECTIVES[i % 10]} {NOUNS[i // 10]}"
        main = GENRES[i % len(GENRES)]
        movie = Movie.objects.create(title=title, year=1950 + (i * 7) % 70, movielens_id=i + 1,
                                     tags=[main.lower(), NOUNS[i // 10].lower()])
        movie.genres.add(genres[main])
        if i % 3 == 0:
            movie.genres.add(genres[GENRES[(i + 3) % len(GENRES)]])
        movies.append(movie)
        genre_of[title] = main
    target = Movie.objects.create(title=TARGET_TITLE, year=1994, movielens_id=1000)
    target.genres.add(genres["Drama"])
    genre_of[TARGET_TITLE] = "Drama"

    users = get_user_model()
    weights = [1.0 / (1 + (i * 37) % 11) for i in range(len(movies))]  # some films far more watched
    rows = []
    for r in range(70):
        rater = users.objects.create(username=f"rater{r}", password="!")
        taste = TASTES[r % len(TASTES)]
        # As in real data, people mostly watch what they expect to like.
        leaning = [w * (4.0 if genre_of[m.title] in taste else 1.0) for m, w in zip(movies, weights, strict=True)]
        seen = {m.pk: m for m in rng.choices(movies, weights=leaning, k=45)}.values()
        for movie in seen:
            loved = genre_of[movie.title] in taste
            score = rng.choice([4.0, 4.5, 5.0]) if loved else rng.choice([1.0, 1.5, 2.0, 2.5])
            rows.append(Rating(user=rater, movie=movie, score=score))
    Rating.objects.bulk_create(rows)
    movie_rating_totals_rederive()

    services.model_train()
    services.movie_similarities_compute()
    serving.forget()
    return Catalogue(genre_of=genre_of, target_title=target.display_title)


@pytest.fixture
def new_context(browser):
    """new_context(viewport, **options) → a browser context closed at teardown, with short time-outs.

    Every page of these contexts is watched for Content-Security-Policy violations (Chromium reports each
    on the console): a test fails if anything it did was blocked by the site's own policy.
    """
    contexts = []
    violations: list[str] = []

    def watch(message) -> None:
        if "Content Security Policy" in message.text:
            violations.append(f"{message.page.url if message.page else '?'}: {message.text}")

    def make(viewport: dict = DESKTOP, **options):
        context = browser.new_context(viewport=viewport, **options)
        context.set_default_timeout(10_000)
        context.on("console", watch)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert not violations, "blocked by the Content-Security-Policy:\n" + "\n".join(violations)


class SlowFirstSave:
    """Holds back the first request a page sends to one URL, as a slow connection would, so a test can
    make a second choice while the first is still on its way; every later request goes through at once."""

    def __init__(self, page, url: str):
        self.page = page
        self.sent: list = []
        self.finished: list = []
        self.held: list = []
        page.on("request", lambda request: self.sent.append(request) if request.url == url else None)
        page.on("requestfinished", lambda request: self.finished.append(request) if request.url == url else None)
        page.route(url, lambda route: route.continue_() if self.held else self.held.append(route))

    def release(self) -> None:
        assert self.held, "the page sent nothing to hold"
        self.held[0].continue_()

    def wait_until_all_answered(self) -> None:
        for _ in range(100):
            if len(self.finished) == len(self.sent):
                return
            self.page.wait_for_timeout(50)
        raise AssertionError(f"{len(self.sent) - len(self.finished)} of {len(self.sent)} requests never finished")
