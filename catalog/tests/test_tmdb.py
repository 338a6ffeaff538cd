"""TMDB enrichment against a small local fake of TMDB's /movie/{id} endpoint (no internet needed)."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import CommandError, call_command

from catalog.models import Movie
from catalog.tasks import movies_tmdb_enrich_task
from catalog.tests.factories import MovieFactory
from catalog.tmdb import RateLimiter, TMDBClient, TMDBError, movies_tmdb_enrich

pytestmark = pytest.mark.django_db


class FakeTMDB:
    """Answers GET /3/movie/<id> from `movies`; `script[id]` holds (status, headers) answers to give first."""

    def __init__(self) -> None:
        self.movies: dict[int, dict] = {}
        self.script: dict[int, list[tuple[int, dict]]] = {}
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                url = urlsplit(self.path)
                fake.requests.append({"path": url.path, "query": parse_qs(url.query), "headers": dict(self.headers)})
                tmdb_id = int(url.path.rsplit("/", 1)[-1])
                if fake.script.get(tmdb_id):
                    status, headers = fake.script[tmdb_id].pop(0)
                    self._answer(status, {"status_message": "scripted"}, headers)
                elif tmdb_id in fake.movies:
                    self._answer(200, {"id": tmdb_id, **fake.movies[tmdb_id]})
                else:
                    self._answer(404, {"status_message": "The resource you requested could not be found."})

            def _answer(self, status: int, body: dict, headers: dict | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/3"


@pytest.fixture
def fake_tmdb(settings):
    fake = FakeTMDB()
    thread = threading.Thread(target=fake.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    settings.TMDB_API_KEY = "test-key"
    settings.TMDB_API_BASE = fake.url
    settings.TMDB_REQUESTS_PER_SECOND = 1000.0
    yield fake
    fake.server.shutdown()
    fake.server.server_close()
    thread.join(timeout=5)


def client_for(fake: FakeTMDB, *, key: str = "test-key", sleeps: list | None = None) -> TMDBClient:
    sleeps = [] if sleeps is None else sleeps
    return TMDBClient(api_key=key, base_url=fake.url, per_second=1000.0, sleep=sleeps.append)


def test_it_fills_overview_and_poster_for_movies_with_a_tmdb_id_that_lack_them(fake_tmdb):
    fake_tmdb.movies = {
        862: {"overview": "Toys come alive.", "poster_path": "/toy.jpg"},
        949: {"overview": "A heist.", "poster_path": "/heat.jpg"},
    }
    toy = MovieFactory(title="Toy Story", tmdb_id=862)
    heat = MovieFactory(title="Heat", tmdb_id=949, overview="Our own words.")
    no_id = MovieFactory(title="No id")

    report = movies_tmdb_enrich()

    toy.refresh_from_db()
    heat.refresh_from_db()
    no_id.refresh_from_db()
    assert (toy.overview, toy.poster_path) == ("Toys come alive.", "/toy.jpg")
    assert (heat.overview, heat.poster_path) == ("Our own words.", "/heat.jpg"), "existing text is kept"
    assert (no_id.overview, no_id.poster_path) == ("", "")
    assert (report.checked, report.updated, report.unknown) == (2, 2, 0)
    assert fake_tmdb.requests[0]["query"]["api_key"] == ["test-key"]


def test_a_second_run_only_asks_for_what_is_still_missing_and_force_refetches(fake_tmdb):
    fake_tmdb.movies = {862: {"overview": "Toys.", "poster_path": "/toy.jpg"}, 1: {"overview": "", "poster_path": None}}
    MovieFactory(tmdb_id=862)
    MovieFactory(tmdb_id=1)
    movies_tmdb_enrich()
    fake_tmdb.requests.clear()

    movies_tmdb_enrich()
    assert [r["path"] for r in fake_tmdb.requests] == ["/3/movie/1"]

    fake_tmdb.movies[862]["overview"] = "Toys, revised."
    movies_tmdb_enrich(force=True)
    assert Movie.objects.get(tmdb_id=862).overview == "Toys, revised."


def test_limit_takes_the_most_rated_films_first(fake_tmdb):
    fake_tmdb.movies = {i: {"overview": f"Film {i}.", "poster_path": f"/{i}.jpg"} for i in (1, 2, 3)}
    for tmdb_id, count in ((1, 5), (2, 50), (3, 20)):
        MovieFactory(tmdb_id=tmdb_id, rating_count=count)

    movies_tmdb_enrich(limit=2)

    assert set(Movie.objects.exclude(overview="").values_list("tmdb_id", flat=True)) == {2, 3}


def test_an_id_tmdb_does_not_know_is_counted_and_the_run_goes_on(fake_tmdb):
    fake_tmdb.movies = {862: {"overview": "Toys.", "poster_path": "/toy.jpg"}}
    MovieFactory(tmdb_id=404404, rating_count=10)
    MovieFactory(tmdb_id=862)

    report = movies_tmdb_enrich()

    assert (report.checked, report.updated, report.unknown) == (2, 1, 1)


def test_a_429_waits_as_long_as_retry_after_says_and_tries_again(fake_tmdb):
    fake_tmdb.movies = {862: {"overview": "Toys.", "poster_path": "/toy.jpg"}}
    fake_tmdb.script[862] = [(429, {"Retry-After": "3"}), (503, {})]
    sleeps: list[float] = []

    found = client_for(fake_tmdb, sleeps=sleeps).movie(862)

    assert found.overview == "Toys."
    assert len(fake_tmdb.requests) == 3
    assert [s for s in sleeps if s >= 1] == [3.0, 2.0], "Retry-After, then a backoff after the server error"


def test_a_refused_key_stops_the_run_at_once(fake_tmdb):
    fake_tmdb.script[862] = [(401, {})]
    MovieFactory(tmdb_id=862, rating_count=10)
    MovieFactory(tmdb_id=949)

    with pytest.raises(TMDBError, match="refused the API key"):
        movies_tmdb_enrich()
    assert len(fake_tmdb.requests) == 1
    with pytest.raises(CommandError, match="refused the API key"):
        fake_tmdb.script[862] = [(401, {})]
        call_command("enrich_tmdb", verbosity=0)


def test_a_server_that_keeps_failing_gives_up_after_a_few_tries(fake_tmdb):
    fake_tmdb.script[862] = [(500, {})] * 10

    with pytest.raises(TMDBError, match="kept failing"):
        client_for(fake_tmdb).movie(862)
    assert len(fake_tmdb.requests) == 5


def test_a_read_access_token_goes_in_the_authorization_header(fake_tmdb):
    fake_tmdb.movies = {862: {"overview": "Toys.", "poster_path": "/toy.jpg"}}

    client_for(fake_tmdb, key="eyJhbGciOiJIUzI1NiJ9.token").movie(862)

    request = fake_tmdb.requests[0]
    assert request["headers"]["Authorization"] == "Bearer eyJhbGciOiJIUzI1NiJ9.token"
    assert "api_key" not in request["query"]


def test_the_rate_limiter_spaces_requests():
    now = [100.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(4.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        limiter.wait()

    assert sleeps == [0.25] * 4


def test_the_command_and_the_task_report_what_they_did(fake_tmdb, capsys):
    fake_tmdb.movies = {862: {"overview": "Toys.", "poster_path": "/toy.jpg"}, 949: {"overview": "Heist."}}
    MovieFactory(tmdb_id=862)
    MovieFactory(tmdb_id=949)

    call_command("enrich_tmdb", "--limit", "1", verbosity=0)
    assert "1 movies checked, 1 updated" in capsys.readouterr().out
    assert movies_tmdb_enrich_task(limit=None) == 1


def test_without_a_key_nothing_is_fetched_and_the_command_says_why(settings):
    settings.TMDB_API_KEY = ""
    MovieFactory(tmdb_id=862)

    assert movies_tmdb_enrich().checked == 0
    assert movies_tmdb_enrich_task() == 0
    with pytest.raises(CommandError, match="TMDB_API_KEY is not set"):
        call_command("enrich_tmdb")
