"""A member looking after their account, and a new viewer's onboarding, in a real browser at desktop and phone sizes.

Password-reset mail goes to Django's test outbox (the live server runs in this process with the locmem backend).
"""
from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from e2e.conftest import DESKTOP, PASSWORD, PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

NEW_PASSWORD = "another-long-e2e-passphrase"
SIZES = [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")]


def shot(screenshot, page: Page, name: str) -> None:
    """A screenshot, after checking the page fits its width (no sideways scrolling at phone size)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{name} is {width}px wide"
    screenshot(page, name)


@pytest.fixture
def member(transactional_db, django_user_model):
    return django_user_model.objects.create_user(username="member", email="member@example.com", password=PASSWORD)


def log_in(page: Page, base: str, password: str = PASSWORD) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Username").fill("member")
    page.get_by_label(re.compile(r"^Password:?$")).fill(password)
    page.get_by_role("button", name="Log in").click()


def header_menu_open(page: Page) -> None:
    """At phone width the header's links sit behind the Menu button."""
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible() and menu.get_attribute("aria-expanded") != "true":
        menu.click()


def open_account(page: Page) -> None:
    header_menu_open(page)
    page.get_by_role("link", name="Account", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Account")


@pytest.mark.parametrize("viewport", SIZES)
def test_a_forgotten_password_is_reset_by_email_and_the_new_one_logs_in(
    live_server, member, new_context, screenshot, viewport
):
    page = new_context(viewport).new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("link", name="Forgot password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    shot(screenshot, page, "password-reset")
    page.get_by_label("Email").fill("member@example.com")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["member@example.com"]
    link = re.search(r"https?://\S+/accounts/reset/\S+/", mail.outbox[0].body).group(0)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set a new password")
    shot(screenshot, page, "password-reset-confirm")
    page.get_by_label(re.compile(r"^New password:?$")).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your password was changed")

    page.locator("main").get_by_role("link", name="Log in").click()
    log_in(page, live_server.url, NEW_PASSWORD)
    expect(page.locator(".account__name")).to_have_text("member")


@pytest.mark.parametrize("viewport", SIZES)
def test_a_member_changes_their_password(live_server, member, new_context, screenshot, viewport):
    page = new_context(viewport).new_page()
    log_in(page, live_server.url)
    open_account(page)
    shot(screenshot, page, "account")

    page.get_by_role("link", name="Change password").click()
    page.get_by_label("Old password").fill(PASSWORD)
    page.get_by_label(re.compile(r"^New password:?$")).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    shot(screenshot, page, "password-change")
    page.get_by_role("button", name="Change password").click()

    expect(page.locator(".messages")).to_contain_text("Your password was changed.")
    header_menu_open(page)
    page.get_by_role("button", name="Log out").click()
    log_in(page, live_server.url, PASSWORD)
    expect(page.locator(".errorlist, .message--error").first).to_be_visible()  # the old one no longer works
    log_in(page, live_server.url, NEW_PASSWORD)
    expect(page.locator(".account__name")).to_have_text("member")


@pytest.mark.parametrize("viewport", SIZES)
def test_a_member_sees_and_rotates_their_api_token(live_server, member, new_context, screenshot, viewport):
    from rest_framework.authtoken.models import Token

    page = new_context(viewport).new_page()
    log_in(page, live_server.url)
    open_account(page)
    page.get_by_role("link", name="API token").click()
    page.get_by_role("button", name="Create a token").click()
    first = page.locator("[data-api-token]").inner_text()
    assert first == Token.objects.get(user=member).key
    expect(page.locator("pre")).to_contain_text(f'Authorization: Token {first}')
    shot(screenshot, page, "api-token")

    page.get_by_role("button", name="Rotate token").click()

    expect(page.locator(".messages")).to_contain_text("the old one no longer works")
    second = page.locator("[data-api-token]").inner_text()
    assert second != first and second == Token.objects.get(user=member).key
    # The API answers the new token and refuses the old one.
    api = page.context.request
    assert api.get(live_server.url + "/api/ratings/", headers={"Authorization": f"Token {second}"}).status == 200
    assert api.get(live_server.url + "/api/ratings/", headers={"Authorization": f"Token {first}"}).status == 401


@pytest.mark.parametrize("viewport", SIZES)
def test_a_member_deletes_their_account(live_server, member, new_context, screenshot, viewport, django_user_model):
    from catalog.models import Movie
    from ratings.models import Rating
    from ratings.services import rating_upsert

    movie = Movie.objects.create(title="Lighthouse Keeper, The", year=1994)
    rating_upsert(user=member, movie=movie, score=4.5)
    page = new_context(viewport).new_page()
    log_in(page, live_server.url)
    open_account(page)
    page.get_by_role("link", name="Delete account").click()
    expect(page.locator("main")).to_contain_text("1 rating")
    shot(screenshot, page, "account-delete")

    page.get_by_label("Your password").fill("not-my-password")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.locator(".errorlist")).to_contain_text("That is not your password")
    assert django_user_model.objects.filter(pk=member.pk).exists()

    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account").click()

    expect(page).to_have_url(live_server.url + "/")
    expect(page.locator(".messages")).to_contain_text("Your account, ratings and lists were deleted.")
    expect(page.get_by_role("link", name="Log in").first).to_be_visible()
    assert not django_user_model.objects.filter(pk=member.pk).exists()
    assert not Rating.objects.filter(movie=movie).exists()
    movie.refresh_from_db()
    assert movie.rating_count == 0
    log_in(page, live_server.url)
    expect(page.locator(".errorlist, .message--error").first).to_be_visible()


@pytest.fixture
def well_known_films(transactional_db):
    """40 rated films over five genres (onboarding offers films that have ratings)."""
    from catalog.models import Genre, Movie

    genres = [Genre.objects.create(name=name) for name in ("Comedy", "Drama", "Horror", "Sci-Fi", "Western")]
    for i in range(40):
        movie = Movie.objects.create(title=f"Known Film {i:02}", year=1950 + (i * 7) % 70, rating_count=400 - i,
                                     rating_sum=(400 - i) * 3.5, rating_mean=3.5)
        movie.genres.add(genres[i % len(genres)])


def card_ids(page: Page) -> list[str]:
    return page.locator("[data-onboarding-card]").evaluate_all("cards => cards.map(c => c.dataset.movie)")


@pytest.mark.parametrize("viewport", SIZES)
def test_onboarding_replaces_a_film_not_seen_and_stops_counting_at_the_goal(
    live_server, member, well_known_films, new_context, screenshot, viewport
):
    page = new_context(viewport).new_page()
    log_in(page, live_server.url)
    page.goto(live_server.url + "/start/")
    cards = page.locator("[data-onboarding-card]")
    before = card_ids(page)
    assert len(before) == 18

    # "Haven't seen it" by keyboard: another film takes the card's place, no reload, focus on its title.
    skipped = cards.nth(2).locator(".card__title").inner_text()
    page.evaluate("window.notReloaded = true")
    cards.nth(2).get_by_role("button", name=re.compile("Haven’t seen it")).focus()
    page.keyboard.press("Enter")
    expect(page.locator("[data-onboarding-card] .card__title", has_text=re.compile(f"^{skipped}$"))).to_have_count(0)
    after = card_ids(page)
    assert len(after) == 18 and after[:2] == before[:2] and after[3:] == before[3:]
    assert after[2] not in before
    assert page.evaluate("window.notReloaded") is True
    new_title = cards.nth(2).locator(".card__title")
    expect(new_title).to_be_focused()
    shot(screenshot, page, "onboarding-replaced")

    # The new card works like the others: Tab reaches its stars, and a rating counts.
    page.keyboard.press("Tab")
    expect(cards.nth(2).locator("input[name=score]").first).to_be_focused()
    page.keyboard.press("Space")
    for _ in range(7):
        page.keyboard.press("ArrowRight")
    expect(cards.nth(2).locator("[data-rating-status]")).to_contain_text("Saved")
    expect(page.locator(".onboarding__count")).to_contain_text("1 of 10 rated")

    # Thirteen ratings in all: the counter stops at "10 of 10 rated" and says the picks are ready.
    for i in [n for n in range(13) if n != 2]:
        cards.nth(i).locator(".stars__star").nth(7).click()
        expect(cards.nth(i).locator("[data-rating-status]")).to_contain_text("Saved")
    expect(page.locator(".onboarding__count")).to_have_text("10 of 10 rated — done: your picks are ready")
    assert page.locator("[data-progress-bar]").evaluate("bar => bar.value") == 10
    done = page.get_by_role("link", name=re.compile("See my picks"))
    expect(done).to_be_visible()
    shot(screenshot, page, "onboarding-done")

    page.reload()
    expect(page.locator(".onboarding__count")).to_have_text("10 of 10 rated — done: your picks are ready")
    page.get_by_role("link", name=re.compile("See my picks")).click()
    expect(page).to_have_url(live_server.url + "/")
