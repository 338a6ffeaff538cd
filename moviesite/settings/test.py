"""Test settings: fast hashing and one scratch data directory per test run.

The scratch directory is exported as TEST_DATA_DIR so a Celery worker process started by a
test inherits it and shares the run's cache, broker folder, models and queue name.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from kombu import Queue

from .base import *  # noqa: F403
from .base import CACHES, CELERY_BROKER_URL, DATA_DIR, DATABASES, celery_task_routes, filesystem_broker_options

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if not os.environ.get("TEST_DATA_DIR"):
    os.environ["TEST_DATA_DIR"] = tempfile.mkdtemp(prefix="moviesite-test-")
TEST_DATA_DIR = Path(os.environ["TEST_DATA_DIR"])
TEST_RUN_ID = TEST_DATA_DIR.name

# A process standing in for another host (the several-host test) gets its own folders through the environment.
MODEL_DIR = Path(os.environ.get("TEST_MODEL_DIR") or TEST_DATA_DIR / "models")
MODEL_CACHE_DIR = Path(os.environ.get("TEST_MODEL_CACHE_DIR") or TEST_DATA_DIR / "model-cache")
MOVIELENS_DIR = TEST_DATA_DIR / "movielens"
STATIC_ROOT = TEST_DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
# Downloads made by the developer's own `make run` are not reused: tests exercise the real path.
_ = DATA_DIR

if CACHES["default"]["BACKEND"].endswith("FileBasedCache"):
    CACHES = {"default": {**CACHES["default"], "LOCATION": str(TEST_DATA_DIR / "cache")}}
else:
    CACHES = {"default": {**CACHES["default"], "KEY_PREFIX": f"moviesite-{TEST_RUN_ID}"}}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file (not :memory:) so a real worker process can open the same test database.
    DATABASES["default"]["TEST"] = {"NAME": str(TEST_DATA_DIR / "test.sqlite3")}

# Tasks of this run go to a queue of their own, so a developer's running worker never takes them.
CELERY_TASK_DEFAULT_QUEUE = f"moviesite-{TEST_RUN_ID}"
TASK_QUEUE_VIEWERS = f"moviesite-{TEST_RUN_ID}-viewers"
TASK_QUEUE_BATCH = f"moviesite-{TEST_RUN_ID}-batch"
CELERY_TASK_ROUTES = celery_task_routes(TASK_QUEUE_VIEWERS, TASK_QUEUE_BATCH)
CELERY_TASK_QUEUES = [Queue(name) for name in (CELERY_TASK_DEFAULT_QUEUE, TASK_QUEUE_VIEWERS, TASK_QUEUE_BATCH)]
if CELERY_BROKER_URL == "filesystem://":
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(TEST_DATA_DIR / "broker")
RETRAIN_HOUR = -1
