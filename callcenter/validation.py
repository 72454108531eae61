"""Reading a request body through a serializer: the one place that refuses non-object bodies."""
from __future__ import annotations

import zoneinfo
from typing import Any

from django.utils import timezone
from rest_framework import serializers


def validated(serializer_class: type[serializers.Serializer], data: Any, *, tz: zoneinfo.ZoneInfo | None = None, **kwargs: Any) -> serializers.Serializer:
    """Validate with naive timestamps read in `tz`; a body that is not a JSON object is a 400."""
    if not isinstance(data, dict):
        raise serializers.ValidationError({"body": ["Send a JSON object."]})
    serializer = serializer_class(data=data, **kwargs)
    with timezone.override(tz or timezone.get_current_timezone()):
        serializer.is_valid(raise_exception=True)
    return serializer
