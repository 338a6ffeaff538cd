"""Every page (e2e/site_pages.py) at desktop and 375 px phone width: no serious or critical axe-core
violation, and nothing wider than the window (no sideways scrolling)."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from e2e.axe import horizontal_overflow, severe_violations
from e2e.conftest import DESKTOP
from e2e.site_pages import SITE_PAGES
from ratings.history_import.preview import history_import_preview

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

PHONE_375 = {"width": 375, "height": 812}


def session_cookie(live_server, user) -> list[dict]:
    client = Client()
    client.force_login(user)
    return [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]


@pytest.fixture
def people(catalogue):
    """A viewer with ratings, a watchlist and a hidden film, and a staff member."""
    from catalog.models import Movie
    from ratings.models import HiddenMovie, Rating, WatchlistEntry

    users = get_user_model()
    viewer = users.objects.create_user(username="sweeper", password="!")
    movies = list(Movie.objects.order_by("id")[:14])
    for i, movie in enumerate(movies[:12]):
        Rating.objects.create(user=viewer, movie=movie, score=[5.0, 4.0, 1.5][i % 3])
    WatchlistEntry.objects.create(user=viewer, movie=movies[12])
    HiddenMovie.objects.create(user=viewer, movie=movies[13])
    staff = users.objects.create_user(username="sweep-staff", password="!", is_staff=True)
    # A Letterboxd export naming two catalogue films and one that is not there, waiting for confirmation.
    export = "Date,Name,Year,Letterboxd URI,Rating\n" + "".join(
        f"2024-01-0{i + 1},{movie.display_title},{movie.year or ''},https://boxd.it/x{i},4\n"
        for i, movie in enumerate(movies[:2])
    ) + "2024-01-09,A Film Nobody Made,1901,https://boxd.it/none,3\n"
    pending = history_import_preview(user=viewer, data=export.encode(), filename="ratings.csv")
    return {"viewer": viewer, "staff": staff, "{movie}": movies[0].pk, "{import}": pending.pk}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE_375], ids=["desktop", "phone-375"])
def test_every_page_passes_axe_and_fits_the_window(live_server, people, browser, screenshot, viewport):
    contexts = {}
    for who in ("visitor", "viewer", "staff"):
        context = browser.new_context(viewport=viewport, bypass_csp=True)  # axe is injected as a script
        context.set_default_timeout(15_000)
        if who != "visitor":
            context.add_cookies(session_cookie(live_server, people[who]))
        contexts[who] = context
    problems = []
    try:
        for site_page in SITE_PAGES:
            kwargs = {key: people.get(value, value) for key, value in site_page.kwargs.items()}
            url = live_server.url + reverse(site_page.url_name, kwargs=kwargs or None)
            page = contexts[site_page.who].new_page()
            response = page.goto(url + (f"?{site_page.query}" if site_page.query else ""))
            assert response is not None and response.ok, f"{site_page.name}: HTTP {response and response.status}"
            page.wait_for_load_state("networkidle")
            screenshot(page, f"sweep-{site_page.name}")
            overflow = horizontal_overflow(page)
            if overflow > 0:
                problems.append(f"{site_page.name}: {overflow}px wider than the window")
            problems += [f"{site_page.name}: {v}" for v in severe_violations(page)]
            page.close()
    finally:
        for context in contexts.values():
            context.close()
    assert not problems, "\n".join(problems)
