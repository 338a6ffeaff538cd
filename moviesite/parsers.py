"""DRF's JSON parser, also refusing JSON nested too deep to parse (a 400, not a 500)."""
from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        # ~2 KB of "[[[[…" makes Python's parser recurse past its limit: RecursionError, which DRF's
        # parser (catching ValueError) let through.
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
