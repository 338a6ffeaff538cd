from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["", "?q=viewer", "?is_staff__exact=0"])
def test_the_user_changelist_renders_with_search_and_filters(admin_client, user, other_user, query):
    assert admin_client.get(f"/admin/auth/user/{query}").status_code == 200


def test_a_user_page_renders(admin_client, user):
    assert admin_client.get(f"/admin/auth/user/{user.pk}/change/").status_code == 200


def test_api_tokens_are_listed(admin_client, user):
    from rest_framework.authtoken.models import Token

    Token.objects.create(user=user)

    assert admin_client.get("/admin/authtoken/tokenproxy/").status_code == 200


def test_the_admin_index_lists_every_managed_model(admin_client):
    html = admin_client.get("/admin/").content.decode()

    for name in ["Movies", "Genres", "Dataset imports", "Ratings", "Model versions", "Users"]:
        assert name in html
