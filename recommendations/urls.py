from __future__ import annotations

from django.urls import path

from recommendations import views

urlpatterns = [
    path("", views.home, name="home"),
    path("picks/", views.home_top_picks, name="home-top-picks"),
    path("preferences/", views.preferences_save, name="preferences"),
    path("start/", views.onboarding, name="onboarding"),
    path("start/unseen/<int:movie_pk>/", views.onboarding_unseen, name="onboarding-unseen"),
]
