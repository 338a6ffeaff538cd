"""The signed-in viewer's saved list layout, for the page root and the cards/list toggle."""
from __future__ import annotations

from django import template

from recommendations.services.preferences import viewer_preferences_get

register = template.Library()


@register.simple_tag(takes_context=True)
def viewer_layout(context) -> str:
    """ "cards" or "list" for a signed-in viewer (read once per request), "" for visitors (their browser decides)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return ""
    if not hasattr(request, "_viewer_layout"):
        request._viewer_layout = viewer_preferences_get(user=request.user).layout
    return request._viewer_layout
