"""Test settings: fast hashing, an isolated data directory, file SQLite so a worker process can share it."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, DATA_DIR, env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tests never write into the developer's data directory.
_test_data = Path(env.str("TEST_DATA_DIR", default=tempfile.mkdtemp(prefix="moviesite-test-")))
MODEL_DIR = _test_data / "models"
CACHES = {**globals()["CACHES"]}
if CACHES["default"]["BACKEND"].endswith("FileBasedCache"):
    CACHES["default"] = {**CACHES["default"], "LOCATION": str(_test_data / "cache")}
else:
    CACHES["default"] = {**CACHES["default"], "KEY_PREFIX": f"moviesite-test-{os.getpid()}"}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file (not :memory:) so a real Celery worker process can open the same test database.
    DATABASES["default"]["TEST"] = {"NAME": str(_test_data / "test.sqlite3")}
MOVIELENS_DIR = DATA_DIR / "movielens"
