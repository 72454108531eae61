"""Reading a request body through a serializer: the one place that refuses non-object bodies."""
from __future__ import annotations

import zoneinfo
from typing import Any

from django.utils import timezone
from rest_framework import serializers

# The largest row offset a list takes: the databases' OFFSET is a 64-bit integer (beyond it a 500).
MAX_OFFSET = 2**63 - 1


def validated(serializer_class: type[serializers.Serializer], data: Any, *, tz: zoneinfo.ZoneInfo | None = None, **kwargs: Any) -> serializers.Serializer:
    """Validate with naive timestamps read in `tz`; a body that is not a JSON object is a 400."""
    if not isinstance(data, dict):
        raise serializers.ValidationError({"body": ["Send a JSON object."]})
    serializer = serializer_class(data=data, **kwargs)
    with timezone.override(tz or timezone.get_current_timezone()):
        serializer.is_valid(raise_exception=True)
    return serializer


class PageLimitField(serializers.IntegerField):
    """Rows per page: 1 or more; above `maximum` is read as `maximum` (the original dashboard asks for
    `limit=1000` and reads what comes back, with the page's `limit`, rather than a 400)."""

    def __init__(self, *, maximum: int, **kwargs: Any) -> None:
        self.maximum = maximum
        kwargs.setdefault("help_text", f"Rows per page, 1-{maximum}; more is read as {maximum}.")
        super().__init__(min_value=1, **kwargs)

    def to_internal_value(self, data: Any) -> int:
        return min(super().to_internal_value(data), self.maximum)
