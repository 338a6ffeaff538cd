"""API token authentication that remembers whose token it is.

DRF's TokenAuthentication reads the token and its user from the database on every API call (a
join costing more than the rest of a cached recommendations request). Here the user is kept in the
cache under a digest of the key, and forgotten as soon as the token is deleted or the user saved
(deactivated, made staff, new password): see accounts.signals.
"""
from __future__ import annotations

import hashlib

from django.core.cache import cache
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

TOKEN_USER_TTL = 300  # seconds; also bounds a race between a user's save and a request in flight


def token_user_key(key: str) -> str:
    return "auth:token-user:" + _digest(key)


TOKEN_UID_PREFIX = "auth:token-uid:"


def token_uid_key(key: str) -> str:
    """The token's user id alone, as a plain integer a Redis script can read (recommendations.fast_picks)."""
    return TOKEN_UID_PREFIX + _digest(key)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]


class CachedTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str):
        user = cache.get(token_user_key(key))
        if user is not None and user.is_active:
            return user, Token(key=key, user=user)
        user, token = super().authenticate_credentials(key)  # raises for unknown keys and inactive users
        cache.set_many({token_user_key(key): user, token_uid_key(key): user.pk}, TOKEN_USER_TTL)
        return user, token


def token_user_forget(*, key: str) -> None:
    cache.delete_many([token_user_key(key), token_uid_key(key)])
