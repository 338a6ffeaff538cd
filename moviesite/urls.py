from __future__ import annotations

import os

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from moviesite.health import healthz

# Swagger UI and Redoc style themselves with <style> elements, and Redoc parses in a blob: worker; their
# pages (and only they) get that much more. Swagger's set-up script is a file of its own (the split view).
docs_csp = csp_update({"style-src": [UNSAFE_INLINE], "worker-src": ["blob:"]})

api_patterns = [
    path("", include("catalog.api_urls")),
    path("", include("ratings.api_urls")),
    path("", include("recommendations.api_urls")),
    path("", include("accounts.api_urls")),
    path("staff/", include("recommendations.staff_api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", docs_csp(SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
    path("redoc/", docs_csp(SpectacularRedocView.as_view(url_name="api-schema")), name="api-redoc"),
]

urlpatterns = [
    path(getattr(settings, "ADMIN_URL", "admin/"), admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/", include(api_patterns)),
    path("accounts/", include("accounts.urls")),
    path("movies/", include("catalog.urls")),
    path("ratings/", include("ratings.urls")),
    path("staff/", include("recommendations.staff_urls")),
    path("", include("recommendations.urls")),
]
if os.environ.get("BENCH_VIEWS") == "1":  # `python -m bench`'s do-nothing baseline view
    urlpatterns.append(path("bench/", include("bench.urls")))

handler404 = "moviesite.errors.page_not_found"
