"""Finding films and steering picks in a real browser: header search with keyboard suggestions, the phone
menu, the cards/list toggle remembered, title cards told apart, the familiar ↔ discover control."""
from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from e2e.conftest import DESKTOP, PASSWORD, SlowFirstSave
from e2e.test_site_sweep import PHONE_375, session_cookie

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]


def signed_in(new_context, live_server, viewport, username="browser"):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    context = new_context(viewport)
    context.add_cookies(session_cookie(live_server, user))
    return user, context


def test_header_search_suggests_titles_and_the_keyboard_opens_one(live_server, catalogue, new_context, screenshot):
    page = new_context(DESKTOP).new_page()
    page.goto(live_server.url)
    box = page.get_by_role("combobox", name="Search movies")
    box.press_sequentially("lighth", delay=30)
    listbox = page.get_by_role("listbox", name="Suggested movies")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(listbox.get_by_role("option").first).to_contain_text(catalogue.target_title)
    screenshot(page, "search-suggestions")

    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "site-search-option-0")
    expect(listbox.get_by_role("option").first).to_have_attribute("aria-selected", "true")
    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")

    box.press("ArrowDown")  # opens the suggestions again
    expect(listbox).to_be_visible()
    box.press("ArrowDown")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/movies/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(catalogue.target_title)


def test_header_search_without_scripts_is_a_plain_search(live_server, catalogue, new_context):
    page = new_context(DESKTOP, java_script_enabled=False).new_page()
    page.goto(live_server.url)
    page.get_by_role("combobox", name="Search movies").fill("lighthouse keeper")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/movies/\?q=lighthouse\+keeper$"))
    expect(page.locator(".card__title")).to_contain_text([catalogue.target_title])


def test_the_phone_menu_opens_and_closes_from_the_keyboard(live_server, catalogue, new_context, screenshot):
    _, context = signed_in(new_context, live_server, PHONE_375)
    page = context.new_page()
    page.goto(live_server.url)
    menu = page.get_by_role("button", name="Menu")
    watchlist = page.get_by_role("link", name="Watchlist")
    expect(watchlist).to_be_hidden()
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")

    menu.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(watchlist).to_be_visible()
    for name in ("Home", "Movies", "My ratings", "API docs"):
        expect(page.get_by_role("navigation", name="Main").get_by_role("link", name=name)).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
    screenshot(page, "phone-menu-open")

    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    expect(watchlist).to_be_hidden()


def test_the_list_layout_is_remembered_for_visitors_and_viewers(live_server, catalogue, new_context, screenshot):
    # A visitor: kept in this browser.
    page = new_context(DESKTOP).new_page()
    page.goto(live_server.url + "/movies/")
    expect(page.locator(".card .poster").first).to_be_visible()
    list_button = page.get_by_role("button", name="List", exact=True)
    list_button.focus()
    page.keyboard.press("Enter")
    expect(list_button).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".card .poster").first).to_be_hidden()
    expect(page.locator(".card__genres").first).to_be_visible()
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-layout", "list")
    expect(page.get_by_role("button", name="List", exact=True)).to_have_attribute("aria-pressed", "true")
    screenshot(page, "movies-list-layout")

    # A viewer: saved on the server, so another browser shows it too.
    user, first = signed_in(new_context, live_server, DESKTOP)
    page = first.new_page()
    page.goto(live_server.url + "/movies/")
    page.get_by_role("button", name="List", exact=True).click()
    expect(page.locator("html")).to_have_attribute("data-layout", "list")
    other = new_context(PHONE_375)
    other.add_cookies(session_cookie(live_server, user))
    elsewhere = other.new_page()
    elsewhere.goto(live_server.url)
    expect(elsewhere.locator("html")).to_have_attribute("data-layout", "list")
    expect(elsewhere.locator('[data-section="popular"] .card__genres').first).to_be_visible()
    assert elsewhere.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
    screenshot(elsewhere, "home-list-layout")


def test_title_cards_tell_the_three_lord_of_the_rings_films_apart(live_server, catalogue, new_context, screenshot):
    from catalog.models import Genre, Movie

    fantasy = Genre.objects.create(name="Fantasy")
    films = [("Lord of the Rings: The Fellowship of the Ring, The", 2001),
             ("Lord of the Rings: The Two Towers, The", 2002),
             ("Lord of the Rings: The Return of the King, The", 2003)]
    for title, year in films:
        Movie.objects.create(title=title, year=year, rating_count=50, rating_mean=4.2).genres.add(fantasy)
    page = new_context(DESKTOP).new_page()
    page.goto(live_server.url + "/movies/?q=lord+of+the+rings")
    cards = page.locator(".poster--card")
    expect(cards).to_have_count(3)
    titles = cards.locator(".poster__title").all_inner_texts()
    assert sorted(t.lower() for t in titles) == ["the fellowship of the ring", "the return of the king",
                                                 "the two towers"]
    assert all(k.lower() == "the lord of the rings" for k in cards.locator(".poster__kicker").all_inner_texts())
    assert sorted(cards.locator(".poster__year").all_inner_texts()) == ["2001", "2002", "2003"]
    colours = {cards.nth(i).evaluate("e => getComputedStyle(e).backgroundColor") for i in range(3)}
    assert len(colours) == 3, colours
    assert not page.locator(".poster__initials").count()
    screenshot(page, "lord-of-the-rings-title-cards")


def test_the_discover_control_swaps_the_picks_without_a_reload(live_server, catalogue, new_context, screenshot):
    """Arrowing across the control fires a change per step. The first step's save is held back here
    until the viewer has moved on: the step they stopped at must be the one kept, not the one whose
    save happened to land last (CI once kept "Explore" that way)."""
    from django.urls import reverse

    from catalog.models import Movie
    from ratings.models import Rating
    from recommendations.models import ViewerPreferences

    user, context = signed_in(new_context, live_server, DESKTOP)
    for movie in Movie.objects.filter(genres__name="Sci-Fi").order_by("id")[:6]:
        Rating.objects.create(user=user, movie=movie, score=5.0)
    for movie in Movie.objects.filter(genres__name="Romance").exclude(genres__name="Sci-Fi").order_by("id")[:4]:
        Rating.objects.create(user=user, movie=movie, score=1.5)
    page = context.new_page()
    page.goto(live_server.url)
    picks = page.locator('[data-section="top-picks"] .card__title')
    expect(picks.first).to_be_visible()
    page.evaluate("() => { window.notReloaded = true; }")
    balanced = picks.all_inner_texts()
    expect(page.get_by_role("radio", name="Balanced")).to_be_checked()

    saves = SlowFirstSave(page, live_server.url + reverse("preferences"))

    page.get_by_role("radio", name="Balanced").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")  # to "Discover"
    expect(page.get_by_role("radio", name="Discover")).to_be_checked()
    page.wait_for_timeout(400)  # room for a second save to overtake the held first one
    saves.release()
    expect(page.locator("[data-discover-status]")).to_have_text("Picks updated: Discover.")
    saves.wait_until_all_answered()
    assert page.evaluate("() => window.notReloaded === true"), "the page reloaded"
    discover = picks.all_inner_texts()
    assert discover != balanced
    assert ViewerPreferences.objects.get(user=user).discover == 1.0
    screenshot(page, "home-discover")

    page.reload()
    expect(page.get_by_role("radio", name="Discover")).to_be_checked()
    assert picks.all_inner_texts() == discover
