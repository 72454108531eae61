"""Request body parsers for the API."""
from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


class NulFreeJSONParser(JSONParser):
    """JSON, refusing a NUL character (\\u0000) anywhere: PostgreSQL's text and jsonb cannot hold one,
    and a JSON field (call metadata, voice settings) would otherwise fail in the database (500).
    DRF's CharField refuses NUL already; this covers keys and values of free-form JSON too."""

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        if _has_nul(data):
            raise ParseError("The JSON body contains a NUL character (\\u0000), which cannot be stored.")
        return data
