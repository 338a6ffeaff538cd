"""Movies API: browse and search the catalogue, one movie, its content neighbours, the genre list."""
from __future__ import annotations

from django.db.models import Count, QuerySet, prefetch_related_objects
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Genre, Movie
from catalog.selectors import SORTS, movie_search, movie_similar
from moviesite.query_params import QueryParams

# PositiveSmallIntegerField's range: anything outside it cannot match and is a client mistake.
YEAR_MIN, YEAR_MAX = 0, 32767
BAD_PARAMS = OpenApiResponse(description="Malformed query parameters; the body names each one and why.")


class GenreSerializer(serializers.ModelSerializer):
    movie_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Genre
        fields = ["id", "name", "movie_count"]


class RoundedFloatField(serializers.FloatField):
    """A float given to `decimals` places: a mean of 4.2890625 stars reads 4.29."""

    def __init__(self, *, decimals: int = 2, **kwargs) -> None:
        self.decimals = decimals
        super().__init__(**kwargs)

    def to_representation(self, value: float) -> float:
        return round(super().to_representation(value), self.decimals)


class MovieSerializer(serializers.ModelSerializer):
    # People read "The Godfather"; the catalogue's own form ("Godfather, The") orders lists and stays here.
    title = serializers.CharField(source="display_title", read_only=True, help_text="As people say it.")
    sort_title = serializers.CharField(source="title", read_only=True,
                                       help_text="As catalogued and sorted, e.g. \"Godfather, The\".")
    genres = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    rating_mean = RoundedFloatField(read_only=True, allow_null=True, help_text="Mean stars, 2 decimals.")

    class Meta:
        model = Movie
        fields = ["id", "title", "sort_title", "year", "genres", "rating_count", "rating_mean", "movielens_id",
                  "imdb_id", "tmdb_id"]
        read_only_fields = fields


class MovieDetailSerializer(MovieSerializer):
    class Meta(MovieSerializer.Meta):
        fields = [*MovieSerializer.Meta.fields, "overview", "tags", "poster_path"]
        read_only_fields = fields


class MovieSummarySerializer(serializers.ModelSerializer):
    """Just enough to name a movie inside another resource (a rating)."""

    title = serializers.CharField(source="display_title", read_only=True, help_text="As people say it.")
    sort_title = serializers.CharField(source="title", read_only=True, help_text="As catalogued and sorted.")

    class Meta:
        model = Movie
        fields = ["id", "title", "sort_title", "year"]
        read_only_fields = fields


class MovieListParams(QueryParams):
    search = serializers.CharField(required=False, allow_blank=True, max_length=200,
                                   help_text="Words that must all appear in the title.")
    q = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="Alias of search.")
    genre = serializers.ListField(child=serializers.CharField(max_length=64, allow_blank=True), required=False,
                                  max_length=20, help_text="Genre name; repeat to require several genres.")
    year_min = serializers.IntegerField(required=False, min_value=YEAR_MIN, max_value=YEAR_MAX)
    year_max = serializers.IntegerField(required=False, min_value=YEAR_MIN, max_value=YEAR_MAX,
                                        help_text="Must not be before year_min (400).")
    ordering = serializers.ChoiceField(choices=list(SORTS), required=False, default="popular")

    def validate(self, attrs: dict) -> dict:
        low, high = attrs.get("year_min"), attrs.get("year_max")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"year_max": "Must not be before year_min."})
        return attrs


class SimilarParams(QueryParams):
    n = serializers.IntegerField(required=False, default=10, min_value=1, max_value=50)


@extend_schema(
    tags=["movies"], parameters=[MovieListParams], responses={200: MovieSerializer(many=True), 400: BAD_PARAMS}
)
class MovieListApi(generics.ListAPIView):
    """Movies, most popular first unless `ordering` says otherwise; 400 on malformed filters."""

    serializer_class = MovieSerializer
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Movie]:
        params = MovieListParams(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        return movie_search(
            query=data.get("search") or data.get("q") or "",
            genres=[name for name in data.get("genre", []) if name],
            year_min=data.get("year_min"),
            year_max=data.get("year_max"),
            sort=data["ordering"],
        )


@extend_schema(tags=["movies"])
class MovieDetailApi(generics.RetrieveAPIView):
    serializer_class = MovieDetailSerializer
    queryset = Movie.objects.prefetch_related("genres")


@extend_schema(
    tags=["movies"],
    parameters=[SimilarParams],
    responses={
        200: inline_serializer("SimilarMovies", {"results": MovieSerializer(many=True)}),
        400: BAD_PARAMS,
        404: OpenApiResponse(description="No such movie."),
    },
)
class MovieSimilarApi(APIView):
    """The movie's nearest neighbours by content (genres, tags, overview), most similar first."""

    def get(self, request: Request, pk: int) -> Response:
        movie = get_object_or_404(Movie, pk=pk)
        params = SimilarParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        similar = movie_similar(movie=movie, n=params.validated_data["n"])
        prefetch_related_objects(similar, "genres")
        return Response({"results": MovieSerializer(similar, many=True).data})


@extend_schema(tags=["movies"])
class GenreListApi(generics.ListAPIView):
    """Every genre with its number of movies (a short list, so not paginated)."""

    serializer_class = GenreSerializer
    pagination_class = None
    filter_backends: list = []
    queryset = Genre.objects.annotate(movie_count=Count("movies")).order_by("name")
