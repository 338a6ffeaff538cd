from __future__ import annotations

from django.urls import path

from recommendations import views_staff

urlpatterns = [
    path("", views_staff.dashboard_page, name="staff-dashboard"),
    path("status.json", views_staff.status_json, name="staff-status"),
    path("versions/", views_staff.versions_fragment, name="staff-versions"),
    path("versions/<int:pk>/activate/", views_staff.version_activate, name="staff-version-activate"),
    path("retrain/", views_staff.model_retrain, name="staff-retrain"),
    path("similarities/", views_staff.similarities_recompute, name="staff-similarities"),
    path("plots/<slug:name>.png", views_staff.plot_png, name="staff-plot"),
]
