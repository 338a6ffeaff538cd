"""Production: secrets from the environment only, DEBUG off, secure cookies, HSTS, admin off the default path.

Each required value fails start-up with a message naming it rather than running half-configured.
"""
from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = False

# --- Secrets -----------------------------------------------------------------------
# No default: a missing key stops start-up ("Set the SECRET_KEY environment variable").
SECRET_KEY = env.str("SECRET_KEY")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-"):
    raise ImproperlyConfigured(
        "SECRET_KEY must be at least 50 random characters, e.g. from "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

# --- Security ----------------------------------------------------------------------
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Load balancers and compose healthchecks poll /healthz over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Preloading is opt-in: once on the browsers' list a domain cannot serve plain HTTP for months,
# and anyone may submit a domain whose header says "preload". Hence W021 is silenced, not "fixed".
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# The admin lives at a path only staff know (e.g. "control-room-x7/"), never the default "admin/".
ADMIN_URL = env.str("ADMIN_URL")
if ADMIN_URL.startswith("/") or not ADMIN_URL.endswith("/") or ADMIN_URL.strip("/").lower() in {"", "admin"}:
    raise ImproperlyConfigured(f"ADMIN_URL must be a hard-to-guess path like control-room-x7/, not {ADMIN_URL!r}")
