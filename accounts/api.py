"""Accounts API: exchange a username and password for the API token used by scripts and apps."""
from __future__ import annotations

from axes.helpers import get_cool_off
from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from moviesite.throttling import ScopedRateThrottle


class TokenRequestSerializer(AuthTokenSerializer):
    # No account has a longer name. Refused here, a longer one never reaches django-axes, whose
    # failed-login record (255 characters) would overflow on PostgreSQL: a 500, not a 400.
    username = serializers.CharField(
        label="Username", write_only=True, max_length=get_user_model()._meta.get_field("username").max_length
    )


@extend_schema(
    tags=["auth"],
    request=TokenRequestSerializer,
    responses={
        200: inline_serializer("Token", {"token": serializers.CharField()}),
        400: OpenApiResponse(description="Missing fields, or wrong username or password."),
        429: OpenApiResponse(description="Too many requests from this address, or too many wrong passwords "
                                         "for this username; Retry-After says when to try again."),
    },
    auth=[],
)
class TokenObtainApi(ObtainAuthToken):
    """Return the user's token (created on first use); send it as `Authorization: Token <key>`."""

    # Credentials in the body are the whole check: no session, so no CSRF token needed.
    authentication_classes: list = []
    # ObtainAuthToken names DRF's own parsers; the site's JSON parser also refuses over-deep nesting.
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES
    serializer_class = TokenRequestSerializer
    # Every request here is a password guess: a stricter rate than the rest of the API.
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    def post(self, request: Request, *args, **kwargs) -> Response:
        try:
            return super().post(request, *args, **kwargs)
        except serializers.ValidationError:
            # django-axes flags a locked-out username+address; "wrong password" would be untrue then.
            if getattr(request, "axes_locked_out", False):
                cool_off = get_cool_off(request)
                raise Throttled(
                    wait=cool_off.total_seconds() if cool_off else None,
                    detail="Too many failed logins for this username; try again later.",
                ) from None
            raise
