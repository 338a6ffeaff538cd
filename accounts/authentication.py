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
    return "auth:token-user:" + hashlib.sha256(key.encode()).hexdigest()[:32]


class CachedTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str):
        user = cache.get(token_user_key(key))
        if user is not None and user.is_active:
            return user, Token(key=key, user=user)
        user, token = super().authenticate_credentials(key)  # raises for unknown keys and inactive users
        cache.set(token_user_key(key), user, TOKEN_USER_TTL)
        return user, token


def token_user_forget(*, key: str) -> None:
    cache.delete(token_user_key(key))
