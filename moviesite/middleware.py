"""Turn a database outage into a clear 503 (JSON for the API) instead of a 500 page."""
from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER = "5"


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # Only connection-level failures: a bad query (ProgrammingError, IntegrityError) is a bug, a 500.
        if not isinstance(exception, UNAVAILABLE) or not isinstance(exception, DatabaseError):
            return None
        logger.error("database unavailable while serving %s: %s", request.path, exception)
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse(
                {"detail": "The service is temporarily unavailable. Please retry shortly."}, status=503
            )
        else:
            response = HttpResponse(
                "<!doctype html><title>Back soon</title><main style='font-family:system-ui;margin:4rem auto;"
                "max-width:32rem'><h1>We'll be right back</h1><p>moviesite can't reach its database "
                "at the moment. Please try again in a few seconds.</p></main>",
                status=503,
            )
        response["Retry-After"] = RETRY_AFTER
        return response
