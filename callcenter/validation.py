"""Reading a request body through a serializer: the one place that refuses non-object bodies."""
from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.serializers import as_serializer_error

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


class EveryError:
    """A serializer mixin that reports every problem in one answer: each field's own errors, and the
    rules of `validate()` checked on the fields that are valid (DRF stops before `validate()` at the
    first field error, so a form showed a duplicate only once the other fields were right).
    `validate()` must therefore accept values with some fields absent."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        try:
            return super().to_internal_value(data)  # type: ignore[misc]
        except serializers.ValidationError as exc:
            if not isinstance(exc.detail, dict) or not isinstance(data, Mapping):
                raise
            errors = dict(exc.detail)
        valid: dict[str, Any] = {}
        for field in self._writable_fields:  # type: ignore[attr-defined]
            if field.field_name in errors:
                continue
            try:
                value = field.run_validation(field.get_value(data))
                method = getattr(self, "validate_" + field.field_name, None)
                if method is not None:
                    value = method(value)
            except (serializers.ValidationError, DjangoValidationError, SkipField):
                continue
            self.set_value(valid, field.source_attrs, value)  # type: ignore[attr-defined]
        try:
            self.validate(valid)  # type: ignore[attr-defined]
        except (serializers.ValidationError, DjangoValidationError) as exc:
            for name, messages in as_serializer_error(exc).items():
                errors.setdefault(name, messages)
        raise serializers.ValidationError(errors)
