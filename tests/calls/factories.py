"""Bulk-made calls for read tests: one INSERT however many rows."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Any

from calls.models import Call, TranscriptEntry
from store.models import Store

# A fixed moment (a Tuesday, New York on daylight time) so expected days and hours are known.
BASE_TIME = datetime(2025, 6, 10, 16, 0, tzinfo=dt_timezone.utc)


def make_calls(
    store: Store,
    count: int,
    *,
    statuses: Sequence[str] = ("success",),
    languages: Sequence[str] = ("en",),
    types: Sequence[str] = ("inbound",),
    start: datetime = BASE_TIME,
    step: timedelta = timedelta(minutes=-1),
    starts: Sequence[datetime] | None = None,
    durations: Sequence[int] = (60,),
    prefix: str | None = None,
    model: type[Call] = Call,
    **fields: Any,
) -> list[Call]:
    """`count` calls of `store`; statuses, languages, types and durations repeat in turn.

    `model`: the Call of an earlier migration's state (a migration test), which takes the store by its id.

    Call i starts at `starts[i]` when given, else at `start + i * step`; an ended call's
    end time is its start plus its duration, a live call has none and lasts 0 s so far.
    """
    prefix = prefix if prefix is not None else f"{store.slug}-"
    calls = []
    for i in range(count):
        status = statuses[i % len(statuses)]
        begin = starts[i] if starts is not None else start + i * step
        live = status in Call.LIVE_STATUSES
        duration = 0 if live else durations[i % len(durations)]
        calls.append(
            model(
                **({"store": store} if model is Call else {"store_id": store.pk}),
                call_id=f"{prefix}{i:05d}",
                type=types[i % len(types)],
                status=status,
                language=languages[i % len(languages)],
                caller=f"+1555{i:07d}",
                receiver=f"+1800{store.pk:03d}{i % 10:04d}",
                start_time=begin,
                end_time=None if live else begin + timedelta(seconds=duration),
                duration=duration,
                **fields,
            )
        )
    return model.objects.bulk_create(calls)


def make_call(store: Store, call_id: str, **fields: Any) -> Call:
    """One call with exactly the given fields (start time defaults to BASE_TIME)."""
    fields.setdefault("start_time", BASE_TIME)
    (call,) = Call.objects.bulk_create([Call(store=store, call_id=call_id, **fields)])
    return call


def add_entries(call: Call, lines: Sequence[tuple[str, str]], *, at: datetime = BASE_TIME) -> list[TranscriptEntry]:
    """Transcript entries for `call`, in order, with its running totals kept right."""
    entries = TranscriptEntry.objects.bulk_create(
        TranscriptEntry(call=call, seq=i, speaker=speaker, text=text, at=at + timedelta(seconds=i))
        for i, (speaker, text) in enumerate(lines)
    )
    Call.objects.filter(pk=call.pk).update(
        transcript_entry_count=len(lines), transcript_chars=sum(len(s) + len(t) + 3 for s, t in lines)
    )
    return entries


def freeze_now(monkeypatch: Any, moment: datetime) -> datetime:
    """Make `django.utils.timezone.now()` answer `moment`: "today" and analytics periods become known days."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment
