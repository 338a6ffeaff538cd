"""Ratings, watchlist and "not interested" API: only ever the signed-in user's own rows.

Another user's rating, watchlist or hidden movies are never visible (404, or simply absent from
lists). POST /ratings/ and PUT /ratings/{movie_id}/ both create-or-update through `rating_upsert`,
the one validation shared with the rating form and the importer; PUT /watchlist/{movie_id}/ and
PUT /hidden/{movie_id}/ are idempotent adds through the same services the pages use.
"""
from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.api import MovieSerializer, MovieSummarySerializer
from catalog.models import Movie
from ratings.models import HALF_STARS, HiddenMovie, Rating, WatchlistEntry
from ratings.selectors import user_hidden_movies, user_ratings, user_watchlist
from ratings.services import (
    movie_hide,
    movie_unhide,
    rating_delete,
    rating_upsert,
    score_validate,
    watchlist_add,
    watchlist_remove,
)

# Largest value a BigAutoField primary key can hold: a bigger id is a field error, not a lookup.
MAX_ID = 2**63 - 1


def _drf_error(exc: DjangoValidationError) -> serializers.ValidationError:
    """A service's ValidationError as DRF's, keeping field names so clients get a 400, not a 500."""
    return serializers.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)


class HalfStarField(serializers.FloatField):
    """A score on the half-star scale, checked by the same rule the service applies."""

    def __init__(self, **kwargs) -> None:
        super().__init__(min_value=HALF_STARS[0], max_value=HALF_STARS[-1], **kwargs)

    def to_internal_value(self, data: object) -> float:
        # float(True) is 1.0: a boolean is a client bug, not a one-star rating.
        if isinstance(data, bool) or (isinstance(data, str) and len(data) > self.MAX_STRING_LENGTH):
            self.fail("invalid")
        try:
            return score_validate(data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None


class RatingSerializer(serializers.ModelSerializer):
    movie = MovieSummarySerializer(read_only=True)

    class Meta:
        model = Rating
        fields = ["movie", "score", "rated_at"]
        read_only_fields = fields


class RatingScoreInput(serializers.Serializer):
    score = HalfStarField(help_text="0.5 to 5.0 in steps of 0.5.")


class RatingInput(RatingScoreInput):
    movie = serializers.IntegerField(min_value=1, max_value=MAX_ID,
                                     help_text="The movie's id; one that names no movie is a 400 field error.")

    def validate_movie(self, value: int) -> Movie:
        movie = Movie.objects.filter(pk=value).first()
        if movie is None:
            raise serializers.ValidationError("No movie with this id.")
        return movie


def _movie_or_404(movie_id: int) -> Movie:
    # Looked up by primary key first: Django turns an out-of-range pk into "not found", but a
    # foreign-key filter with such an id overflows SQLite's integer and would be a 500.
    return get_object_or_404(Movie, pk=movie_id)


def _upsert(request: Request, movie: Movie, score: float) -> Response:
    try:
        rating = rating_upsert(user=request.user, movie=movie, score=score)
    except DjangoValidationError as exc:
        raise _drf_error(exc) from None
    return Response(
        RatingSerializer(rating).data, status=status.HTTP_201_CREATED if rating.created else status.HTTP_200_OK
    )


_UPSERT_RESPONSES = {
    200: OpenApiResponse(RatingSerializer, description="An existing rating was changed."),
    201: OpenApiResponse(RatingSerializer, description="A new rating was created."),
    400: OpenApiResponse(description="Field errors, e.g. {\"score\": [\"…\"]}."),
}
_NOT_RATED = OpenApiResponse(description="You have not rated this movie (or it does not exist).")
_NO_MOVIE = OpenApiResponse(description="No such movie.")


class RatingListApi(generics.GenericAPIView):
    """The signed-in user's ratings, newest first; POST rates a movie (or changes its rating)."""

    permission_classes = [IsAuthenticated]
    filter_backends: list = []

    def get_queryset(self):
        return user_ratings(user=self.request.user)

    def get_serializer_class(self):
        # The browsable API builds its POST form from this.
        return RatingInput if self.request.method == "POST" else RatingSerializer

    @extend_schema(tags=["ratings"], summary="List your ratings", responses=RatingSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(RatingSerializer(page, many=True).data)

    @extend_schema(tags=["ratings"], summary="Rate a movie (or change your rating)", request=RatingInput,
                   responses=_UPSERT_RESPONSES)
    def post(self, request: Request) -> Response:
        data = RatingInput(data=request.data)
        data.is_valid(raise_exception=True)
        return _upsert(request, data.validated_data["movie"], data.validated_data["score"])


class RatingDetailApi(generics.GenericAPIView):
    """The signed-in user's rating of one movie: read, create-or-update (PUT), delete."""

    permission_classes = [IsAuthenticated]

    def get_serializer_class(self):
        return RatingScoreInput if self.request.method == "PUT" else RatingSerializer

    def get_object(self) -> Rating:
        # DRF's OPTIONS handler calls this to describe PUT: without it OPTIONS was a 500 (no queryset).
        return get_object_or_404(user_ratings(user=self.request.user), movie=_movie_or_404(self.kwargs["movie_id"]))

    @extend_schema(tags=["ratings"], summary="Your rating of a movie",
                   responses={200: RatingSerializer, 404: _NOT_RATED})
    def get(self, request: Request, movie_id: int) -> Response:
        return Response(RatingSerializer(self.get_object()).data)

    @extend_schema(tags=["ratings"], summary="Rate this movie (or change your rating)",
                   request=RatingScoreInput, responses={**_UPSERT_RESPONSES, 404: _NO_MOVIE})
    def put(self, request: Request, movie_id: int) -> Response:
        movie = _movie_or_404(movie_id)
        data = RatingScoreInput(data=request.data)
        data.is_valid(raise_exception=True)
        return _upsert(request, movie, data.validated_data["score"])

    @extend_schema(tags=["ratings"], summary="Delete your rating", responses={204: None, 404: _NOT_RATED})
    def delete(self, request: Request, movie_id: int) -> Response:
        if not rating_delete(user=request.user, movie=_movie_or_404(movie_id)):
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Watchlist and "not interested" ---------------------------------------------------------


class WatchlistEntrySerializer(serializers.ModelSerializer):
    movie = MovieSerializer(read_only=True)

    class Meta:
        model = WatchlistEntry
        fields = ["movie", "added_at"]
        read_only_fields = fields


class HiddenMovieSerializer(serializers.ModelSerializer):
    movie = MovieSerializer(read_only=True)

    class Meta:
        model = HiddenMovie
        fields = ["movie", "hidden_at"]
        read_only_fields = fields


def _mark(request: Request, movie_id: int, *, marks: QuerySet, add: Callable[..., Model],
          serializer_class: type[serializers.Serializer]) -> Response:
    """PUT on a watchlist or hidden entry: 201 when it is new, 200 when it was already there."""
    movie = _movie_or_404(movie_id)
    created = not marks.filter(movie=movie).exists()
    entry = add(user=request.user, movie=movie)
    return Response(serializer_class(entry).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def _unmark(request: Request, movie_id: int, *, remove: Callable[..., bool]) -> Response:
    if not remove(user=request.user, movie=_movie_or_404(movie_id)):
        raise Http404
    return Response(status=status.HTTP_204_NO_CONTENT)


_NOT_ON_WATCHLIST = OpenApiResponse(description="The movie is not on your watchlist (or does not exist).")
_NOT_HIDDEN = OpenApiResponse(description="You have not hidden this movie (or it does not exist).")


@extend_schema(tags=["watchlist"], summary="List your watchlist")
class WatchlistEntryListApi(generics.ListAPIView):
    """The signed-in user's watchlist, latest addition first."""

    permission_classes = [IsAuthenticated]
    serializer_class = WatchlistEntrySerializer
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[WatchlistEntry]:
        return user_watchlist(user=self.request.user)


class WatchlistEntryDetailApi(generics.GenericAPIView):
    """Put a movie on the signed-in user's watchlist (PUT, idempotent) or take it off (DELETE)."""

    permission_classes = [IsAuthenticated]
    serializer_class = WatchlistEntrySerializer

    def get_object(self) -> WatchlistEntry:
        # For DRF's OPTIONS handler, as in RatingDetailApi.
        return get_object_or_404(user_watchlist(user=self.request.user), movie=_movie_or_404(self.kwargs["movie_id"]))

    @extend_schema(tags=["watchlist"], summary="Add a movie to your watchlist", request=None, responses={
        200: OpenApiResponse(WatchlistEntrySerializer, description="It was already on your watchlist."),
        201: OpenApiResponse(WatchlistEntrySerializer, description="It is now on your watchlist."),
        404: _NO_MOVIE,
    })
    def put(self, request: Request, movie_id: int) -> Response:
        return _mark(request, movie_id, marks=user_watchlist(user=request.user), add=watchlist_add,
                     serializer_class=WatchlistEntrySerializer)

    @extend_schema(tags=["watchlist"], summary="Remove a movie from your watchlist",
                   responses={204: None, 404: _NOT_ON_WATCHLIST})
    def delete(self, request: Request, movie_id: int) -> Response:
        return _unmark(request, movie_id, remove=watchlist_remove)


@extend_schema(tags=["hidden"], summary="List the movies you are not interested in")
class HiddenMovieListApi(generics.ListAPIView):
    """Movies the signed-in user marked "not interested" (never recommended to them), latest first."""

    permission_classes = [IsAuthenticated]
    serializer_class = HiddenMovieSerializer
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[HiddenMovie]:
        return user_hidden_movies(user=self.request.user).prefetch_related("movie__genres")


class HiddenMovieDetailApi(generics.GenericAPIView):
    """Mark a movie "not interested" (PUT, idempotent) or undo it (DELETE)."""

    permission_classes = [IsAuthenticated]
    serializer_class = HiddenMovieSerializer

    def get_object(self) -> HiddenMovie:
        # For DRF's OPTIONS handler, as in RatingDetailApi.
        return get_object_or_404(user_hidden_movies(user=self.request.user),
                                 movie=_movie_or_404(self.kwargs["movie_id"]))

    @extend_schema(tags=["hidden"], summary="Hide a movie from your recommendations", request=None, responses={
        200: OpenApiResponse(HiddenMovieSerializer, description="It was already hidden."),
        201: OpenApiResponse(HiddenMovieSerializer, description="It is now hidden."),
        404: _NO_MOVIE,
    })
    def put(self, request: Request, movie_id: int) -> Response:
        return _mark(request, movie_id, marks=user_hidden_movies(user=request.user), add=movie_hide,
                     serializer_class=HiddenMovieSerializer)

    @extend_schema(tags=["hidden"], summary="Show a hidden movie again", responses={204: None, 404: _NOT_HIDDEN})
    def delete(self, request: Request, movie_id: int) -> Response:
        return _unmark(request, movie_id, remove=movie_unhide)
