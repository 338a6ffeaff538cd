from __future__ import annotations

import factory

from catalog.models import Genre, Movie


class GenreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Genre
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Genre {n}")


class MovieFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Movie
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Movie {n}")
    year = 1995
    movielens_id = factory.Sequence(lambda n: 100_000 + n)
    rating_count = 0
    rating_mean = factory.LazyAttribute(lambda m: 3.5 if m.rating_count else None)  # rated films have a mean
    # As rating writes keep them: the sum the count and mean stand for.
    rating_sum = factory.LazyAttribute(lambda m: m.rating_count * (m.rating_mean or 0.0))

    @factory.post_generation
    def genres(obj, create: bool, extracted, **kwargs) -> None:
        """MovieFactory(genres=["Comedy", "Drama"]) attaches genres by name."""
        if create and extracted:
            obj.genres.add(*(GenreFactory(name=name) for name in extracted))
