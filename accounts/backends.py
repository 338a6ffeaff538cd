"""The signed-in user of a page, read from the cache rather than the database.

Django's ModelBackend loads the user with a query on every request that touches request.user
(every page: the header names who is signed in). The user is kept in the cache for a few minutes
instead and forgotten as soon as it is saved or deleted (accounts.signals), so a deactivation, a
new password (which ends other sessions) or a staff change counts on the next request.
Changes made with QuerySet.update() send no signal: they count within USER_TTL seconds.
"""
from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

USER_TTL = 300  # seconds


def user_key(user_id) -> str:
    return f"auth:user:{user_id}"


class CachedModelBackend(ModelBackend):
    def get_user(self, user_id):
        user = cache.get(user_key(user_id))
        if user is None:
            user = super().get_user(user_id)  # None for unknown ids and users who may not sign in
            if user is not None:
                cache.set(user_key(user_id), user, USER_TTL)
        return user if user is not None and self.user_can_authenticate(user) else None


def user_forget(*, user_id) -> None:
    cache.delete(user_key(user_id))
