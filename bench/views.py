"""The HTTP bench's baselines, served only when BENCH_VIEWS=1 (see moviesite/urls.py).

- `ping` passes the same middleware as every page (sessions, CSRF, auth, ...) but reads no session,
  database or cache, so its throughput is what Django and gunicorn cost on their own.
- `drf_floor` is DRF with the site's own authentication, permission and throttle classes and no work:
  the least any token-authenticated API view can cost, so an API scenario can be read against it.
- `drf_write_floor` adds the least durable write: one UPDATE of the caller's own row, committed. A
  rating write does this plus its validation, the rating row and the movie's totals.
"""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


def ping(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"pong", content_type="text/plain")


class DrfFloor(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        return Response({})


class DrfWriteFloor(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request: Request) -> Response:
        with transaction.atomic():
            get_user_model().objects.filter(pk=request.user.pk).update(last_login=timezone.now())
        return Response({}, status=201)
