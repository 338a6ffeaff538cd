"""Popularity and the damped mean in SQL: the engine's one definition (``engine.popularity``).

Pages sort and filter in the database, the engine ranks in numpy; both read the same constants, and
a test checks they put movies in the same order.
"""
from __future__ import annotations

from django.db.models import F, FloatField, Value
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Cast, Ln, NullIf

from recommendations.engine.popularity import DAMPING, PRIOR_STARS


def damped_mean_expression(*, unrated_null: bool = True) -> CombinedExpression:
    """A movie's mean stars shrunk towards a typical rating: "Highest rated" sorts by it (NULL when unrated)."""
    count = Cast(NullIf(F("rating_count"), Value(0)) if unrated_null else F("rating_count"), FloatField())
    return (F("rating_sum") + Value(DAMPING * PRIOR_STARS)) / (count + Value(DAMPING))


def popularity_expression() -> CombinedExpression:
    """Well liked and widely seen: the damped mean times ln(1 + count); 0 when unrated, so never NULL."""
    return damped_mean_expression(unrated_null=False) * Ln(Cast(F("rating_count"), FloatField()) + Value(1.0))
