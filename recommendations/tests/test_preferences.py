"""A viewer's saved discover mix and list layout: the API, the page form, and what they change."""
from __future__ import annotations

import pytest
from django.urls import reverse

from ratings.services import rating_upsert
from recommendations import services
from recommendations.models import ViewerPreferences

pytestmark = pytest.mark.django_db

PREFS = "/api/preferences/"
RECS = "/api/recommendations/"


def test_a_viewer_reads_and_changes_their_preferences_through_the_api(api_client, user):
    api_client.force_authenticate(user)
    assert api_client.get(PREFS).json() == {"discover": 0.5, "layout": "cards"}

    response = api_client.patch(PREFS, {"discover": 0.75}, format="json")

    assert response.status_code == 200
    assert response.json() == {"discover": 0.75, "layout": "cards"}
    assert ViewerPreferences.objects.get(user=user).discover == 0.75


@pytest.mark.parametrize(
    ("body", "field"),
    [({"discover": 1.5}, "discover"), ({"discover": -0.1}, "discover"), ({"discover": "lots"}, "discover"),
     ({"discover": "NaN"}, "discover"), ({"discover": True}, "discover"), ({"layout": "mosaic"}, "layout")],
)
def test_bad_preferences_are_a_400_naming_the_field(api_client, user, body, field):
    api_client.force_authenticate(user)

    response = api_client.patch(PREFS, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not ViewerPreferences.objects.filter(user=user).exists()


def test_the_preferences_api_takes_json_only(api_client, user):
    api_client.force_authenticate(user)
    assert api_client.patch(PREFS, {"discover": "1"}, format="multipart").status_code == 415


def test_preferences_need_a_signed_in_viewer(api_client):
    assert api_client.get(PREFS).status_code == 401


@pytest.mark.parametrize("value", ["2", "-1", "abc", "nan", "inf", ""])
def test_a_bad_discover_on_the_recommendations_api_is_a_400(api_client, value):
    response = api_client.get(RECS, {"discover": value})

    assert response.status_code == 400
    assert "discover" in response.json()


def test_the_schema_documents_discover_on_the_recommendations_api(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/recommendations/"]["get"]["parameters"]}
    assert parameters["discover"]["schema"]["minimum"] == 0
    assert parameters["discover"]["schema"]["maximum"] == 1
    assert "/api/preferences/" in schema["paths"]


def test_each_discover_setting_is_cached_on_its_own_and_a_rating_drops_them_all(api_client, user, taste_catalog):
    from recommendations import cache as rec_cache

    sci_fi, romance = taste_catalog
    version = services.model_train()
    for movie in sci_fi[:5]:
        rating_upsert(user=user, movie=movie, score=5)
    api_client.force_authenticate(user)

    for value in ("0", "1"):
        assert api_client.get(RECS, {"discover": value, "n": 5}).json()["personalized"] is True
    assert rec_cache.user_recommendations_get(version_id=version.pk, user_id=user.pk, discover=0.0)
    assert rec_cache.user_recommendations_get(version_id=version.pk, user_id=user.pk, discover=1.0)

    services.user_recommendations_invalidate(user_id=user.pk)
    assert rec_cache.user_recommendations_get(version_id=version.pk, user_id=user.pk, discover=1.0) is None


def test_without_a_parameter_the_api_serves_the_viewers_saved_setting(api_client, user, taste_catalog):
    sci_fi, romance = taste_catalog
    services.model_train()
    for movie in sci_fi[:5]:
        rating_upsert(user=user, movie=movie, score=5)
    api_client.force_authenticate(user)
    api_client.patch(PREFS, {"discover": 1.0}, format="json")

    saved = api_client.get(RECS, {"n": 5}).json()["results"]
    explicit = api_client.get(RECS, {"n": 5, "discover": 1}).json()["results"]

    assert [p["movie"]["id"] for p in saved] == [p["movie"]["id"] for p in explicit]


def test_the_home_page_form_saves_the_mix_without_scripts_and_redirects_back(client, user):
    client.force_login(user)

    response = client.post(reverse("preferences"), {"discover": "0.25", "next": "/#top-picks"})

    assert response.status_code == 302 and response["Location"] == "/#top-picks"
    assert ViewerPreferences.objects.get(user=user).discover == 0.25
    page = client.get(reverse("home")).content.decode()
    assert 'value="0.25" checked' in page


def test_the_page_form_refuses_a_bad_value_and_an_outside_redirect(client, user):
    client.force_login(user)

    bad = client.post(reverse("preferences"), {"discover": "7"}, HTTP_ACCEPT="application/json")
    assert bad.status_code == 400 and "discover" in bad.json()["errors"]

    outside = client.post(reverse("preferences"), {"layout": "list", "next": "https://elsewhere.example/"})
    assert outside.status_code == 302 and outside["Location"] == reverse("home")


def test_a_saved_list_layout_marks_every_page_of_that_viewer(client, user):
    client.force_login(user)
    client.post(reverse("preferences"), {"layout": "list"}, HTTP_ACCEPT="application/json")

    page = client.get(reverse("movie-list")).content.decode()

    assert '<html lang="en" data-layout="list" data-layout-saved>' in page
    assert 'value="list" class="layout-toggle__button" aria-pressed="true"' in page


def test_the_top_picks_fragment_is_for_signed_in_viewers(client, user):
    assert client.get(reverse("home-top-picks")).status_code == 302
    client.force_login(user)
    response = client.get(reverse("home-top-picks"))
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
