"""The HTTP bench's baseline: a view that does nothing, served only when BENCH_VIEWS=1 (see moviesite/urls.py).

It passes the same middleware as every page (sessions, CSRF, auth, ...) but reads no session,
database or cache, so its throughput is what Django and gunicorn cost on their own.
"""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def ping(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"pong", content_type="text/plain")
