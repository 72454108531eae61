"""Request body parsers for the API."""
from __future__ import annotations

import math
import re
from typing import Any

from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser

# Arrays and objects inside each other, counting the body itself. The API's deepest documented
# body (voice settings inside settings) is 3; free-form metadata gets room, but not so much that
# reading it back (json.dumps, the database's jsonb) runs out of stack.
MAX_JSON_DEPTH = 32
# A lone UTF-16 surrogate (JSON's "\udfff" without its pair) is no character: UTF-8 cannot encode it.
SURROGATE = re.compile("[\ud800-\udfff]")


def unstorable(data: Any) -> tuple[str, str] | None:
    """Why the parsed JSON cannot be stored (as text, jsonb or JSON written back): (top-level field or "", problem).

    Walked without recursion, so depth itself cannot exhaust the stack here.
    """
    stack: list[tuple[Any, int, str]] = [(data, 1, "")]
    while stack:
        value, depth, field = stack.pop()
        if isinstance(value, dict):
            items = value.items()
        elif isinstance(value, list):
            items = ((field, item) for item in value)
        else:
            if (problem := _scalar_problem(value)) is not None:
                return field, problem
            continue
        if depth > MAX_JSON_DEPTH:
            return field, f"Nested deeper than {MAX_JSON_DEPTH} levels."
        for key, item in items:
            # A problem is reported on the body's top-level field it is in (`metadata`): what a client sent.
            name = field or str(key)
            if isinstance(value, dict) and (problem := _scalar_problem(key)) is not None:
                return name, f"A key {problem[0].lower()}{problem[1:]}"
            stack.append((item, depth + 1, name))
    return None


def _scalar_problem(value: Any) -> str | None:
    if isinstance(value, str):
        if "\x00" in value:
            # PostgreSQL's text and jsonb cannot hold NUL.
            return "Contains a NUL character (\\u0000), which cannot be stored."
        if not value.isascii() and SURROGATE.search(value):
            return "Contains a lone surrogate (\\ud800-\\udfff), which is not a character."
        return None
    if isinstance(value, float) and not math.isfinite(value):
        # 1e999 reads as infinity, which JSON (and jsonb) cannot write back.
        return "Contains a number too large to store."
    return None


class StorableJSONParser(JSONParser):
    """JSON that can be stored and written back, else a 400 naming the top-level field it is in
    (validation_error; parse_error for the body as a whole, e.g. a list nested too deep).

    Refused anywhere in the body, keys included: a NUL character, a lone surrogate, a number that
    overflows to infinity, nesting deeper than MAX_JSON_DEPTH (a thousand levels exhausted Python's
    stack in the decoder: a 500 even on the unauthenticated login). DRF's CharField refuses NUL and
    surrogates already; this covers free-form JSON fields (call metadata, voice settings) too, which
    would otherwise fail in the database or when read back (500).
    """

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"The JSON body is nested deeper than {MAX_JSON_DEPTH} levels.") from None
        if (found := unstorable(data)) is not None:
            field, problem = found
            if not field:
                raise ParseError(f"The JSON body: {problem[0].lower()}{problem[1:]}")
            raise ValidationError({field: [problem]})
        return data
