from __future__ import annotations

from django.urls import path

from bench import views

urlpatterns = [
    path("ping", views.ping, name="bench-ping"),
    path("drf-floor", views.DrfFloor.as_view(), name="bench-drf-floor"),
    path("drf-write-floor", views.DrfWriteFloor.as_view(), name="bench-drf-write-floor"),
]
