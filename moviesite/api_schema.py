"""The API's OpenAPI schema: what each caller may do, and the error answers every operation can give.

Staff-only operations (/api/staff/*) are listed only to staff: anonymous visitors and viewers see the
operations they may call. drf-spectacular's "public" mode lists everything; its private mode would also
hide the ratings API from anonymous readers of the docs, who are exactly the developers who need it.

Every operation also documents the errors the framework may answer before the view runs: 401 (a
missing, wrong or expired token where one is needed or sent), 404 (an id in the path or a page past the
end), 414 (a URL longer than the server reads) and 429 (rate limits), each with a `{"detail": …}` body,
and a paginated list its 400 (`?page=` given twice).
"""
from __future__ import annotations

from typing import Any

from drf_spectacular import generators
from rest_framework.permissions import IsAdminUser

ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorDetail"}
ERROR_COMPONENT = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "What went wrong, in words."}},
    "required": ["detail"],
}


class SchemaGenerator(generators.SchemaGenerator):
    def has_view_permissions(self, path: str, method: str, view) -> bool:
        """Staff-only operations are listed to staff alone; every other one to everybody."""
        staff_only = any(isinstance(permission, type) and issubclass(permission, IsAdminUser)
                         for permission in getattr(view, "permission_classes", []))
        if not staff_only:
            return True
        user = getattr(getattr(view, "request", None), "user", None)
        return bool(user is not None and user.is_staff)


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR_SCHEMA}}}


def standard_error_responses(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """drf-spectacular post-processing hook: add the framework's own error answers to every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["ErrorDetail"] = ERROR_COMPONENT
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            parameters = operation.get("parameters", [])
            if any(operation.get("security", [])):  # reads a token or session ({} alone: anonymous only)
                responses.setdefault("401", _error("Authentication needed, or the token sent is wrong "
                                                   "(the WWW-Authenticate header names the scheme)."))
            paginated = any(p.get("name") == "page" for p in parameters)
            if any(p.get("in") == "path" for p in parameters) or paginated:
                responses.setdefault("404", _error("No such resource, or a page past the last one."))
            if paginated:
                responses.setdefault("400", {"description": "A parameter given twice or malformed; the body "
                                                            "names each one and why."})
            responses.setdefault("414", {"description": "The URL is longer than the server reads."})
            responses.setdefault("429", _error("Too many requests; the Retry-After header says when to "
                                               "try again."))
    return result
