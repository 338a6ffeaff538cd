"""Fetching archives from a real HTTP server on 127.0.0.1 into the cache."""
from __future__ import annotations

import io
import socket

import pytest

from catalog.download import DownloadError, movielens_archive
from catalog.tests.datasets import FIXTURES, zip_folder


@pytest.fixture
def served(tmp_path, http_mirror):
    """A mirror serving a hand-made ml-latest-small.zip."""
    root = tmp_path / "mirror"
    root.mkdir()
    zip_folder(FIXTURES / "csv-tiny", root / "ml-latest-small.zip")
    return http_mirror(root)


def test_it_downloads_into_the_cache_and_reuses_it(served, tmp_path):
    cache = tmp_path / "cache"
    path = movielens_archive("ml-latest-small", mirror=served.url, cache_dir=cache)
    assert path == cache / "ml-latest-small.zip"
    assert path.read_bytes() == (tmp_path / "mirror" / "ml-latest-small.zip").read_bytes()
    assert movielens_archive("ml-latest-small", mirror=served.url + "/", cache_dir=cache) == path
    assert served.requests == ["/ml-latest-small.zip"]
    assert [p.name for p in cache.iterdir()] == ["ml-latest-small.zip"]  # no temporary file left


def test_it_replaces_a_damaged_cached_archive(served, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "ml-latest-small.zip").write_bytes(b"half an archive")
    path = movielens_archive("ml-latest-small", mirror=served.url, cache_dir=cache)
    assert path.read_bytes() == (tmp_path / "mirror" / "ml-latest-small.zip").read_bytes()
    assert len(served.requests) == 1


def test_it_shows_progress_when_given_a_stream(served, tmp_path):
    stream = io.StringIO()
    movielens_archive("ml-latest-small", mirror=served.url, cache_dir=tmp_path / "cache", progress=stream)
    assert "Downloading ml-latest-small.zip" in stream.getvalue()


def test_a_missing_archive_names_url_and_status_and_caches_nothing(served, tmp_path):
    cache = tmp_path / "cache"
    with pytest.raises(DownloadError) as caught:
        movielens_archive("ml-100k", mirror=served.url, cache_dir=cache)
    assert str(caught.value) == f"download of {served.url}/ml-100k.zip failed: HTTP 404 File not found"
    assert list(cache.iterdir()) == []


def test_a_response_that_is_not_a_zip_is_refused(tmp_path, http_mirror):
    root = tmp_path / "mirror"
    root.mkdir()
    (root / "ml-100k.zip").write_text("<html>maintenance</html>")
    mirror = http_mirror(root)
    with pytest.raises(DownloadError, match=r"ml-100k.zip is not a valid zip archive$"):
        movielens_archive("ml-100k", mirror=mirror.url, cache_dir=tmp_path / "cache")
    assert list((tmp_path / "cache").iterdir()) == []


def test_an_unreachable_mirror_is_reported(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DownloadError, match=rf"^cannot reach http://127.0.0.1:{port}/ml-100k.zip: "):
        movielens_archive("ml-100k", mirror=f"http://127.0.0.1:{port}", cache_dir=tmp_path / "cache")
