from __future__ import annotations

from django.urls import path

from recommendations import views

urlpatterns = [
    path("", views.home, name="home"),
    path("start/", views.onboarding, name="onboarding"),
    path("start/unseen/<int:movie_pk>/", views.onboarding_unseen, name="onboarding-unseen"),
]
