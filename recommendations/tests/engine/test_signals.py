from __future__ import annotations

import numpy as np

from recommendations.engine.prepare import user_profile
from recommendations.engine.signals import evidence_from


def test_a_rating_counts_for_from_the_seed_stars_against_at_the_disliked_stars_and_else_nothing():
    profile = user_profile(np.array([1, 2, 3, 4, 5], dtype=np.int64), {1: 5.0, 2: 3.0, 3: 2.5, 4: 2.0, 5: 0.5})
    evidence = evidence_from(profile, seed_min_stars=3.0, disliked=2.0, dislike_weight=0.5)
    assert evidence.weights.tolist() == [1.0, 1.0, 0.0, -0.5, -0.5]
    assert evidence.stars.tolist() == [5.0, 3.0, 2.5, 2.0, 0.5]
