"""The admin site: every model's change list refuses regular-expression lookups, and log-in checks name length.

The admin accepts any lookup on a model's own fields from the query string, so
`?title__regex=(` reached PostgreSQL as an invalid pattern: a 500 (DataError). Staff filter with the
list filters and search box; a pattern typed into the URL gains nothing worth that, so the lookup is
refused (400) on every registered model, ours and the libraries' (users, tokens, django-axes).
"""
from __future__ import annotations

from django.contrib import admin

from accounts.forms import AdminLoginForm

REFUSED_LOOKUPS = frozenset({"regex", "iregex"})


class SafeLookupsMixin:
    def lookup_allowed(self, lookup: str, value: str, request=None) -> bool:
        if lookup.rsplit("__", 1)[-1] in REFUSED_LOOKUPS:
            return False
        return super().lookup_allowed(lookup, value, request)


class AdminSite(admin.AdminSite):
    login_form = AdminLoginForm

    def register(self, model_or_iterable, admin_class=None, **options) -> None:
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, SafeLookupsMixin):
            admin_class = type(admin_class.__name__, (SafeLookupsMixin, admin_class), {"__module__": __name__})
        super().register(model_or_iterable, admin_class, **options)
