"""django.contrib.admin with moviesite's own admin site (moviesite.admin_site), loaded before any model."""
from __future__ import annotations

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "moviesite.admin_site.AdminSite"
