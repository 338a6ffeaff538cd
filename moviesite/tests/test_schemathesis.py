"""schemathesis against the API's own OpenAPI schema: no request the schema allows (or nearly allows) is a 500,
and every documented response matches the schema — as an anonymous visitor, a viewer with ratings, and staff.

Requests go straight to the WSGI application inside the test's transaction; examples are few and derandomized
so the run is quick and the same every time.
"""
from __future__ import annotations

import json

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import CHECKS as REGISTERED_CHECKS
from schemathesis.specs.openapi.checks import positive_data_acceptance

from moviesite.wsgi import application
from ratings.services import rating_upsert
from recommendations import services

MAX_EXAMPLES = 20
MODEL_OPERATIONS = ("/api/recommendations/", "/api/staff/")
# Every check schemathesis has (server errors, status codes, content types, headers, response schemas, schema-
# violating data refused, schema-valid data accepted, ...). Two exceptions, by design, to "schema-valid data is
# accepted", for rules an OpenAPI schema cannot state: a movie id in POST /api/ratings/'s body that names no movie
# is a 400 field error ({"movie": ["No movie with this id."]}), and so is year_max before year_min on
# GET /api/movies/ (both documented in the field descriptions); and a file POSTed to /api/ratings/import/ that is
# not a Letterboxd or IMDb export is a 400 field error on "file".
CHECKS = list(REGISTERED_CHECKS.get_all())
RULES_BEYOND_THE_SCHEMA = {"POST /api/ratings/": [positive_data_acceptance],
                           "GET /api/movies/": [positive_data_acceptance],
                           "POST /api/ratings/import/": [positive_data_acceptance]}
# The examples of one operation share its fixtures' data (and whatever earlier examples wrote): intended.
ONE_WORLD_PER_OPERATION = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def api_world(request, taste_catalog, django_user_model) -> dict[str, str]:
    """A viewer with a few ratings, a staff member (returns each one's token) and, for the operations that
    serve or manage models, a trained active model."""
    sci_fi, romance = taste_catalog
    viewer = django_user_model.objects.create_user(username="fuzz-viewer", password="a-long-test-password")
    for movie, score in [(sci_fi[0], 5), (sci_fi[1], 4.5), (romance[0], 1)]:
        rating_upsert(user=viewer, movie=movie, score=score)
    staff = django_user_model.objects.create_user(username="fuzz-staff", password="a-long-test-password",
                                                  is_staff=True)
    if any(part in request.node.name for part in MODEL_OPERATIONS):  # training is most of the set-up time
        services.model_train()
    return {"viewer": Token.objects.create(user=viewer).key, "staff": Token.objects.create(user=staff).key}


@pytest.fixture
def wsgi_app(monkeypatch):
    """The WSGI app, minus the per-request connection clean-up that would close the test's transaction.

    Django's own test client does the same: close_old_connections drops a connection found inside a
    transaction, and the test's data lives in one. Rate limits are lifted too: the fuzzer sends more
    requests a minute than a client may, and a 429 would hide the handler it is meant to reach.
    """
    monkeypatch.setattr(SimpleRateThrottle, "allow_request", lambda self, request, view: True)
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield application
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _schema(*, security_parameters: bool, staff: bool = False):
    """The schema as an anonymous caller reads it, or (staff) the staff operations it hides from them.

    Loaded at import time (the schema needs no database): schemathesis 4.32's fixture-based lazy schema
    reads a pytest internal that pytest 9 removed. No staff token exists yet, so the staff operations come
    from the generator itself (as `manage.py spectacular` writes it), run against the same application.
    """
    if staff:
        from moviesite.api_schema import SchemaGenerator

        document = OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True))
        schema = schemathesis.openapi.from_dict(json.loads(document)).include(path_regex="^/api/staff/")
        schema.app = application
    else:
        schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    schema.config.generation.update(
        max_examples=MAX_EXAMPLES, deterministic=True, database="none",
        with_security_parameters=security_parameters,
    )
    return schema


def _call_and_validate(case, *, token: str | None = None) -> None:
    headers = {"Authorization": f"Token {token}"} if token else None
    case.call_and_validate(headers=headers, checks=CHECKS,
                           excluded_checks=RULES_BEYOND_THE_SCHEMA.get(case.operation.label, []))


# Anonymous requests carry generated Authorization headers too: a malformed token must be a 401, never a 500.
anonymous = _schema(security_parameters=True)
signed_in = _schema(security_parameters=False)
staff_only = _schema(security_parameters=False, staff=True)


@pytest.mark.timeout(120)
@anonymous.parametrize()
@ONE_WORLD_PER_OPERATION
def test_it_answers_anonymous_requests_without_server_errors_and_as_documented(case, api_world, wsgi_app):
    _call_and_validate(case)


@pytest.mark.timeout(120)
@signed_in.parametrize()
@ONE_WORLD_PER_OPERATION
def test_it_answers_a_viewer_without_server_errors_and_as_documented(case, api_world, wsgi_app):
    _call_and_validate(case, token=api_world["viewer"])


@pytest.mark.timeout(120)
@staff_only.parametrize()
@ONE_WORLD_PER_OPERATION
def test_it_answers_staff_without_server_errors_and_as_documented(case, api_world, wsgi_app):
    _call_and_validate(case, token=api_world["staff"])
