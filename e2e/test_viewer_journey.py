"""A new viewer's first minutes, in a real browser: sign up, onboard, get picks, search, rate, hide."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from e2e.conftest import DESKTOP, PASSWORD, PHONE, TASTES

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

LIKED = TASTES[0]  # the new viewer loves Sci-Fi, Thriller and Horror and dislikes the rest


def card_titles(page: Page, section: str) -> list[str]:
    return page.locator(f'[data-section="{section}"] .card__title').all_inner_texts()


def wait_saved(card: Locator) -> None:
    expect(card.locator("[data-rating-status]")).to_contain_text("Saved")


def rate_by_keyboard(card: Locator, stars: float) -> None:
    """Focus the first half star, Space checks 0.5, each ArrowRight adds half a star."""
    card.locator("input[name=score]").first.focus()
    card.page.keyboard.press("Space")
    for _ in range(int(stars * 2) - 1):
        card.page.keyboard.press("ArrowRight")
    wait_saved(card)


def rate_by_mouse(card: Locator, stars: float) -> None:
    card.locator(".stars__star").nth(int(stars * 2) - 1).click()
    wait_saved(card)


def test_a_new_viewer_signs_up_onboards_gets_picks_searches_rates_and_hides(
    live_server, catalogue, new_context, screenshot
):
    page = new_context(DESKTOP).new_page()

    # A visitor sees the popular films.
    page.goto(live_server.url)
    anonymous_popular = card_titles(page, "popular")
    assert len(anonymous_popular) == 10

    # Sign up: the new account lands on onboarding.
    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("Username").fill("newviewer")
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(re.compile(r"/start/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Rate a few movies to get started")
    expect(page.locator(".onboarding__count")).to_contain_text("0 of 10 rated")
    screenshot(page, "onboarding")

    # "Haven't seen it" takes a film away without a reload.
    cards = page.locator("[data-onboarding-card]")
    skipped = cards.first.locator(".card__title").inner_text()
    cards.first.get_by_role("button", name=re.compile("Haven’t seen it")).click()
    expect(page.locator("[data-onboarding-card] .card__title", has_text=re.compile(f"^{skipped}$"))).to_have_count(0)

    # Ten ratings, five by keyboard and five by mouse: loved genres 5 stars, the rest 1.5.
    for i in range(10):
        card = cards.nth(i)
        title = card.locator(".card__title").inner_text()
        stars = 5.0 if catalogue.genre_of[title] in LIKED else 1.5
        (rate_by_keyboard if i < 5 else rate_by_mouse)(card, stars)
        expect(page.locator(".onboarding__count")).to_contain_text(f"{i + 1} of 10 rated")
        if i == 4:
            screenshot(page, "onboarding-halfway")
    expect(page.locator(".onboarding__count")).to_contain_text("your picks are ready")

    # Home: personal picks with predicted stars, not the anonymous popular list.
    page.get_by_role("link", name=re.compile("See my picks")).click()
    expect(page.get_by_role("heading", name="Top picks for you")).to_be_visible()
    picks = card_titles(page, "top-picks")
    assert len(picks) >= 5
    assert picks != anonymous_popular[: len(picks)]
    assert sum(catalogue.genre_of[t] in LIKED for t in picks[:5]) >= 3, picks  # most follow the taste
    expect(page.locator('[data-section="top-picks"] .card__predicted').first).to_contain_text("predicted for you")
    screenshot(page, "home")

    # Search with a typo finds the film; rate it from its page.
    page.get_by_role("link", name="Movies", exact=True).click()
    page.get_by_label("Search titles").fill("the lighthose keeper")
    page.get_by_role("button", name="Show movies").click()
    expect(page.locator(".callout")).to_contain_text("closest matches")
    page.get_by_role("link", name=catalogue.target_title).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("The Lighthouse Keeper")
    widget = page.locator("[data-rating-widget]")
    rate_by_mouse(widget, 4.0)
    expect(widget.get_by_role("button", name="Undo")).to_be_visible()
    expect(page.locator('[data-movie-count]')).to_have_text("1")
    screenshot(page, "movie")

    # The rating is in My ratings.
    page.get_by_role("link", name="My ratings").click()
    expect(page.locator(".page-title + p")).to_contain_text("11 movies rated")
    item = page.locator(".rating-item", has_text=catalogue.target_title)
    expect(item.locator('input[value="4.0"]')).to_be_checked()

    # "Not interested" on a pick: gone at once, with undo, and it does not come back.
    page.goto(live_server.url)
    first = page.locator('[data-section="top-picks"] li').first
    hidden_title = first.locator(".card__title").inner_text()
    first.get_by_role("button", name=f"Not interested in {hidden_title}").click()
    expect(first.get_by_role("status")).to_contain_text("will not be recommended")
    expect(first.get_by_role("button", name="Undo")).to_be_focused()
    page.reload()
    expect(page.get_by_role("heading", name="Top picks for you")).to_be_visible()
    assert hidden_title not in page.locator("main .card__title").all_inner_texts()
    page.get_by_role("link", name="Watchlist").click()
    page.get_by_role("link", name=re.compile("not interested in")).click()
    expect(page.locator(".rating-item")).to_contain_text(hidden_title)

    # The same pages at phone width.
    phone = new_context(PHONE, storage_state=page.context.storage_state()).new_page()
    for path, name in (("/start/", "onboarding"), ("/", "home")):
        phone.goto(live_server.url + path)
        screenshot(phone, name)
    phone.goto(live_server.url + "/movies/?q=lighthouse")
    phone.get_by_role("link", name=catalogue.target_title).click()
    screenshot(phone, "movie")


def test_watchlist_rating_and_hiding_work_with_javascript_off(live_server, catalogue, new_context, django_user_model):
    django_user_model.objects.create_user(username="plainviewer", password=PASSWORD)
    page = new_context(DESKTOP, java_script_enabled=False).new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("plainviewer")
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # Rate on onboarding with a plain form POST: the page reloads with the progress counted.
    page.goto(live_server.url + "/start/")
    card = page.locator("[data-onboarding-card]").first
    title = card.locator(".card__title").inner_text()
    card.locator(".stars__star").nth(7).click()
    card.get_by_role("button", name="Save rating").click()
    expect(page.locator(".messages")).to_contain_text(f"You rated {title} 4.0")
    expect(page.locator(".onboarding__count")).to_contain_text("1 of 10 rated")

    # Watchlist from a card, then hide the first pick: each a POST and a redirect back.
    page.goto(live_server.url)
    first = page.locator('[data-section="top-picks"] li').first
    picked = first.locator(".card__title").inner_text()
    first.get_by_role("button", name=f"Watchlist: {picked}").click()
    expect(page.locator(".messages")).to_contain_text(f"{picked} is on your watchlist")
    assert picked not in card_titles(page, "top-picks"), "watch-listed films leave the picks"

    first = page.locator('[data-section="top-picks"] li').first
    hidden = first.locator(".card__title").inner_text()
    first.get_by_role("button", name=f"Not interested in {hidden}").click()
    expect(page.locator(".messages")).to_contain_text(f"{hidden} will not be recommended")
    assert hidden not in page.locator("main .card__title").all_inner_texts()

    page.goto(live_server.url + "/ratings/watchlist/")
    expect(page.locator(".rating-item")).to_contain_text(picked)


def test_the_staff_dashboard_and_the_api_docs_run_their_scripts_under_the_security_policy(
    live_server, catalogue, new_context, django_user_model
):
    django_user_model.objects.create_user(username="staffer", password=PASSWORD, is_staff=True)
    page = new_context(DESKTOP).new_page()
    page.goto(live_server.url + "/accounts/login/?next=/staff/")
    page.get_by_label("Username").fill("staffer")
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # dashboard.js polls the status endpoint and marks the panel live.
    expect(page.locator("[data-live-state]")).to_have_text("live")
    expect(page.locator("html")).to_have_class(re.compile(r"\bjs\b"))  # base.html's nonce'd inline script ran

    # Swagger UI renders the schema (its set-up script is a file), staff operations included.
    page.goto(live_server.url + "/api/docs/")
    expect(page.get_by_text("moviesite API").first).to_be_visible()
    expect(page.get_by_text("/api/staff/retrain/").first).to_be_visible()
