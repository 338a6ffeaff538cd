"""Error pages: under /api/ a JSON body as DRF gives (`{"detail": …}`), elsewhere the site's own page.

A URL no API route matches (`/api/movies/-1/`, an id too long for the route) is answered by Django, not
DRF, and was an HTML page: an API client reading JSON, and the schema promising it, got HTML.
"""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
