"""Content-Security-Policy on every page: scripts from this site's own files only, no inline script at all."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>")


def _directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


@pytest.fixture
def staff_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_user(username="staffer", password="a-long-test-password",
                                                             is_staff=True))
    return client


@pytest.mark.parametrize("path", ["/", "/movies/", "/accounts/login/", "/accounts/signup/", "/movies/{movie}/"])
def test_pages_allow_scripts_from_this_site_only_and_carry_none_inline(client, movie, path):
    response = client.get(path.format(movie=movie.pk))

    directives = _directives(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"] and directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"] and directives["base-uri"] == ["'none'"]
    assert not INLINE_SCRIPT.search(response.content.decode())


@pytest.mark.parametrize("path", ["/staff/", "/admin/", "/admin/catalog/movie/"])
def test_staff_pages_carry_the_policy_and_no_inline_script(staff_client, path):
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(username="staffer").update(is_superuser=True)
    response = staff_client.get(path)

    assert response.status_code == 200 and _directives(response)["script-src"] == ["'self'"]
    assert not INLINE_SCRIPT.search(response.content.decode())


def test_the_api_docs_load_their_script_from_a_url_not_inline(client):
    response = client.get("/api/docs/")

    html = response.content.decode()
    assert response.status_code == 200 and _directives(response)["script-src"] == ["'self'"]
    assert re.search(r'<script src="[^"]*\?[^"]*script=', html)
    assert not INLINE_SCRIPT.search(html)


def test_api_json_answers_carry_the_policy_too(api_client):
    assert "default-src 'self'" in api_client.get("/api/genres/")["Content-Security-Policy"]
