"""Writes to calls: every change goes through here and sends its live event after the commit."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from callcenter.errors import Conflict, PayloadTooLarge
from calls import events
from calls.models import Call, Customer, TranscriptEntry
from calls.serializers import FIELD_MAP, iso
from store.models import Store

logger = logging.getLogger(__name__)

# One append may carry at most this much text.
MAX_APPEND_BYTES = 64 * 1024


@dataclass(frozen=True)
class EntryIn:
    speaker: str
    text: str
    at: datetime | None = None


def parse_transcript_text(text: str) -> list[EntryIn]:
    """Split "User: Hello\\nBot: Hi!\\n" into speaker entries; a line without a speaker keeps an empty one."""
    entries = []
    for line in text.splitlines():
        if not line.strip():
            continue
        speaker, sep, rest = line.partition(":")
        if sep and 0 < len(speaker.strip()) <= 40 and "\n" not in speaker:
            entries.append(EntryIn(speaker=speaker.strip(), text=rest.strip()))
        else:
            entries.append(EntryIn(speaker="", text=line.strip()))
    return entries


def _derive_duration(fields: dict[str, Any], call: Call | None) -> None:
    """Fill `duration` from start and end when the client did not send one; reject end before start."""
    start = fields.get("start_time") or (call.start_time if call else None)
    end = fields["end_time"] if "end_time" in fields else (call.end_time if call else None)
    if start and end:
        if end < start:
            raise ValidationError({"endTime": ["endTime is before startTime."]})
        if "duration" not in fields:
            fields["duration"] = int((end - start).total_seconds())


def create_call(*, store: Store, fields: dict[str, Any], transcript: list[EntryIn] | None = None) -> tuple[Call, bool]:
    """Log a call; the same callId in the same store returns the existing call instead of a second row."""
    call_id = fields["call_id"]
    existing = Call.objects.select_related("store").filter(store=store, call_id=call_id).first()
    if existing is not None:
        return existing, False
    fields = {**fields}
    fields.setdefault("start_time", timezone.now())
    _derive_duration(fields, None)
    try:
        with transaction.atomic():
            call = Call.objects.create(store=store, **fields)
            record_customer(call)
            if transcript:
                _append_locked(call, transcript)
            events.publish_call_started(store_id=store.pk, call_id=call.call_id, caller=call.caller, receiver=call.receiver)
    except IntegrityError:
        # Another request created the same callId between our read and our insert.
        existing = Call.objects.select_related("store").filter(store=store, call_id=call_id).first()
        if existing is None:
            raise
        return existing, False
    call.store = store
    return call, True


# Numbers Twilio sends for callers who hide their caller ID (ANONYMOUS, RESTRICTED, UNAVAILABLE, UNKNOWN).
HIDDEN_CALLER_IDS = frozenset({"+266696687", "+7378742833", "+86282452253", "+8656696"})


def record_customer(call: Call) -> None:
    """The other party of a new call becomes the store's customer on their first call (never twice, even racing)."""
    phone = (call.caller if call.type == Call.Type.INBOUND else call.receiver).strip()
    if not any(ch.isdigit() for ch in phone) or phone in HIDDEN_CALLER_IDS:
        return
    # ON CONFLICT DO NOTHING: a later call, or a concurrent first one, leaves the existing customer alone.
    Customer.objects.bulk_create([Customer(store_id=call.store_id, phone=phone, first_call_at=call.start_time)], ignore_conflicts=True)


def update_call(*, call: Call, fields: dict[str, Any]) -> Call:
    """Change a call's fields; a finished call never goes back to live."""
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        was_live = locked.is_live
        new_status = fields.get("status")
        if new_status in Call.LIVE_STATUSES and not was_live:
            raise ValidationError({"status": [f"The call has ended ({locked.status}); it cannot become {new_status} again."]})
        if "call_id" in fields and fields["call_id"] != locked.call_id:
            if Call.objects.filter(store_id=locked.store_id, call_id=fields["call_id"]).exists():
                raise ValidationError({"callId": ["Another call in this store already has this callId."]})
        fields = {**fields}
        _derive_duration(fields, locked)
        if fields.get("status") in Call.FINAL_STATUSES and not fields.get("end_time") and not locked.end_time:
            fields["end_time"] = timezone.now()
            _derive_duration(fields, locked)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save()
        changed = {name: _jsonable(getattr(locked, name)) for name in fields}
        events.publish_call_updated(store_id=locked.store_id, call_id=locked.call_id, data=_camel(changed))
        if was_live and not locked.is_live:
            events.publish_call_terminated(store_id=locked.store_id, call_id=locked.call_id, status=locked.status)
    locked.store = call.store
    return locked


def append_transcript(*, call: Call, entries: list[EntryIn]) -> str:
    """Append entries under the call's row lock, so concurrent appends all survive in arrival order."""
    size = sum(len(e.text.encode()) + len(e.speaker.encode()) for e in entries)
    if size > MAX_APPEND_BYTES:
        raise PayloadTooLarge(f"One transcript append may carry at most {MAX_APPEND_BYTES // 1024} KB.")
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        _append_locked(locked, entries)
        transcript = transcript_text(locked)
        events.publish_transcript_updated(store_id=locked.store_id, call_id=locked.call_id, transcript=transcript)
    return transcript


def set_transcript(*, call: Call, entries: list[EntryIn]) -> str:
    """Make `entries` the call's whole transcript (PATCH /api/calls/<id> with `transcript`).

    A bot that appended lines during the call and sends the full transcript at the end
    must not get every line twice: when what is stored is the start of what was sent,
    only the rest is appended; otherwise the transcript is replaced.
    """
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        stored = [(e.speaker, e.text) for e in locked.entries.all()]
        sent = [(e.speaker, e.text) for e in entries]
        if sent[: len(stored)] == stored:
            entries = entries[len(stored) :]
        else:
            locked.entries.all().delete()
            locked.transcript_entry_count = locked.transcript_chars = 0
        if entries or not stored:
            _append_locked(locked, entries)
        transcript = transcript_text(locked)
        events.publish_transcript_updated(store_id=locked.store_id, call_id=locked.call_id, transcript=transcript)
    return transcript


def _append_locked(call: Call, entries: list[EntryIn]) -> None:
    added_chars = sum(len(e.text) + len(e.speaker) + 3 for e in entries)
    if call.transcript_chars + added_chars > Call.MAX_TRANSCRIPT_CHARS:
        raise PayloadTooLarge("The call's transcript would grow past 1 MB.")
    now = timezone.now()
    first = call.transcript_entry_count
    TranscriptEntry.objects.bulk_create(
        TranscriptEntry(call=call, seq=first + i, speaker=e.speaker, text=e.text, at=e.at or now)
        for i, e in enumerate(entries)
    )
    call.transcript_entry_count = first + len(entries)
    call.transcript_chars += added_chars
    Call.objects.filter(pk=call.pk).update(
        transcript_entry_count=call.transcript_entry_count, transcript_chars=call.transcript_chars, updated_at=now
    )


def transcript_text(call: Call) -> str:
    return "".join(f"{entry.line}\n" for entry in call.entries.all())


def terminate_call(*, call: Call) -> Call:
    """Hang up a live call (through Twilio when it is a Twilio call) and mark it terminated."""
    if not call.is_live:
        raise Conflict("Call is not active")
    if call.is_twilio_call:
        # The REST call happens before, never inside, the transaction.
        import_string(settings.CALL_HANGUP_FUNCTION)(call.call_id)
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        if not locked.is_live:
            raise Conflict("Call is not active")
        now = timezone.now()
        locked.status = Call.Status.TERMINATED
        locked.end_time = now
        locked.duration = max(int((now - locked.start_time).total_seconds()), 0)
        locked.save(update_fields=["status", "end_time", "duration", "updated_at"])
        events.publish_call_terminated(store_id=locked.store_id, call_id=locked.call_id, status=locked.status)
    locked.store = call.store
    return locked


def delete_call(*, call: Call) -> None:
    """Delete a call and its transcript; a live call is announced as terminated first."""
    with transaction.atomic():
        if call.is_live:
            events.publish_call_terminated(store_id=call.store_id, call_id=call.call_id, status=Call.Status.TERMINATED)
        call.delete()


def _jsonable(value: Any) -> Any:
    # In UTC as the REST answers give it: a naive endTime was read in the store's zone.
    return iso(value) if isinstance(value, datetime) else value


def _camel(fields: dict[str, Any]) -> dict[str, Any]:
    reverse = {model: api for api, model in FIELD_MAP.items()}
    return {reverse.get(name, name): value for name, value in fields.items()}
