"""A viewer's saved preferences: the familiar ↔ discover mix of their picks and the list layout."""
from __future__ import annotations

from django.db import transaction

from recommendations import cache as rec_cache
from recommendations.engine.discovery import NEUTRAL
from recommendations.models import ViewerPreferences

DISCOVER_STEPS = (0.0, 0.25, 0.5, 0.75, 1.0)  # the home page's five positions; the API takes any value in [0, 1]


def viewer_preferences_get(*, user) -> ViewerPreferences:
    """The viewer's preferences, or unsaved defaults (visitors and viewers who never changed them)."""
    if not user.is_authenticated:
        return ViewerPreferences()
    return ViewerPreferences.objects.filter(user=user).first() or ViewerPreferences(user=user)


def viewer_discover(*, user_id: int) -> float:
    """The viewer's saved discover setting, read from the cache (the recommendations API's hot path)."""
    discover = rec_cache.viewer_discover_get(user_id=user_id)
    if discover is None:
        saved = ViewerPreferences.objects.filter(user_id=user_id).values_list("discover", flat=True).first()
        discover = NEUTRAL if saved is None else saved
        rec_cache.viewer_discover_set(user_id=user_id, discover=discover)
    return discover


def viewer_preferences_update(*, user, discover: float | None = None, layout: str | None = None) -> ViewerPreferences:
    """Save what changed; a new discover setting re-renders the viewer's home rows."""
    if discover is not None and not 0.0 <= discover <= 1.0:
        raise ValueError("discover must be between 0 and 1")
    if layout is not None and layout not in ViewerPreferences.Layout.values:
        raise ValueError(f"layout must be one of {ViewerPreferences.Layout.values}")
    with transaction.atomic():
        preferences, _ = ViewerPreferences.objects.select_for_update().get_or_create(user=user)
        changed = []
        if discover is not None and discover != preferences.discover:
            preferences.discover = discover
            changed.append("discover")
        if layout is not None and layout != preferences.layout:
            preferences.layout = layout
            changed.append("layout")
        if changed:
            preferences.save(update_fields=changed)
    if "discover" in changed:
        rec_cache.viewer_discover_set(user_id=user.pk, discover=preferences.discover)
        rec_cache.user_state_changed(user_id=user.pk)  # the cached home rows show the old mix
    return preferences
