"""Accounts API: exchange a username and password for the API token used by scripts and apps."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken


@extend_schema(
    tags=["auth"],
    request=AuthTokenSerializer,
    responses={
        200: inline_serializer("Token", {"token": serializers.CharField()}),
        400: OpenApiResponse(description="Missing fields, or wrong username or password."),
    },
    auth=[],
)
class TokenObtainApi(ObtainAuthToken):
    """Return the user's token (created on first use); send it as `Authorization: Token <key>`."""

    # Credentials in the body are the whole check: no session, so no CSRF token needed.
    authentication_classes: list = []
