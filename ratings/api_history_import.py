"""Rating history import over the API: POST an export → preview JSON; POST choices → written.

The same services as the pages: nothing is rated until confirm, and confirm writes only what the
stored preview holds (choices pick among its candidates for ambiguous lines).
"""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ratings.history_import.apply import history_import_confirm
from ratings.history_import.formats import ExportFileError
from ratings.history_import.preview import history_import_preview
from ratings.history_import.summary import GROUPS, entry_group, import_summary
from ratings.models import HistoryImport

MAX_LINE = 10**7


class HistoryImportUploadInput(serializers.Serializer):
    file = serializers.FileField(help_text="A Letterboxd ratings.csv or an IMDb ratings export (CSV, UTF-8).")

    def validate_file(self, upload):
        if upload.size > settings.HISTORY_IMPORT_MAX_BYTES:
            raise serializers.ValidationError(
                f"The file is {filesizeformat(upload.size)}; one import takes at most "
                f"{filesizeformat(settings.HISTORY_IMPORT_MAX_BYTES)}."
            )
        return upload


class HistoryImportConfirmInput(serializers.Serializer):
    choices = serializers.DictField(
        child=serializers.IntegerField(min_value=1, allow_null=True), required=False, default=dict,
        help_text='For ambiguous lines: {"<line>": <movie id> or null to skip}. Lines left out are skipped.',
    )

    def validate_choices(self, value: dict) -> dict[int, int | None]:
        if not all(key.isdigit() and 0 < int(key) < MAX_LINE for key in value):
            raise serializers.ValidationError("Keys are line numbers of the previewed file.")
        return {int(key): film for key, film in value.items()}


def _film(movie) -> dict | None:
    return None if movie is None else {"id": movie.pk, "title": movie.display_title, "year": movie.year}


def preview_payload(pending: HistoryImport) -> dict:
    summary = import_summary(pending)
    entries = [
        {
            "line": e["line"], "group": entry_group(e), "title": e["title"], "year": e["year"], "score": e["score"],
            "previous": e["previous"], "reason": e["reason"], "method": e["method"], "movie": _film(e["film"]),
            "candidates": [{**_film(movie), "score": score} for movie, score in e["options"]],
        }
        for group in GROUPS for e in summary.groups[group]
    ]
    return {"id": str(pending.pk), "source": pending.source, "filename": pending.filename,
            "confirmed": pending.confirmed_at is not None, "counts": summary.counts, "entries": entries}


class HistoryImportUploadApi(APIView):
    """Upload an export: the films are matched and a preview stored; nothing is rated yet."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(tags=["ratings"], summary="Preview an import of your Letterboxd or IMDb ratings",
                   request={"multipart/form-data": HistoryImportUploadInput},
                   responses={201: OpenApiResponse(description="The stored preview: counts and one entry per line."),
                              400: OpenApiResponse(description='Field errors, e.g. {"file": ["…"]}.')})
    def post(self, request: Request) -> Response:
        data = HistoryImportUploadInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        try:
            pending = history_import_preview(user=request.user, data=upload.read(), filename=upload.name)
        except ExportFileError as exc:
            raise serializers.ValidationError({"file": [str(exc)]}) from None
        return Response(preview_payload(pending), status=status.HTTP_201_CREATED)


class HistoryImportDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["ratings"], summary="Read a stored import preview",
                   responses={200: OpenApiResponse(description="The stored preview."),
                              404: OpenApiResponse(description="No such import of yours.")})
    def get(self, request: Request, import_id) -> Response:
        return Response(preview_payload(get_object_or_404(HistoryImport, pk=import_id, user=request.user)))


class HistoryImportConfirmApi(APIView):
    """Write the previewed ratings in one transaction; confirming twice writes nothing more."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(tags=["ratings"], summary="Confirm an import", request=HistoryImportConfirmInput,
                   responses={200: OpenApiResponse(description="Counts: created, changed, unchanged, missing."),
                              400: OpenApiResponse(description='Field errors, e.g. {"choices": ["…"]}.'),
                              404: OpenApiResponse(description="No such import of yours.")})
    def post(self, request: Request, import_id) -> Response:
        pending = get_object_or_404(HistoryImport, pk=import_id, user=request.user)
        data = HistoryImportConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            outcome = history_import_confirm(user=request.user, import_id=pending.pk,
                                             choices=data.validated_data["choices"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return Response(outcome)
