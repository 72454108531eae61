"""One way to write a moment on every page: "Dec 31 2026, 23:59" in the zone of the row's store.

`{{ value|moment:store }}` (a Store, a ZoneInfo or a zone's name), `{{ value|day:store }}` for a
date alone; `{{ store|zone_note }}` names the zone where rows of several stores mix."""
from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import template
from django.utils import dateformat, timezone

register = template.Library()

MOMENT = "M j Y, H:i"
DAY = "M j Y"


def _tz(where: Any) -> zoneinfo.ZoneInfo | None:
    if where in (None, ""):
        return None
    if isinstance(where, dt.tzinfo):
        return where
    if hasattr(where, "tzinfo") and hasattr(where, "timezone"):  # a Store
        return where.tzinfo
    try:
        return zoneinfo.ZoneInfo(str(where))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def local(value: dt.datetime, where: Any = None) -> dt.datetime:
    """`value` in the zone of `where`, else in the page's current zone."""
    if value.tzinfo is None:
        return value
    tz = _tz(where)
    return value.astimezone(tz) if tz is not None else timezone.localtime(value)


@register.filter
def moment(value: Any, where: Any = None) -> str:
    """A date and time in the store's zone ("Dec 31 2026, 23:59"); empty for none."""
    if not isinstance(value, dt.datetime):
        return "" if value in (None, "") else str(value)
    return dateformat.format(local(value, where), MOMENT)


@register.filter
def day(value: Any, where: Any = None) -> str:
    """A date alone ("Dec 31 2026"), in the store's zone for a moment."""
    if isinstance(value, dt.datetime):
        value = local(value, where)
    if not isinstance(value, dt.date):
        return "" if value in (None, "") else str(value)
    return dateformat.format(value, DAY)
