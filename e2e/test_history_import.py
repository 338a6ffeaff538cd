"""Bring your history in a real browser: upload an export, check the preview, choose, confirm, see My ratings."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import DESKTOP, PASSWORD, PHONE
from ratings.tests.history_samples import LETTERBOXD_EMMA_LINE, SAMPLES

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


@pytest.fixture
def films(transactional_db) -> dict[int, int]:
    from ratings.tests.history_samples import catalogue_create

    return catalogue_create()


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def no_horizontal_overflow(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_viewer_imports_a_letterboxd_export_after_choosing_an_ambiguous_film(
    live_server, films, new_context, screenshot, django_user_model, viewport
):
    from ratings.models import Rating

    username = f"importer{viewport['width']}"
    django_user_model.objects.create_user(username=username, password=PASSWORD)
    page = new_context(viewport).new_page()
    log_in(page, live_server.url, username)

    # From My ratings to the import page.
    page.goto(live_server.url + "/ratings/")
    page.get_by_role("link", name="Import from Letterboxd or IMDb").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bring your ratings from Letterboxd or IMDb")
    assert no_horizontal_overflow(page)
    screenshot(page, "history-import")

    # A wrong file: a clear message, the field marked invalid, still on the upload page.
    page.get_by_label("Your export file (CSV)").set_input_files(str(SAMPLES / "poster.png"))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("alert")).to_contain_text("This is not a CSV file")
    expect(page.get_by_label("Your export file (CSV)")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "history-import-wrong-file")

    # The real export: a preview with counts, nothing written yet.
    page.get_by_label("Your export file (CSV)").set_input_files(str(SAMPLES / "letterboxd-ratings.csv"))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your import")
    expect(page.locator('[data-count="matched"]')).to_have_text("32")
    expect(page.locator('[data-count="ambiguous"]')).to_have_text("1")
    expect(page.locator('[data-count="unmatched"]')).to_have_text("3")
    expect(page.locator('[data-count="skipped"]')).to_have_text("4")  # three bad lines and a duplicate
    expect(page.get_by_text("Everything Everywhere All at Once")).to_be_visible()
    assert Rating.objects.count() == 0
    assert no_horizontal_overflow(page)

    # Two films are "Emma (1996)": pick the romance-only one by keyboard (Skip is checked; arrow up).
    emma = page.locator(f'[data-import-line="{LETTERBOXD_EMMA_LINE}"]')
    skip = emma.get_by_role("radio", name="Skip this line")
    expect(skip).to_be_checked()
    skip.focus()
    page.keyboard.press("ArrowUp")
    chosen = emma.get_by_role("radio", name=re.compile(r"Emma \(1996\)\s+Romance ·"))
    expect(chosen).to_be_checked()
    expect(chosen).to_be_focused()
    screenshot(page, "history-import-preview")

    page.get_by_role("button", name=re.compile(r"^Import 32 ratings and my choices")).click()

    # My ratings: the summary and the films, with the file's stars.
    expect(page).to_have_url(re.compile(r"/ratings/$"))
    expect(page.locator(".messages")).to_contain_text("Import done: 33 new ratings")
    expect(page.locator(".page-title + p")).to_contain_text("33 movies rated")
    page.get_by_label("Title contains").fill("godfather")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".rating-item")).to_have_count(3)  # Part II and Part III came along
    godfather = page.locator(".rating-item", has_text="The Godfather (1972)")
    expect(godfather.locator('input[value="5.0"]')).to_be_checked()
    assert Rating.objects.get(user__username=username, movie_id=films[26958]).score == 3.0
    assert not Rating.objects.filter(user__username=username, movie_id=films[838]).exists()
    screenshot(page, "history-import-done")
