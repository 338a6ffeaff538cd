from __future__ import annotations

import os

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from moviesite.health import healthz

api_patterns = [
    path("", include("catalog.api_urls")),
    path("", include("ratings.api_urls")),
    path("", include("recommendations.api_urls")),
    path("", include("accounts.api_urls")),
    path("staff/", include("recommendations.staff_api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
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
