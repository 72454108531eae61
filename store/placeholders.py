"""The placeholders owner-written text may use, and the one substitution that fills them.

Owner-written text (voice templates, the store's greeting and hold message) is data, never a
format string: `str.format` would give `{address.__class__}` attribute access and
`{store_name:>20000000}` a 20 MB width. `fill` replaces `{name}` for the documented names only,
with a regex; nothing in braces is ever evaluated. `{{` and `}}` are a literal `{` and `}` (as in
`str.format`, so texts written for the original app keep their meaning). `validate_text` refuses,
on save, anything else that looks like a placeholder.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from django.core.exceptions import ValidationError

# The one list (README's "templates use only the documented placeholders" names the same ones;
# tests/store/test_placeholders.py holds them equal).
PLACEHOLDERS: dict[str, str] = {
    "store_name": "the store's name",
    "store_phone": "the store's phone number",
    "address": "the store's address",
    "hours": "the week's opening hours, as the hours table says them",
    "item_name": "the product asked about",
    "item": "the product asked about (original templates)",
    "price": "its price",
    "stock_quantity": "how many are left",
    "location": "where it is (aisle)",
    "department": "a department's name",
    "extension": "a department's extension",
    "coupon_code": "a coupon's code",
    "discount": "a coupon's discount, e.g. 20% or $5",
    "coupons": "the deals read out in a sentence",
    "caller_name": "the caller's name when known",
    "medication": "a prescription's medication (pharmacy)",
    "pharmacy": "another pharmacy's name (pharmacy)",
    "day": "the day asked about, as said back (\"Tomorrow, Saturday\")",
    "days": "the weekdays the store is closed every week (\"Sundays\")",
    "when": "when a callback is promised (\"tomorrow at 7 AM\")",
    "answer": "the answer of the store's FAQ entry asked about",
    "staff_name": "a staff member's name",
}

# An escaped brace, a braced run (a placeholder or what looks like one), or a lone brace.
TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
# A documented name followed by what str.format would have read as a spec, conversion, attribute or index.
DECORATED = re.compile(r"\s*(\w+)\s*[:!.\[].*", re.DOTALL)


def placeholders_in(text: str) -> set[str]:
    """The braced names in `text` (documented or not), escaped braces aside."""
    return {match.group(1) for match in TOKEN.finditer(text) if match.group(1) is not None}


def fill(text: str, values: Mapping[str, object]) -> str:
    """`text` with each documented `{name}` replaced by `values[name]` (left out when missing or None).

    Anything else in braces (a text saved before validation existed) is left out rather than spoken;
    values are inserted as they are, never substituted again.
    """

    def one(match: re.Match[str]) -> str:
        token, name = match.group(0), match.group(1)
        if token in ("{{", "}}"):
            return token[0]
        if name is None:  # a lone brace is just a character
            return token
        value = values.get(name) if name in PLACEHOLDERS else None
        return "" if value is None else str(value)

    return TOKEN.sub(one, text)


def allowed() -> str:
    return ", ".join("{" + name + "}" for name in PLACEHOLDERS)


def problems(text: str) -> list[str]:
    """What is wrong with the placeholders in `text`, one sentence each; empty when it may be saved."""
    found: list[str] = []
    for match in TOKEN.finditer(text):
        token, name = match.group(0), match.group(1)
        if token in ("{{", "}}") or name in PLACEHOLDERS:
            continue
        if name is None:
            found.append(f"A lone '{token}': write '{token * 2}' for a brace the caller should hear.")
            continue
        decorated = DECORATED.fullmatch(name)
        if decorated and decorated.group(1) in PLACEHOLDERS:
            found.append(f"{token[:60]} is not allowed: a placeholder is its name alone (no format spec, conversion, attribute or index), e.g. {{{decorated.group(1)}}}.")
        else:
            found.append(f"Unknown placeholder {token[:60]}.")
    return list(dict.fromkeys(found))


def validate_text(text: str) -> None:
    """Raise a ValidationError listing the allowed placeholders when `text` uses anything else in braces."""
    found = problems(text or "")
    if found:
        raise ValidationError(f"{' '.join(found[:3])} Use only these placeholders: {allowed()}.")
