"""The recommendations API's fast lane (one Redis round trip) answers exactly as the DRF view would."""
from __future__ import annotations

import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token

from conftest import skip_or_fail
from ratings.services import rating_upsert
from recommendations import fast_picks, services

pytestmark = pytest.mark.django_db

URL = "/api/recommendations/"


@pytest.fixture
def warm_client(api_client, user, taste_catalog):
    """A token client whose token user and picks are cached, as after one ordinary call."""
    if settings.CACHES["default"]["BACKEND"] != "django_redis.cache.RedisCache":
        skip_or_fail("the fast lane needs Redis (set REDIS_URL)")
    sci_fi, romance = taste_catalog
    services.model_train()
    for movie in sci_fi[:4]:
        rating_upsert(user=user, movie=movie, score=5)
    for movie in romance[:4]:
        rating_upsert(user=user, movie=movie, score=1)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    assert api_client.get(URL).status_code == 200
    return api_client


def _drf_answer(client, monkeypatch, path=URL):
    """The same request answered by the DRF view alone."""
    with monkeypatch.context() as patch:
        patch.setattr(fast_picks, "respond", lambda request: None)
        return client.get(path)


def test_a_warm_request_takes_the_fast_lane_and_matches_the_drf_view(warm_client, monkeypatch,
                                                                     django_assert_num_queries):
    answered = []
    respond = fast_picks.respond
    monkeypatch.setattr(fast_picks, "respond", lambda request: answered.append(respond(request)) or answered[-1])
    for path in (URL, f"{URL}?n=3"):
        with django_assert_num_queries(0):
            fast = warm_client.get(path)
        assert answered.pop() is not None  # answered by the fast lane, not the DRF view
        slow = _drf_answer(warm_client, monkeypatch, path)

        assert fast.status_code == slow.status_code == 200
        assert fast["Content-Type"] == slow["Content-Type"] == "application/json"
        assert fast.content == slow.content
        assert fast.json()["personalized"] is True


def test_it_counts_against_the_same_per_user_limit_as_every_api_call(warm_client, throttle_rates):
    throttle_rates(user="4/min")  # the fixture's warming call was the first of this minute

    answers = [warm_client.get("/api/ratings/").status_code] + [warm_client.get(URL).status_code for _ in range(3)]

    assert answers == [200, 200, 200, 429]
    assert 0 < int(warm_client.get(URL)["Retry-After"]) <= 60


def test_a_deleted_token_or_deactivated_user_is_refused_at_once(warm_client, user):
    Token.objects.filter(user=user).delete()
    assert warm_client.get(URL).status_code in (401, 403)

    user.is_active = False
    user.save()
    warm_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    assert warm_client.get(URL).status_code in (401, 403)


def test_a_new_rating_is_reflected_on_the_next_call(warm_client, user, django_capture_on_commit_callbacks):
    from catalog.models import Movie

    first = warm_client.get(URL).json()["results"][0]["movie"]
    with django_capture_on_commit_callbacks(execute=True):
        rating_upsert(user=user, movie=Movie.objects.get(pk=first["id"]), score=4)

    ids = [item["movie"]["id"] for item in warm_client.get(URL).json()["results"]]

    assert first["id"] not in ids


@pytest.mark.parametrize("query", ["n=0", "n=101", "n=ten", "n=3&n=4", "page=2"])
def test_anything_but_a_plain_n_gets_the_drf_views_answer(warm_client, monkeypatch, query):
    path = f"{URL}?{query}"
    answer = warm_client.get(path)

    assert (answer.status_code, answer.content) == (lambda r: (r.status_code, r.content))(
        _drf_answer(warm_client, monkeypatch, path)
    )


def test_a_browser_asking_for_html_gets_the_browsable_api(warm_client):
    answer = warm_client.get(URL, HTTP_ACCEPT="text/html")

    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/html")


def test_a_redis_error_closes_the_lane_and_the_drf_view_answers(warm_client, user, monkeypatch):
    from django.core.cache import cache
    from django_redis import get_redis_connection

    from accounts.authentication import token_uid_key

    key = Token.objects.get(user=user).key
    redis = get_redis_connection("default")
    uid_key = cache.make_key(token_uid_key(key))
    redis.delete(uid_key)
    redis.hset(uid_key, "not", "a string")  # the script's GET now fails inside Redis (WRONGTYPE)
    expected = _drf_answer(warm_client, monkeypatch)

    answer = warm_client.get(URL)

    assert answer.status_code == 200 and answer.content == expected.content
    redis.delete(uid_key)
    redis.set(uid_key, user.pk)
    tried = []
    monkeypatch.setattr(fast_picks, "_script", lambda *source: tried.append(1))
    assert warm_client.get(URL).status_code == 200
    assert tried == []  # the lane stays closed for a while after the error


def test_a_repeat_call_is_answered_from_the_process_without_a_round_trip(warm_client, monkeypatch):
    first = warm_client.get(URL)  # the lane's first answer keeps the token's user and picks here
    asked, script = [], fast_picks._script

    def watched(source=fast_picks._SCRIPT):
        if source == fast_picks._SCRIPT:  # the picks' round trip (not a batch of throttle counts)
            asked.append(1)
        return script(source)

    monkeypatch.setattr(fast_picks, "_script", watched)

    again = warm_client.get(URL)

    assert again.status_code == 200 and again.content == first.content
    assert asked == []
    assert again.content == _drf_answer(warm_client, monkeypatch).content


def _picks_key(user):
    from django.core.cache import cache

    from recommendations import serving
    from recommendations.cache import user_recommendations_key

    return cache.make_key(user_recommendations_key(version_id=serving.active_version_id(), user_id=user.pk))


def test_picks_another_process_writes_are_served_on_the_next_call(warm_client, user):
    import redis
    from django.core.cache import cache

    before = [r["movie"]["id"] for r in warm_client.get(URL).json()["results"]]
    key = _picks_key(user)
    elsewhere = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])  # as the Celery worker would
    reordered = list(reversed(cache.client.decode(elsewhere.get(key))))
    elsewhere.set(key, cache.client.encode(reordered))

    after = [r["movie"]["id"] for r in warm_client.get(URL).json()["results"]]

    assert after == [item["movie_id"] for item in reordered][:10] != before


def test_a_change_made_while_the_tracking_connection_was_lost_is_not_missed(warm_client, user):
    import redis

    warm_client.get(URL)
    held = fast_picks._near_cache()
    assert held is not None and held.client_id is not None
    elsewhere = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    elsewhere.client_kill_filter(_id=held.client_id)
    Token.objects.filter(user=user).delete()  # its invalidation is lost with the connection

    assert warm_client.get(URL).status_code in (401, 403)


def test_counted_in_batches_the_limit_still_holds_exactly(warm_client, throttle_rates):
    throttle_rates(user="60/min")  # the fixture's warming call was the first of this minute

    answers = [warm_client.get(URL).status_code for _ in range(60)]

    assert answers == [200] * 59 + [429]
