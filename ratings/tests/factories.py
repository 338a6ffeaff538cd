from __future__ import annotations

import factory

from accounts.tests.factories import UserFactory
from catalog.tests.factories import MovieFactory
from ratings.models import Rating


class RatingFactory(factory.django.DjangoModelFactory):
    """A rating row written directly (no summary refresh): use rating_upsert to test the service path."""

    class Meta:
        model = Rating

    user = factory.SubFactory(UserFactory)
    movie = factory.SubFactory(MovieFactory)
    score = 4.0
