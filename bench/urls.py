from __future__ import annotations

from django.urls import path

from bench import views

urlpatterns = [path("ping", views.ping, name="bench-ping")]
