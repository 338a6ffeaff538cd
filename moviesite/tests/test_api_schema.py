"""The OpenAPI schema shows each caller what they may do, and documents the errors any operation can answer."""
from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db

STAFF_OPERATIONS = {
    ("/api/staff/model-versions/", "get"), ("/api/staff/model-versions/{id}/activate/", "post"),
    ("/api/staff/retrain/", "post"), ("/api/staff/tasks/{task_id}/", "get"),
}


def _operations(schema: dict) -> set[tuple[str, str]]:
    return {(path, method) for path, operations in schema["paths"].items() for method in operations}


def _schema(client, token: str | None = None) -> dict:
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}
    response = client.get("/api/schema/", {"format": "json"}, **headers)
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_user(username="staffer", password="a-long-test-password", is_staff=True)


def test_anonymous_visitors_and_viewers_are_not_shown_the_staff_operations(api_client, user):
    anonymous = _operations(_schema(api_client))
    viewer = _operations(_schema(api_client, Token.objects.create(user=user).key))

    assert not anonymous & STAFF_OPERATIONS and not viewer & STAFF_OPERATIONS
    assert ("/api/ratings/", "post") in anonymous, "operations needing a token are still documented"
    assert anonymous == viewer


def test_staff_are_shown_the_staff_operations(api_client, staff_user):
    assert STAFF_OPERATIONS <= _operations(_schema(api_client, Token.objects.create(user=staff_user).key))


def test_a_signed_in_staff_browser_sees_them_in_the_docs_schema(client, staff_user, user):
    client.force_login(staff_user)
    assert STAFF_OPERATIONS <= _operations(_schema(client))
    client.force_login(user)
    assert not _operations(_schema(client)) & STAFF_OPERATIONS


def test_every_operation_documents_rate_limits_and_long_urls(api_client):
    for path, operations in _schema(api_client)["paths"].items():
        for method, operation in operations.items():
            assert {"414", "429"} <= set(operation["responses"]), (path, method)


def test_operations_taking_a_token_document_401_and_those_with_ids_or_pages_404(api_client):
    paths = _schema(api_client)["paths"]

    assert "401" in paths["/api/ratings/"]["get"]["responses"]
    assert "401" in paths["/api/movies/"]["get"]["responses"], "a wrong token is a 401 even where none is needed"
    assert "401" not in paths["/api/auth/token/"]["post"]["responses"], "the token endpoint reads no token"
    assert "404" in paths["/api/ratings/{movie_id}/"]["put"]["responses"]
    assert "404" in paths["/api/movies/"]["get"]["responses"], "a page past the last one"
    assert paths["/api/ratings/"]["get"]["responses"]["401"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorDetail"}
