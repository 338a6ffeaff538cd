"""Every page of the site the browser sweep visits (e2e/test_site_sweep.py): add new pages here.

Each page is a URL name (with ``{movie}`` standing for a catalogue film's id and ``{import}`` for the
viewer's pending history import in its arguments), a query
string, and who looks at it: a ``visitor`` (signed out), a ``viewer`` (signed in, with ratings, a
watchlist and a hidden film) or ``staff``.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SitePage:
    name: str  # names the screenshot and the failure
    url_name: str
    who: str = "visitor"
    query: str = ""
    kwargs: dict = field(default_factory=dict)


SITE_PAGES = [
    SitePage("home-visitor", "home"),
    SitePage("home-viewer", "home", who="viewer"),
    SitePage("movies-visitor", "movie-list"),
    SitePage("movies-viewer", "movie-list", who="viewer"),
    SitePage("search", "movie-list", query="q=harbor&genre=Drama"),
    SitePage("search-typo", "movie-list", query="q=lighthuose+keeper"),
    SitePage("search-nothing", "movie-list", query="q=zzzzqqq"),
    SitePage("movie-visitor", "movie-detail", kwargs={"pk": "{movie}"}),
    SitePage("movie-viewer", "movie-detail", who="viewer", kwargs={"pk": "{movie}"}),
    SitePage("my-ratings", "my-ratings", who="viewer"),
    SitePage("watchlist", "watchlist", who="viewer"),
    SitePage("hidden", "hidden-list", who="viewer"),
    SitePage("onboarding", "onboarding", who="viewer"),
    SitePage("login", "login"),
    SitePage("signup", "signup"),
    SitePage("dashboard", "staff-dashboard", who="staff"),
    SitePage("account", "account", who="viewer"),
    SitePage("password-change", "password_change", who="viewer"),
    SitePage("api-token", "api-token", who="viewer"),
    SitePage("account-delete", "account-delete", who="viewer"),
    SitePage("password-reset", "password_reset"),
    SitePage("password-reset-sent", "password_reset_done"),
    SitePage("password-reset-complete", "password_reset_complete"),
    SitePage("history-import", "history-import", who="viewer"),
    SitePage("history-import-preview", "history-import-preview", who="viewer", kwargs={"import_id": "{import}"}),
]
