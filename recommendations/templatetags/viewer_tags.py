"""The signed-in viewer's saved list layout, for the page root and the cards/list toggle."""
from __future__ import annotations

from django import template

from recommendations.services.preferences import request_viewer_preferences

register = template.Library()


@register.simple_tag(takes_context=True)
def viewer_layout(context) -> str:
    """ "cards" or "list" for a signed-in viewer (read once per request), "" for visitors (their browser decides)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return ""
    return request_viewer_preferences(request)["layout"]
