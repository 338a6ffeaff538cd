"""A movie page tells one story after a rating, without a reload: counts, histogram and prediction agree,
and the last of several quick choices is the one kept."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from e2e.conftest import DESKTOP, PASSWORD, PHONE, SlowFirstSave

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


def member_on_a_rated_movie(live_server, django_user_model, context):
    """A movie three fans rated (3, 3 and 5 stars) and a signed-in member on its page, yet to rate it."""
    from catalog.models import Movie
    from ratings.services import rating_upsert

    movie = Movie.objects.create(title="Lighthouse Keeper, The", year=1994)
    for i, score in enumerate((3.0, 3.0, 5.0)):
        rating_upsert(user=django_user_model.objects.create(username=f"fan{i}", password="!"), movie=movie,
                      score=score)
    member = django_user_model.objects.create_user(username="member", password=PASSWORD)
    page = context.new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("member")
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/movies/{movie.pk}/")
    return member, movie, page


@pytest.mark.parametrize("viewport", [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")])
def test_rating_a_movie_updates_its_counts_and_histogram_and_hides_the_prediction(
    live_server, transactional_db, django_user_model, new_context, screenshot, viewport
):
    _, movie, page = member_on_a_rated_movie(live_server, django_user_model, new_context(viewport))
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


def test_a_second_choice_made_while_the_first_is_saving_is_the_one_kept(
    live_server, transactional_db, django_user_model, new_context, screenshot
):
    """On a slow connection the viewer picks 3 stars, then 4.5 before the first save has answered. The
    first save is held back here until the second choice is made; 4.5 must be what is kept and shown."""
    from django.urls import reverse

    from ratings.models import Rating

    member, movie, page = member_on_a_rated_movie(live_server, django_user_model, new_context(DESKTOP))

    saves = SlowFirstSave(page, live_server.url + reverse("rating-upsert", args=[movie.pk]))
    stars = page.locator("[data-rating-widget] .stars__star")

    stars.nth(5).click()  # 3 stars; its save is held
    page.wait_for_timeout(700)  # past the widget's pause before saving
    stars.nth(8).click()  # 4.5 stars
    page.wait_for_timeout(700)  # room for a second save to overtake the first
    saves.release()

    expect(page.locator("[data-rating-status]")).to_have_text("Saved: 4.5 out of 5.")
    saves.wait_until_all_answered()
    assert Rating.objects.get(user=member, movie=movie).score == 4.5
    expect(page.locator(".histogram__caption")).to_have_text("How 4 viewers rated it")
    expect(page.locator('[data-score="4.5"] [data-bar-label]')).to_have_text("4.5 stars: 1 rating")
    expect(page.locator('[data-score="3.0"] [data-bar-label]')).to_have_text("3.0 stars: 2 ratings")
    page.reload()
    expect(page.locator("[data-rating-widget] input[name=score]:checked")).to_have_value("4.5")
