"""Recommendations API: the signed-in user's top picks; popular movies for anonymous visitors."""
from __future__ import annotations

import math

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api import BAD_PARAMS, MovieSerializer
from catalog.movie_payloads import movie_payloads
from moviesite.parsers import JSONParser
from moviesite.query_params import QueryParams
from recommendations.models import ViewerPreferences
from recommendations.selectors import popular_picks, user_pick_items
from recommendations.services.preferences import viewer_preferences_get, viewer_preferences_update


class DiscoverField(serializers.FloatField):
    """The familiar ↔ discover mix, 0 to 1: a boolean (float(True) is 1.0) or NaN/infinity is a client bug."""

    def __init__(self, **kwargs) -> None:
        super().__init__(min_value=0.0, max_value=1.0, **kwargs)

    def to_internal_value(self, data: object) -> float:
        if isinstance(data, bool):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("invalid")
        return value


class RecommendationParams(QueryParams):
    n = serializers.IntegerField(required=False, default=10, min_value=1, max_value=100,
                                 help_text="How many movies to return.")
    discover = DiscoverField(
        required=False,
        help_text="Familiar ↔ discover mix: 0 favours well-known films, 1 lesser-known ones, 0.5 neither. "
                  "Every pick stays predicted at least 3.5 stars while enough films clear that. "
                  "Default: the viewer's saved setting (the home page's control), else 0.5.",
    )


class RecommendationSerializer(serializers.Serializer):
    movie = MovieSerializer()
    score = serializers.FloatField(help_text="Ranking score, higher first; its scale depends on the source.")
    predicted_rating = serializers.FloatField(
        allow_null=True, help_text="Stars the model expects you to give; null for popular picks."
    )
    reason = serializers.CharField()


class RecommendationListSerializer(serializers.Serializer):
    personalized = serializers.BooleanField(
        help_text="False when these are popular movies (anonymous, no ratings yet, or no model)."
    )
    model_version = serializers.IntegerField(
        allow_null=True, help_text="The model version that produced personal picks."
    )
    results = RecommendationSerializer(many=True)


@extend_schema(
    tags=["recommendations"],
    parameters=[RecommendationParams],
    responses={200: RecommendationListSerializer, 400: BAD_PARAMS},
)
class RecommendationListApi(APIView):
    """Personal picks from the active model, or popular movies when there are none to give."""

    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        params = RecommendationParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        n = params.validated_data["n"]
        personal = user_pick_items(user=request.user, n=n, discover=params.validated_data.get("discover"))
        if personal is None:  # popular fallbacks carry no predicted rating
            picks = popular_picks(user=request.user, n=n)
            return Response({
                "personalized": False,
                "model_version": None,
                "results": RecommendationSerializer(picks, many=True).data,
            })
        # The hot path: picks come from the cache and movies from this process's payloads (no query).
        version_id, items = personal
        movies = movie_payloads([item["movie_id"] for item in items])
        return Response({
            "personalized": True,
            "model_version": version_id,
            "results": [
                {"movie": movies[item["movie_id"]], "score": item["score"],
                 "predicted_rating": item["predicted_rating"], "reason": item["reason"]}
                for item in items if item["movie_id"] in movies
            ],
        })


class ViewerPreferencesSerializer(serializers.ModelSerializer):
    discover = DiscoverField(
        required=False,
        help_text="Familiar ↔ discover mix of your picks: 0 well-known films, 1 lesser-known, 0.5 neither.",
    )
    layout = serializers.ChoiceField(choices=ViewerPreferences.Layout.choices, required=False,
                                     help_text="How movie lists are shown: cards or a compact list.")

    class Meta:
        model = ViewerPreferences
        fields = ["discover", "layout"]


@extend_schema(tags=["recommendations"])
class ViewerPreferencesApi(APIView):
    """Your saved familiar ↔ discover mix and list layout; PATCH changes either."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]  # a JSON object; the pages' own form posts to /preferences/
    serializer_class = ViewerPreferencesSerializer

    def get(self, request: Request) -> Response:
        return Response(ViewerPreferencesSerializer(viewer_preferences_get(user=request.user)).data)

    @extend_schema(request=ViewerPreferencesSerializer, responses={200: ViewerPreferencesSerializer, 400: BAD_PARAMS})
    def patch(self, request: Request) -> Response:
        incoming = ViewerPreferencesSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        saved = viewer_preferences_update(user=request.user, **incoming.validated_data)
        return Response(ViewerPreferencesSerializer(saved).data)
