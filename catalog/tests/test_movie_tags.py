from __future__ import annotations

from catalog.templatetags.movie_tags import natural_title, poster_url


def test_it_uses_absolute_poster_urls_as_they_are_tmdb_paths_on_the_image_base_and_others_as_static(settings):
    settings.TMDB_IMAGE_BASE = "https://images.example/t/p/w342"

    assert poster_url("https://img.example/p.jpg") == "https://img.example/p.jpg"
    assert poster_url("/kqjL17yufvn9OVLyXYpvtyrFfak.jpg") == "https://images.example/t/p/w342/kqjL17yufvn9OVLyXYpvtyrFfak.jpg"
    assert poster_url("posters/p.jpg").endswith("/posters/p.jpg")
    assert poster_url("") == ""


def test_natural_title_reads_a_sortable_title_as_people_say_it():
    assert natural_title("Matrix, The") == "The Matrix"
    assert natural_title(None) == ""
