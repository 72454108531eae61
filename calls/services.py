"""Writes to calls: every change goes through here and sends its live event after the commit."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from callcenter.errors import Conflict, PayloadTooLarge
from calls import events
from calls.models import Call, Customer, ScheduledCallback, TranscriptEntry, transcript_line
from calls.serializers import FIELD_MAP, iso
from store.models import Store

logger = logging.getLogger(__name__)

# Columns written through update_call that no live event carries: the voice agent's own memory.
PRIVATE_FIELDS = frozenset({"dialogue_state"})
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


def _seconds_between(start: datetime | None, end: datetime | None) -> int:
    return int((end - start).total_seconds()) if start and end else 0


def _derive_duration(fields: dict[str, Any], call: Call | None) -> None:
    """Fill `duration` from start and end when the client did not send one; reject end before start.

    On an existing call only a change of start or end derives it again, and only when its duration
    was itself derived: a given one (Twilio's billed CallDuration, a bot's `duration`) stays until a
    request sets `duration` itself. A recording, an outcome or an end time must not turn 42 s into 0.
    """
    start = fields.get("start_time") or (call.start_time if call else None)
    end = fields["end_time"] if "end_time" in fields else (call.end_time if call else None)
    if not (start and end):
        return
    if end < start:
        raise ValidationError({"endTime": ["endTime is before startTime."]})
    if "duration" in fields:
        return
    if call is not None:
        if "start_time" not in fields and "end_time" not in fields:
            return
        if call.duration != _seconds_between(call.start_time, call.end_time):
            return
    fields["duration"] = _seconds_between(start, end)


def create_call(*, store: Store, fields: dict[str, Any], transcript: list[EntryIn] | None = None) -> tuple[Call, bool]:
    """Log a call; the same callId in the same store returns the existing call instead of a second row."""
    fields = {**fields}
    fields.setdefault("start_time", timezone.now())
    _derive_duration(fields, None)
    # Insert first: a new call is the common case, and the unique (store, callId) constraint,
    # not an earlier read, is what keeps a repeated or racing callId from making a second row.
    try:
        with transaction.atomic():
            call = Call.objects.create(store=store, **fields)
            record_customer(call)
            if transcript:
                _append_locked(call, transcript)
            events.publish_call_started(store_id=store.pk, call_id=call.call_id, caller=call.caller, receiver=call.receiver, pk=call.pk, store=store.slug)
    except IntegrityError:
        existing = Call.objects.filter(store=store, call_id=fields["call_id"]).first()
        if existing is None:
            raise
        existing.store = store
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


def update_call(*, call: Call, fields: dict[str, Any], locked: bool = False) -> Call:
    """Change a call's fields; a finished call never goes back to live.

    `locked=True`: `call` was read with select_for_update in the caller's transaction.
    """
    # No savepoint when nested: a refused change is raised after the block, having written
    # nothing, so the caller's transaction stays usable (the admin reports the error and goes on).
    with transaction.atomic(savepoint=False):
        target = call if locked else Call.objects.select_for_update().get(pk=call.pk)
        was_live = target.is_live
        try:
            fields = _checked(target, fields)
        except ValidationError as exc:
            refused = exc
        else:
            refused = None
            for name, value in fields.items():
                setattr(target, name, value)
            # Only what changed: a full-row UPDATE would rewrite metadata and every other column.
            target.save(update_fields=[*fields, "updated_at"])
            changed = {name: _jsonable(getattr(target, name)) for name in fields if name not in PRIVATE_FIELDS}
            events.publish_call_updated(store_id=target.store_id, call_id=target.call_id, data=_camel(changed), **_names(call))
            if was_live and not target.is_live:
                events.publish_call_terminated(store_id=target.store_id, call_id=target.call_id, status=target.status, **_names(call))
    if refused is not None:
        raise refused
    if not locked:
        target.store = call.store
    return target


def _checked(call: Call, fields: dict[str, Any]) -> dict[str, Any]:
    """The fields to write on the locked `call`, duration and end time derived; ValidationError when refused."""
    new_status = fields.get("status")
    if new_status in Call.LIVE_STATUSES and not call.is_live:
        raise ValidationError({"status": [f"The call has ended ({call.status}); it cannot become {new_status} again."]})
    if "call_id" in fields and fields["call_id"] != call.call_id:
        if Call.objects.filter(store_id=call.store_id, call_id=fields["call_id"]).exists():
            raise ValidationError({"callId": ["Another call in this store already has this callId."]})
    fields = {**fields}
    _derive_duration(fields, call)
    if fields.get("status") in Call.FINAL_STATUSES and not fields.get("end_time") and not call.end_time:
        fields["end_time"] = timezone.now()
        _derive_duration(fields, call)
    return fields


def append_transcript(*, call: Call, entries: list[EntryIn]) -> str:
    """Append entries in arrival order, even when appends to one call race; returns the whole transcript."""
    size = sum(len(e.text.encode()) + len(e.speaker.encode()) for e in entries)
    if size > MAX_APPEND_BYTES:
        raise PayloadTooLarge(f"One transcript append may carry at most {MAX_APPEND_BYTES // 1024} KB.")
    now = timezone.now()
    # No savepoint when nested (a voice turn): too large is known before anything is written.
    with transaction.atomic(savepoint=False):
        first = _reserve(call, len(entries), _chars(entries), now)
        if first is not None:
            _insert_entries(call, entries, first, now)
            transcript = transcript_text(call)
            events.publish_transcript_updated(store_id=call.store_id, call_id=call.call_id, transcript=transcript, **_names(call))
    if first is None:
        raise PayloadTooLarge("The call's transcript would grow past 1 MB.")
    return transcript


def set_transcript(*, call: Call, entries: list[EntryIn], locked: bool = False) -> str:
    """Make `entries` the call's whole transcript (PATCH /api/calls/<id> with `transcript`).

    A bot that appended lines during the call and sends the full transcript at the end
    must not get every line twice: when what is stored is the start of what was sent,
    only the rest is appended; otherwise the transcript is replaced.
    """
    # No savepoint when nested: a 413 here undoes the caller's whole request anyway.
    with transaction.atomic(savepoint=False):
        if not locked:
            call = Call.objects.select_for_update().select_related("store").get(pk=call.pk)
        stored = list(call.entries.values_list("speaker", "text"))
        sent = [(e.speaker, e.text) for e in entries]
        if sent[: len(stored)] == stored:
            entries = entries[len(stored) :]
        else:
            call.entries.all().delete()
            call.transcript_entry_count = call.transcript_chars = 0
        if entries or not stored:
            _append_locked(call, entries)
        transcript = transcript_text(call)
        events.publish_transcript_updated(store_id=call.store_id, call_id=call.call_id, transcript=transcript, **_names(call))
    return transcript


def _chars(entries: list[EntryIn]) -> int:
    return sum(len(e.text) + len(e.speaker) + 3 for e in entries)


def _reserve(call: Call, count: int, chars: int, now: datetime) -> int | None:
    """Lock the call's row and move its transcript counters on, in one statement; the first new seq, or None past 1 MB.

    Concurrent appends queue on the row lock that this UPDATE takes, and each one reads the
    counters the one before it committed: the entries keep arrival order and no seq repeats.
    The call's metadata comes back too, as of the lock: a voice turn goes on from it under
    that lock instead of reading the row a second time.
    """
    table = connection.ops.quote_name(Call._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET transcript_entry_count = transcript_entry_count + %s,"
            " transcript_chars = transcript_chars + %s, updated_at = %s"
            " WHERE id = %s AND transcript_chars + %s <= %s RETURNING transcript_entry_count, transcript_chars, metadata",
            [count, chars, connection.ops.adapt_datetimefield_value(now), call.pk, chars, Call.MAX_TRANSCRIPT_CHARS],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    call.transcript_entry_count, call.transcript_chars, metadata = row
    call.metadata = Call._meta.get_field("metadata").from_db_value(metadata, None, connection) if isinstance(metadata, str) else metadata
    call.updated_at = now
    return row[0] - count


def _append_locked(call: Call, entries: list[EntryIn]) -> None:
    """Append under a row lock the caller holds (or on a call this transaction created)."""
    added_chars = _chars(entries)
    if call.transcript_chars + added_chars > Call.MAX_TRANSCRIPT_CHARS:
        raise PayloadTooLarge("The call's transcript would grow past 1 MB.")
    now = timezone.now()
    _insert_entries(call, entries, call.transcript_entry_count, now)
    call.transcript_entry_count += len(entries)
    call.transcript_chars += added_chars
    call.updated_at = now
    Call.objects.filter(pk=call.pk).update(
        transcript_entry_count=call.transcript_entry_count, transcript_chars=call.transcript_chars, updated_at=now
    )


# Plain SQL for the two statements every append runs (a voice turn, a bot's line): building them with
# the ORM cost more CPU than running them. Rows per INSERT stay within SQLite's and PostgreSQL's limits
# on parameters (5 a row).
INSERT_BATCH = 1000


def _insert_entries(call: Call, entries: list[EntryIn], first: int, now: datetime) -> None:
    """The entries as rows `first`, `first + 1`, ...: one multi-row INSERT, no ids read back (nothing uses them)."""
    table = connection.ops.quote_name(TranscriptEntry._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(entries), INSERT_BATCH):
            batch = entries[start : start + INSERT_BATCH]
            params: list[Any] = []
            for seq, entry in enumerate(batch, first + start):
                params += [call.pk, seq, entry.speaker, entry.text, connection.ops.adapt_datetimefield_value(entry.at or now)]
            rows = ", ".join(["(%s, %s, %s, %s, %s)"] * len(batch))
            cursor.execute(f"INSERT INTO {table} (call_id, seq, speaker, text, at) VALUES {rows}", params)


def transcript_text(call: Call) -> str:
    """The whole transcript as "Speaker: text" lines (no model instances: only the two columns)."""
    table = connection.ops.quote_name(TranscriptEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT speaker, text FROM {table} WHERE call_id = %s ORDER BY seq", [call.pk])
        return "".join(f"{transcript_line(speaker, text)}\n" for speaker, text in cursor.fetchall())


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
        events.publish_call_terminated(store_id=locked.store_id, call_id=locked.call_id, status=locked.status, **_names(call))
    locked.store = call.store
    return locked


def delete_call(*, call: Call) -> None:
    """Delete a call and its transcript; a live call is announced as terminated first."""
    with transaction.atomic():
        if call.is_live:
            events.publish_call_terminated(store_id=call.store_id, call_id=call.call_id, status=Call.Status.TERMINATED, **_names(call))
        call.delete()


def customer_for_phone(*, store: Store, phone: str, now: datetime | None = None) -> Customer:
    """The store's customer with this number, made now when there is none (never twice, even racing)."""
    phone = phone.strip()[:40]
    Customer.objects.bulk_create([Customer(store_id=store.pk, phone=phone, first_call_at=now)], ignore_conflicts=True)
    return Customer.objects.get(store_id=store.pk, phone=phone)


def create_callback(
    *,
    store: Store,
    scheduled_at: datetime,
    customer: Customer | None = None,
    phone: str = "",
    reason: str = "",
    priority: str = ScheduledCallback.Priority.MEDIUM,
    status: str = ScheduledCallback.Status.SCHEDULED,
    assigned_agent: Any = None,
    notes: str = "",
    now: datetime | None = None,
) -> ScheduledCallback:
    """Schedule a call back to one of the store's customers (a row, or a caller's number); `callbackCreated` after the commit.

    The one way a callback is made: the voice agent (a caller said yes to the offer) and POST /api/callbacks."""
    now = now or timezone.now()
    if customer is None:
        if not any(ch.isdigit() for ch in phone):
            raise ValidationError({"customer": ["A callback needs the customer's phone number."]})
    elif customer.store_id != store.pk:
        raise ValidationError({"customer": ["A callback stays with its store's customers."]})
    with transaction.atomic():
        customer = customer or customer_for_phone(store=store, phone=phone, now=now)
        callback = ScheduledCallback.objects.create(
            store=store, customer=customer, scheduled_at=scheduled_at, reason=reason[:300], priority=priority, status=status,
            assigned_agent=assigned_agent, notes=notes, created_at=now,
            completed_at=now if status == ScheduledCallback.Status.COMPLETED else None,
        )  # fmt: skip
        events.publish_callback_created(
            store_id=store.pk, store_slug=store.slug, callback_id=callback.pk, customer_id=customer.pk, customer_phone=customer.phone,
            customer_name=customer.name, scheduled_at=iso(callback.scheduled_at), reason=callback.reason,
        )  # fmt: skip
    callback.store, callback.customer = store, customer
    return callback


def _names(call: Call) -> dict[str, Any]:
    """The call's row id and its store's slug, as every live event carries them beside callId."""
    return {"pk": call.pk, "store": call.store.slug}


def _jsonable(value: Any) -> Any:
    # In UTC as the REST answers give it: a naive endTime was read in the store's zone.
    return iso(value) if isinstance(value, datetime) else value


def _camel(fields: dict[str, Any]) -> dict[str, Any]:
    reverse = {model: api for api, model in FIELD_MAP.items()}
    return {reverse.get(name, name): value for name, value in fields.items()}
