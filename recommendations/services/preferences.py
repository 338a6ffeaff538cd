"""A viewer's saved preferences: the familiar ↔ discover mix of their picks and the list layout."""
from __future__ import annotations

from django.db import transaction

from moviesite.per_request import once_per_request
from recommendations import cache as rec_cache
from recommendations.engine.discovery import NEUTRAL
from recommendations.models import ViewerPreferences

DISCOVER_STEPS = (0.0, 0.25, 0.5, 0.75, 1.0)  # the home page's five positions; the API takes any value in [0, 1]


def viewer_preferences_get(*, user) -> ViewerPreferences:
    """The viewer's preferences, or unsaved defaults (visitors and viewers who never changed them)."""
    if not user.is_authenticated:
        return ViewerPreferences()
    return ViewerPreferences.objects.filter(user=user).first() or ViewerPreferences(user=user)


def viewer_preferences_read(*, user_id: int) -> dict:
    """{"discover", "layout"} of the viewer, from the cache (pages and the recommendations API read it on every
    request), else the database."""
    found = rec_cache.viewer_preferences_get(user_id=user_id)
    if found is None:
        saved = ViewerPreferences.objects.filter(user_id=user_id).values("discover", "layout").first()
        found = saved or {"discover": NEUTRAL, "layout": ViewerPreferences.Layout.CARDS}
        rec_cache.viewer_preferences_set(user_id=user_id, preferences=found)
    return found


def request_viewer_preferences(request) -> dict:
    """The signed-in viewer's preferences, read once per request: a page asks in its root element, its
    layout toggle and its view."""
    return once_per_request(request, "viewer_preferences",
                            lambda: viewer_preferences_read(user_id=request.user.pk))


def viewer_discover(*, user_id: int) -> float:
    """The viewer's saved discover setting (cached)."""
    return viewer_preferences_read(user_id=user_id)["discover"]


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
    rec_cache.viewer_preferences_set(user_id=user.pk, preferences={"discover": preferences.discover,
                                                                   "layout": preferences.layout})
    if "discover" in changed:
        rec_cache.user_state_changed(user_id=user.pk)  # the cached home rows show the old mix
    return preferences
