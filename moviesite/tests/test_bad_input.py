"""Bad input everywhere — pages and API: every malformed request is a clear 4xx and writes nothing.

Scores out of range or not numbers, unknown and huge ids in URLs and bodies, oversized query strings,
malformed JSON, wrong content types, and page forms posted without a CSRF token.
"""
from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.authtoken.models import Token

from catalog.models import Movie
from ratings.models import HiddenMovie, Rating, WatchlistEntry
from recommendations.models import ModelVersion

pytestmark = pytest.mark.django_db

HUGE_IDS = [2**63, 2**63 - 1, 2**64, 10**30]
BAD_SCORES = [0, -1, 5.5, 6, 100, 4.3, 0.25, "abc", "", " ", "4,5", "NaN", "nan", "inf", "-inf", "1e309", "0x4",
              "4\x00", True, False, None, [], [4], {}, {"value": 4}, "4" * 10_000,
              # Only ASCII digits, nothing around them (float() reads Arabic-Indic digits and strips whitespace);
              # integers too large for a float.
              "\u0664", "\u0664.\u0665", "4.5\n", " 4", "4 ", "\t3", "\uff14", 10**400, -(10**400)]
# ~2 KB of nesting: deeper than Python's JSON parser can recurse (RecursionError, not ValueError).
NESTED_JSON = b'{"score": ' + b"[" * 1_000 + b"]" * 1_000 + b"}"
OVERSIZED = "a" * 100_000  # 100 KB


def short_id(value: object) -> str:
    """A test id that stays readable for a 400-digit integer."""
    return repr(value)[:24]


def _rows() -> dict[str, int]:
    """Everything a request from outside could write."""
    return {
        "ratings": Rating.objects.count(),
        "watchlist": WatchlistEntry.objects.count(),
        "hidden": HiddenMovie.objects.count(),
        "users": get_user_model().objects.count(),
        "tokens": Token.objects.count(),
        "versions": ModelVersion.objects.count(),
        "movies": Movie.objects.count(),
    }


@pytest.fixture
def nothing_written(movie, user):
    """Asserts after the test that no row anywhere was added or removed."""
    before = _rows()
    yield
    assert _rows() == before, "a rejected request wrote to the database"


@pytest.fixture
def viewer_api(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api_client


@pytest.fixture
def viewer_page(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_user(username="staffer", password="a-long-test-password", is_staff=True)


def _error_body(response) -> dict:
    """The 4xx names what was wrong (DRF field errors or a detail), as JSON."""
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert body, "a 4xx with an empty body tells the client nothing"
    return body


# --- API: scores -----------------------------------------------------------------------------


@pytest.mark.parametrize("score", BAD_SCORES, ids=short_id)
def test_the_api_refuses_a_bad_score_on_post(viewer_api, movie, nothing_written, score):
    response = viewer_api.post("/api/ratings/", {"movie": movie.pk, "score": score}, format="json")

    assert response.status_code == 400
    assert "score" in _error_body(response)


@pytest.mark.parametrize("score", BAD_SCORES, ids=short_id)
def test_the_api_refuses_a_bad_score_on_put(viewer_api, movie, nothing_written, score):
    response = viewer_api.put(f"/api/ratings/{movie.pk}/", {"score": score}, format="json")

    assert response.status_code == 400
    assert "score" in _error_body(response)


def test_the_api_keeps_the_old_score_when_a_change_is_refused(viewer_api, movie, user):
    viewer_api.put(f"/api/ratings/{movie.pk}/", {"score": 4}, format="json")

    response = viewer_api.put(f"/api/ratings/{movie.pk}/", {"score": 9}, format="json")

    assert response.status_code == 400
    assert Rating.objects.get(user=user, movie=movie).score == 4.0


@pytest.mark.parametrize("method, path", [("POST", "/api/ratings/"), ("PUT", "/api/ratings/{movie}/")])
def test_the_api_refuses_deeply_nested_json(viewer_api, movie, nothing_written, method, path):
    response = viewer_api.generic(method, path.format(movie=movie.pk), NESTED_JSON, content_type="application/json")

    assert response.status_code == 400
    _error_body(response)


def test_the_token_api_refuses_deeply_nested_json(api_client, nothing_written):
    response = api_client.generic("POST", "/api/auth/token/", NESTED_JSON, content_type="application/json")

    assert response.status_code == 400
    _error_body(response)


# --- API: ids --------------------------------------------------------------------------------


@pytest.mark.parametrize("movie_id", [999_999, 0, -1, *HUGE_IDS, "1; DROP TABLE ratings_rating", "1.5", "", None],
                         ids=short_id)
def test_the_api_refuses_an_unknown_or_malformed_movie_id_in_the_body(viewer_api, nothing_written, movie_id):
    response = viewer_api.post("/api/ratings/", {"movie": movie_id, "score": 4}, format="json")

    assert response.status_code == 400
    assert "movie" in _error_body(response)


@pytest.mark.parametrize("movie_id", [999_999, 0, *HUGE_IDS])
@pytest.mark.parametrize("method, body", [("get", None), ("put", {"score": 4}), ("delete", None)])
def test_the_api_answers_404_for_an_unknown_or_huge_movie_id_in_the_url(
    viewer_api, nothing_written, movie_id, method, body
):
    response = getattr(viewer_api, method)(f"/api/ratings/{movie_id}/", body, format="json")

    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/api/movies/{}/", "/api/movies/{}/similar/", "/api/watchlist/{}/",
                                  "/api/hidden/{}/"])
@pytest.mark.parametrize("movie_id", [999_999, *HUGE_IDS])
def test_other_api_urls_answer_404_for_unknown_or_huge_ids(viewer_api, nothing_written, path, movie_id):
    url = path.format(movie_id)
    method = "get" if url.startswith("/api/movies/") else "put"

    assert getattr(viewer_api, method)(url).status_code == 404


@pytest.mark.parametrize("path", ["/api/ratings/-1/", "/api/movies/-1/", "/api/movies/abc/", "/api/ratings/1.5/"])
def test_negative_and_non_numeric_ids_in_urls_match_no_route(viewer_api, nothing_written, path):
    assert viewer_api.put(path, {"score": 4}, format="json").status_code == 404


@pytest.mark.parametrize("url", ["/api/staff/model-versions/{}/activate/"])
@pytest.mark.parametrize("version_id", [999_999, *HUGE_IDS])
def test_the_staff_api_answers_404_for_unknown_or_huge_version_ids(api_client, staff_user, nothing_written, url,
                                                                   version_id):
    api_client.force_authenticate(staff_user)

    assert api_client.post(url.format(version_id)).status_code == 404


@pytest.mark.parametrize("task_id", ["no-such-task", "x" * 5_000, "%00", "..%2F..%2Fetc"])
def test_the_staff_api_answers_404_for_unknown_task_ids(api_client, staff_user, nothing_written, task_id):
    api_client.force_authenticate(staff_user)

    assert api_client.get(f"/api/staff/tasks/{task_id}/").status_code == 404


# --- API: query strings ------------------------------------------------------------------------


@pytest.mark.parametrize("query", [
    {"q": OVERSIZED}, {"search": OVERSIZED}, {"genre": ["Drama"] * 1_000}, {"genre": OVERSIZED},
    {"year_min": "nineteen"}, {"year_min": 2**63}, {"year_max": -5}, {"year_min": 2000, "year_max": 1990},
    {"ordering": "id; DROP TABLE catalog_movie"}, {"page": "last-ish"}, {"page": 2**63},
    {"q": "toy\x00"}, {"genre": "Drama\x00"}, {"ordering": "\x00"},
])
def test_the_movie_list_refuses_malformed_or_oversized_queries(api_client, nothing_written, query):
    response = api_client.get("/api/movies/", query)

    assert response.status_code in (400, 404)  # 404: DRF's answer to a page that does not exist
    _error_body(response)


@pytest.mark.parametrize("n", ["0", "101", "ten", str(2**63), "9" * 10_000])
@pytest.mark.parametrize("url", ["/api/recommendations/", "/api/movies/{movie}/similar/"])
def test_counts_outside_their_range_are_refused(api_client, movie, nothing_written, n, url):
    response = api_client.get(url.format(movie=movie.pk), {"n": n})

    assert response.status_code == 400
    assert "n" in _error_body(response)


@pytest.mark.parametrize("url, name", [("/api/recommendations/?n=1&n=2", "n"),
                                       ("/api/movies/{movie}/similar/?n=1&n=2", "n"),
                                       ("/api/movies/?year_min=1990&year_min=2000", "year_min"),
                                       ("/api/movies/?search=toy&search=heat", "search"),
                                       ("/api/movies/?ordering=title&ordering=year", "ordering")])
def test_a_single_valued_query_parameter_given_twice_is_refused(api_client, movie, nothing_written, url, name):
    response = api_client.get(url.format(movie=movie.pk))

    assert response.status_code == 400
    assert name in _error_body(response)


@pytest.mark.parametrize("url, name", [("/api/recommendations/?n=", "n"), ("/api/movies/?ordering=", "ordering"),
                                       ("/api/movies/?year_min=", "year_min")])
def test_a_query_parameter_given_without_a_value_is_refused(api_client, nothing_written, url, name):
    response = api_client.get(url)

    assert response.status_code == 400
    assert name in _error_body(response)


@pytest.mark.parametrize("query", ["search=", "genre=", "genre=&genre=Animation"])
def test_a_text_query_parameter_may_be_empty(api_client, movie, query):
    assert api_client.get(f"/api/movies/?{query}").status_code == 200


@pytest.mark.parametrize("path", ["/api/movies/-1/", "/api/nothing-here/", "/api/ratings/1.5/"])
def test_an_api_url_matching_no_route_is_a_json_404(api_client, path):
    response = api_client.get(path)

    assert response.status_code == 404
    assert _error_body(response) == {"detail": "Not found."}


@pytest.mark.parametrize("url", ["/api/movies/?page=1&page=2", "/api/ratings/?page=1&page=2",
                                 "/api/watchlist/?page=1&page=2", "/api/movies/?page=", "/api/ratings/?page=%20"])
def test_a_page_number_given_twice_or_empty_is_refused(viewer_api, nothing_written, url):
    response = viewer_api.get(url)

    assert response.status_code == 400
    assert "page" in _error_body(response)


def test_a_repeatable_query_parameter_may_be_repeated(api_client, movie):
    assert api_client.get("/api/movies/?genre=Animation&genre=Comedy").status_code == 200


def test_an_oversized_query_string_on_the_ratings_list_is_harmless(viewer_api, nothing_written):
    response = viewer_api.get("/api/ratings/", {"page": OVERSIZED})

    assert response.status_code == 404


# --- API: bodies and content types ----------------------------------------------------------------


@pytest.mark.parametrize("body", [b"{", b'{"score": }', b"[1, 2", b"\xff\xfe\x00", b"null", b"[]", b'"4.5"', b"4.5",
                                  b'{"score": 4.5', b"{'score': 4.5}"], ids=short_id)
def test_the_api_refuses_malformed_json(viewer_api, movie, nothing_written, body):
    response = viewer_api.generic("PUT", f"/api/ratings/{movie.pk}/", body, content_type="application/json")

    assert response.status_code == 400
    _error_body(response)


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "application/x-yaml", "image/png",
                                          "application/json; charset=utf-16"])
def test_the_api_refuses_content_types_it_does_not_read(viewer_api, movie, nothing_written, content_type):
    body = json.dumps({"movie": movie.pk, "score": 4}).encode()

    response = viewer_api.generic("POST", "/api/ratings/", body, content_type=content_type)

    assert response.status_code in (400, 415)
    _error_body(response)


def test_the_api_refuses_a_file_uploaded_as_the_score(viewer_api, movie, nothing_written):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("score.txt", b"4.5", content_type="text/plain")

    response = viewer_api.post("/api/ratings/", {"movie": movie.pk, "score": upload}, format="multipart")

    assert response.status_code == 400
    assert "score" in _error_body(response)


def test_the_api_refuses_a_body_over_the_upload_limit(viewer_api, movie, nothing_written, settings):
    body = json.dumps({"movie": movie.pk, "score": 4, "padding": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})

    response = viewer_api.generic("POST", "/api/ratings/", body, content_type="application/json")

    assert response.status_code in (400, 413)


@pytest.mark.parametrize("body", [b"{", b"[]", b'{"username": ["a"], "password": {"b": 1}}',
                                  json.dumps({"username": "u" * 100_000, "password": "p"}).encode(),
                                  json.dumps({"username": "viewer\x00", "password": "p\x00"}).encode()], ids=short_id)
def test_the_token_api_refuses_malformed_credentials(api_client, nothing_written, body):
    response = api_client.generic("POST", "/api/auth/token/", body, content_type="application/json")

    assert response.status_code == 400
    _error_body(response)


def test_a_session_cookie_without_a_csrf_token_cannot_write_through_the_api(movie, user, nothing_written):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)

    response = browser.post("/api/ratings/", {"movie": movie.pk, "score": 4}, content_type="application/json")

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


# --- Pages: the rating endpoints ----------------------------------------------------------------


@pytest.mark.parametrize("score", [s for s in BAD_SCORES if not isinstance(s, (list, dict, bool)) and s is not None],
                         ids=short_id)
def test_the_rating_form_refuses_a_bad_score(viewer_page, movie, nothing_written, score):
    response = viewer_page.post(f"/ratings/{movie.pk}/", {"score": score})

    assert response.status_code == 400
    assert response.context["form"].errors, "the page says what was wrong"


@pytest.mark.parametrize("score", BAD_SCORES, ids=short_id)
def test_the_rating_endpoint_refuses_a_bad_score_sent_as_json(viewer_page, movie, nothing_written, score):
    response = viewer_page.post(f"/ratings/{movie.pk}/", {"score": score}, content_type="application/json")

    assert response.status_code == 400
    assert "errors" in _error_body(response)


@pytest.mark.parametrize("body", [b"{", b"[]", b"null", b"\xff", b'"4"', b"4"], ids=short_id)
def test_the_rating_endpoint_refuses_malformed_json(viewer_page, movie, nothing_written, body):
    response = viewer_page.generic("POST", f"/ratings/{movie.pk}/", body, content_type="application/json")

    assert response.status_code == 400
    assert "errors" in _error_body(response)


@pytest.mark.parametrize("path", ["/ratings/{movie}/", "/ratings/watchlist/{movie}/", "/ratings/hidden/{movie}/"])
def test_the_page_endpoints_refuse_deeply_nested_json(viewer_page, movie, nothing_written, path):
    response = viewer_page.generic("POST", path.format(movie=movie.pk), NESTED_JSON, content_type="application/json")

    assert response.status_code == 400
    assert "errors" in _error_body(response)


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "application/octet-stream"])
def test_the_rating_endpoint_refuses_other_content_types(viewer_page, movie, nothing_written, content_type):
    response = viewer_page.generic("POST", f"/ratings/{movie.pk}/", b"score=4", content_type=content_type)

    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/ratings/{}/", "/ratings/{}/delete/", "/ratings/watchlist/{}/",
                                  "/ratings/hidden/{}/", "/start/unseen/{}/"])
@pytest.mark.parametrize("movie_id", [999_999, *HUGE_IDS])
def test_page_endpoints_answer_404_for_unknown_or_huge_movie_ids(viewer_page, nothing_written, path, movie_id):
    data = {"score": "4", "action": "add"}

    assert viewer_page.post(path.format(movie_id), data).status_code == 404


@pytest.mark.parametrize("path", ["/movies/{}/", "/ratings/{}/"])
@pytest.mark.parametrize("movie_id", [999_999, *HUGE_IDS])
def test_pages_answer_404_for_unknown_or_huge_movie_ids(viewer_page, nothing_written, path, movie_id):
    assert viewer_page.get(path.format(movie_id)).status_code == 404


@pytest.mark.parametrize("path", ["/ratings/watchlist/{}/", "/ratings/hidden/{}/"])
@pytest.mark.parametrize("action", ["", "delete", "ADD", "x" * 10_000])
def test_toggles_refuse_unknown_actions(viewer_page, movie, nothing_written, path, action):
    response = viewer_page.post(path.format(movie.pk), {"action": action})

    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/movies/", "/ratings/", "/ratings/watchlist/", "/ratings/hidden/", "/", "/start/"])
@pytest.mark.parametrize("query", [
    {"q": OVERSIZED}, {"page": OVERSIZED}, {"page": str(2**63)}, {"genre": ["Drama"] * 1_000},
    {"year_min": "abc", "year_max": str(2**63)}, {"sort": OVERSIZED}, {"score_min": "nan"}, {"batch": "9" * 1_000},
    # PostgreSQL refuses NUL in text: it must never reach a query.
    {"q": "toy\x00"}, {"genre": "Drama\x00"}, {"sort": "\x00"}, {"page": "\x00"},
])
def test_pages_with_oversized_or_malformed_query_strings_still_answer(viewer_page, movie, nothing_written, path,
                                                                       query):
    response = viewer_page.get(path, query)

    assert response.status_code in (200, 400, 404)


def test_staff_pages_with_malformed_query_strings_still_answer(client, staff_user, nothing_written):
    client.force_login(staff_user)

    assert client.get("/staff/", {"page": OVERSIZED}).status_code == 200
    assert client.get("/staff/versions/", {"page": "-1"}).status_code == 200
    assert client.get("/staff/plots/no-such-plot.png").status_code == 404


@pytest.mark.parametrize("path, data", [
    ("/accounts/login/", {"username": "viewer\x00", "password": "a-long-test-password"}),
    ("/accounts/signup/", {"username": "new\x00comer", "password1": "a-long-test-password",
                           "password2": "a-long-test-password"}),
    ("/accounts/signup/", {"username": "u" * 10_000, "password1": "p" * 10_000, "password2": "p" * 10_000}),
])
def test_account_forms_refuse_nul_bytes_and_oversized_fields(client, nothing_written, path, data):
    response = client.post(path, data)

    assert response.status_code in (200, 400)  # the form again, with its errors
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


# --- Pages: CSRF --------------------------------------------------------------------------------


@pytest.fixture
def browser_without_csrf(user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    return browser


@pytest.mark.parametrize("path, data", [
    ("/ratings/{movie}/", {"score": "4"}),
    ("/ratings/{movie}/delete/", {}),
    ("/ratings/watchlist/{movie}/", {"action": "add"}),
    ("/ratings/hidden/{movie}/", {"action": "hide"}),
    ("/start/unseen/{movie}/", {}),
    ("/accounts/logout/", {}),
])
def test_page_forms_refuse_a_post_without_a_csrf_token(browser_without_csrf, movie, user, nothing_written, path,
                                                      data):
    response = browser_without_csrf.post(path.format(movie=movie.pk), data)

    assert response.status_code == 403
    assert "_auth_user_id" in browser_without_csrf.session, "a forged log-out must not sign the user out"


def test_the_rating_endpoint_refuses_json_without_a_csrf_token(browser_without_csrf, movie, nothing_written):
    response = browser_without_csrf.post(f"/ratings/{movie.pk}/", {"score": 4}, content_type="application/json",
                                         HTTP_ACCEPT="application/json")

    assert response.status_code == 403


def test_a_rating_deleted_without_a_csrf_token_stays(browser_without_csrf, movie, user):
    Rating.objects.create(user=user, movie=movie, score=4)

    assert browser_without_csrf.post(f"/ratings/{movie.pk}/delete/").status_code == 403
    assert Rating.objects.filter(user=user, movie=movie).exists()


def test_sign_up_and_log_in_refuse_a_post_without_a_csrf_token(nothing_written):
    browser = Client(enforce_csrf_checks=True)
    new_account = {"username": "newcomer", "password1": "a-long-test-password", "password2": "a-long-test-password"}

    assert browser.post("/accounts/signup/", new_account).status_code == 403
    assert browser.post("/accounts/login/", {"username": "viewer",
                                             "password": "a-long-test-password"}).status_code == 403
    assert "_auth_user_id" not in browser.session


@pytest.mark.parametrize("path", ["/staff/retrain/", "/staff/similarities/", "/staff/versions/1/activate/"])
def test_staff_forms_refuse_a_post_without_a_csrf_token(staff_user, nothing_written, path):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff_user)

    assert browser.post(path).status_code == 403


def test_a_form_with_its_csrf_token_is_accepted(movie, user):
    """The control: the same browser, token included, does rate — so the 403s above are about CSRF alone."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    browser.get(f"/ratings/{movie.pk}/")  # the rating form sets the CSRF cookie

    token = browser.cookies["csrftoken"].value
    response = browser.post(f"/ratings/{movie.pk}/", {"score": "4", "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert Rating.objects.get(user=user, movie=movie).score == 4.0
