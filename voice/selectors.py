"""Reads the voice webhooks need: the store a number rings, the call a CallSid names."""
from __future__ import annotations

from django.db import connection
from django.db.models import TextField
from django.db.models.functions import Cast

from calls.models import Call
from store.models import Store


def store_for_number(number: str) -> Store | None:
    """The store whose Twilio numbers include `number` (E.164, as Twilio sends `To`)."""
    number = (number or "").strip()
    if not number.startswith("+"):
        return None
    if connection.vendor == "postgresql":
        candidates = Store.objects.filter(twilio_numbers__contains=[number])
    else:
        # SQLite has no JSON containment: narrow by the quoted number in the JSON text, then check exactly.
        candidates = Store.objects.annotate(numbers_text=Cast("twilio_numbers", TextField())).filter(
            numbers_text__contains=f'"{number}"'
        )
    # Store services keep a number on one store only; the oldest wins if data says otherwise.
    return next((store for store in candidates.order_by("pk")[:5] if number in (store.twilio_numbers or [])), None)


def call_for_sid(call_sid: str, *, numbers: tuple[str, ...] = ()) -> Call | None:
    """The call Twilio names by CallSid; among several stores' rows, the one whose store owns one of `numbers`."""
    if not call_sid:
        return None
    calls = list(Call.objects.select_related("store").filter(call_id=call_sid).order_by("pk")[:5])
    wanted = {number for number in numbers if number}
    for call in calls:
        # A bot may log a call under any id; the store that owns the dialled number is the real one.
        if wanted & set(call.store.twilio_numbers or []):
            return call
    return calls[0] if calls else None
