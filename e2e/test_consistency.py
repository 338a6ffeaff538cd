"""A movie page tells one story after a rating, without a reload: counts, histogram and prediction agree."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from e2e.conftest import DESKTOP, PASSWORD, PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


@pytest.mark.parametrize("viewport", [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")])
def test_rating_a_movie_updates_its_counts_and_histogram_and_hides_the_prediction(
    live_server, transactional_db, django_user_model, new_context, screenshot, viewport
):
    from catalog.models import Movie
    from ratings.services import rating_upsert

    movie = Movie.objects.create(title="Lighthouse Keeper, The", year=1994)
    for i, score in enumerate((3.0, 3.0, 5.0)):
        rating_upsert(user=django_user_model.objects.create(username=f"fan{i}", password="!"), movie=movie,
                      score=score)
    django_user_model.objects.create_user(username="member", password=PASSWORD)
    page = new_context(viewport).new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("member")
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/movies/{movie.pk}/")
    caption = page.locator(".histogram__caption")
    expect(caption).to_have_text("How 3 viewers rated it")
    expect(page.locator("[data-predicted]")).to_be_visible()

    page.locator("[data-rating-widget] .stars__star").nth(8).click()  # 4.5 stars

    expect(page.locator("[data-rating-status]")).to_contain_text("Saved")
    expect(caption).to_have_text("How 4 viewers rated it")
    expect(page.locator(f'dd[data-movie-count="{movie.pk}"]')).to_have_text("4")
    expect(page.locator('[data-score="4.5"] [data-bar-label]')).to_have_text("4.5 stars: 1 rating")
    expect(page.locator("[data-predicted]")).to_be_hidden()
    screenshot(page, "movie-rated")

    page.get_by_role("button", name=re.compile("^Undo")).click()  # back to unrated

    expect(caption).to_have_text("How 3 viewers rated it")
    expect(page.locator('[data-score="4.5"] [data-bar-label]')).to_have_text("4.5 stars: 0 ratings")
    expect(page.locator("[data-predicted]")).to_be_visible()
    page.reload()
    expect(caption).to_have_text("How 3 viewers rated it")
