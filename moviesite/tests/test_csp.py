"""Content-Security-Policy on every page: scripts from this site only, plus base.html's one nonce'd line."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def _directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


@pytest.mark.parametrize("path", ["/", "/movies/", "/accounts/login/", "/accounts/signup/", "/movies/{movie}/"])
def test_pages_allow_only_this_sites_scripts_and_the_nonced_inline_one(client, movie, path):
    response = client.get(path.format(movie=movie.pk))

    directives = _directives(response)
    nonce = re.search(r"'nonce-([^']+)'", " ".join(directives["script-src"])).group(1)
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
    assert directives["default-src"] == ["'self'"] and directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    html = response.content.decode()
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline and all(f'nonce="{nonce}"' in attributes for attributes in inline)


def test_each_response_gets_a_new_nonce(client):
    first, second = (re.search(r"'nonce-([^']+)'", client.get("/movies/")["Content-Security-Policy"]).group(1)
                     for _ in range(2))

    assert first != second


def test_the_api_docs_load_their_script_from_a_url_not_inline(client):
    response = client.get("/api/docs/")

    html = response.content.decode()
    assert response.status_code == 200 and "Content-Security-Policy" in response
    assert re.search(r'<script src="[^"]*\?[^"]*script=', html)
    assert not re.search(r"<script>\s*\S", html)


def test_api_json_answers_carry_the_policy_too(api_client):
    assert "default-src 'self'" in api_client.get("/api/genres/")["Content-Security-Policy"]
