"""A Twilio call's lifecycle: start it, take the caller's turns, apply Twilio's status and recording callbacks.

Every write goes through calls.services, so the live dashboard hears each change after the commit.
"""
from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from callcenter.errors import PayloadTooLarge
from calls import services as call_services
from calls.models import Call
from calls.services import EntryIn
from store.models import Store
from voice import dead_ends, dialogue
from voice.models import AIAgent, TwilioRequest
from voice.dialogue import Reply, Turn
from voice.turn import CallbackRequest

logger = logging.getLogger(__name__)

AGENT, CALLER = "Agent", "Caller"
# Call.language values the dialogue engine speaks; `mixed` is seed 000's Hindi-and-English callers.
CALL_LANGUAGES = ("en", "es", "hi")
# One SpeechResult longer than this is noise, not a question; the transcript keeps the start.
MAX_UTTERANCE_CHARS = 2000

# Twilio's CallStatus values (and statusCallbackEvent names) onto ours. `completed` is only a
# success when the call was answered; see _ending().
STATUS_MAP: dict[str, str] = {
    "queued": Call.Status.QUEUED,
    "initiated": Call.Status.QUEUED,
    "ringing": Call.Status.RINGING,
    "in-progress": Call.Status.IN_PROGRESS,
    "answered": Call.Status.IN_PROGRESS,
    "completed": Call.Status.SUCCESS,
    "busy": Call.Status.MISSED,
    "no-answer": Call.Status.MISSED,
    # Canceled: the caller hung up while queued or ringing (a hang-up from the dashboard is
    # already `terminated` by then, and a terminal status is never left).
    "canceled": Call.Status.MISSED,
    "failed": Call.Status.FAILED,
}
LIVE_ORDER = {Call.Status.QUEUED: 0, Call.Status.RINGING: 1, Call.Status.IN_PROGRESS: 2}
DIGITS_LINE = re.compile(r"pressed [0-9*#w]+")


def call_language(*, store: Store, voice_language: str) -> str:
    """The call's language from the store's <Say>/<Gather> language (`en-US` -> `en`); `mixed` stores stay mixed."""
    if store.language == "mixed":
        return "mixed"
    code = (voice_language or "").split("-")[0].lower()
    return code if code in CALL_LANGUAGES else "en"


def _metadata(call: Call) -> dict[str, Any]:
    # Bots may PATCH any JSON into metadata; the voice agent's keys live beside theirs.
    return dict(call.metadata) if isinstance(call.metadata, dict) else {}


def _state(call: Call) -> dict[str, Any]:
    return dict(call.dialogue_state) if isinstance(call.dialogue_state, dict) else {}


def _append(call: Call, entries: list[EntryIn]) -> bool:
    """Append transcript lines; a transcript already at its size limit loses the line, not the call.

    True when appended: the call's row is then locked, and its counters and metadata are as of the lock."""
    entries = [entry for entry in entries if entry.text]
    if not entries:
        return False
    try:
        call_services.append_transcript(call=call, entries=entries)
        return True
    except PayloadTooLarge:
        logger.warning("call %s: transcript full, %d line(s) not kept", call.call_id, len(entries))
        return False


def _commit_without_waiting_for_disk() -> None:
    """Inside a transaction: its commit returns before the WAL reaches the disk (see VOICE_DURABLE_COMMIT).

    The caller is waiting on the line for each answer; a slow disk flush (tens of milliseconds,
    at times over a hundred) would be silence on the phone. What is at stake is the last moment
    of a transcript if the database server itself crashes; nothing can be half-written.
    """
    if connection.vendor == "postgresql" and not settings.VOICE_DURABLE_COMMIT:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


@dataclass(frozen=True)
class RequestKey:
    """What one Twilio request is known by across its retries and replays (voice.models.TwilioRequest)."""

    signature: str | None = None  # only when the signed URL carries a turn: then it differs every turn
    token: str | None = None  # SHA-256 of I-Twilio-Idempotency-Token

    def __bool__(self) -> bool:
        return bool(self.signature or self.token)


class Replayed(Exception):
    """The request was answered before: `response` is that first answer ("" if the call has ended since), and nothing was written."""

    def __init__(self, response: str) -> None:
        super().__init__("a Twilio request answered before")
        self.response = response


def _claim(call: Call, key: RequestKey, response: str) -> None:
    """Inside the request's transaction, before its first write: claim it, or raise Replayed when it was answered.

    ON CONFLICT DO NOTHING on the unique (call, signature) and (call, token): an identical request
    running at the same time waits on that index until this transaction ends, then finds the row
    (or claims it, when this one rolled back). A replay therefore writes nothing and sends no event.
    """
    table = connection.ops.quote_name(TwilioRequest._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (call_id, signature, token, response, created_at) VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            [call.pk, key.signature, key.token, response, connection.ops.adapt_datetimefield_value(timezone.now())],
        )
        if cursor.rowcount == 1:
            return
    logger.info("call %s: a replayed Twilio request answered as before, nothing written", call.call_id)
    raise Replayed(answered_before(call=call, key=key) or "")


def answered_before(*, call: Call, key: RequestKey) -> str | None:
    """The TwiML a request known by `key` was answered with, or None."""
    same = Q(signature=key.signature) if key.signature else Q(pk__in=[])
    if key.token:
        same |= Q(token=key.token)
    return TwilioRequest.objects.filter(same, call=call).values_list("response", flat=True).first()


def start_call(*, store: Store, call_sid: str, type: str, caller: str, receiver: str, language: str) -> tuple[Call, str]:
    """Log the call Twilio connected and greet the caller once (Twilio retries add nothing); returns the call and the greeting."""
    call, _ = call_services.create_call(
        store=store,
        fields={
            "call_id": call_sid,
            "type": type,
            "caller": caller[:40],
            "receiver": receiver[:40],
            "status": Call.Status.IN_PROGRESS,
            "language": language,
            # The store's AI agent on duty answers: its dashboard counts the calls it handled.
            "ai_agent": AIAgent.objects.on_duty(store_id=store.pk, at=timezone.now(), tz=store.tzinfo),
        },
    )
    if not call.is_live:
        return call, ""
    greeting = dialogue.greeting(store, language=call.language)
    with transaction.atomic():
        _commit_without_waiting_for_disk()
        locked = Call.objects.select_for_update().get(pk=call.pk)
        locked.store = store
        if locked.status != Call.Status.IN_PROGRESS:
            # An outbound call the API logged as queued: Twilio asks for its TwiML once answered.
            locked = call_services.update_call(call=locked, fields={"status": Call.Status.IN_PROGRESS}, locked=True)
        if locked.transcript_entry_count == 0:
            _append(locked, [EntryIn(speaker=AGENT, text=greeting)])
    return locked, greeting


def take_turn(
    *,
    call: Call,
    speech: str,
    digits: str,
    now: datetime,
    version: int | None = None,
    key: RequestKey | None = None,
    render: Callable[[Reply], str] | None = None,
) -> Reply:
    """Log what the caller said, ask the dialogue engine, log its answer; misses and outcome follow the reply.

    With `key`, the request is answered once: `render(reply)` (its TwiML) is kept, and a replay
    raises Replayed with it, having written nothing."""
    speech = speech.strip()[:MAX_UTTERANCE_CHARS]
    digits = digits.strip()[:40]
    before = _metadata(call)
    misses = int(before.get("misses") or 0)
    turn = Turn(
        speech=speech,
        digits=digits,
        misses=misses,
        language=call.language,
        seconds_in_call=max(int((now - call.start_time).total_seconds()), 0),
        state=_state(call),
    )
    try:
        reply = dialogue.respond(call.store, turn, now=now, version=version)
    except Exception:  # the caller hears an apology and is asked again, not Twilio's "application error"
        logger.exception("call %s: the dialogue engine failed on %r", call.call_id, speech)
        reply = dialogue.apology(call.store, turn)
    heard = speech or (f"pressed {digits}" if digits else "")
    answer = render(reply) if render else ""
    # One row lock for the whole turn: the append takes it (and reads the metadata as of it),
    # and the update below writes under it.
    with transaction.atomic():
        _commit_without_waiting_for_disk()
        if key:
            _claim(call, key, answer)
        locked = call
        if not _append(locked, [EntryIn(speaker=CALLER, text=heard), EntryIn(speaker=AGENT, text=reply.say)]):
            locked = Call.objects.select_for_update().get(pk=call.pk)  # a full transcript: lock it here
            locked.store = call.store
        metadata = _metadata(locked)
        # Misses count consecutive turns not understood; the engine sends the caller to the
        # operator once they reach the store's limit.
        metadata["misses"] = 0 if reply.understood else misses + 1
        if reply.understood:
            metadata["answeredTurns"] = int(metadata.get("answeredTurns") or 0) + 1
        fields: dict[str, Any] = {"metadata": metadata}
        # The next turn knows what the agent just offered ("shall I put you through?" -> "yes") and talked about.
        state = dialogue.state_after(reply)
        if reply.transfer is not None:
            # What the caller asked for: the reason of the callback offered if nobody picks up.
            state = {**state, "request": speech[:200]}
        if state != _state(call):
            fields["dialogue_state"] = state
        if reply.transfer is not None:
            fields["outcome"] = f"transferred to {reply.transfer.label or reply.transfer.number}"
            metadata["transferTo"] = reply.transfer.label or reply.transfer.number
        elif reply.hang_up:
            fields["outcome"] = "answered"
        if reply.callback is not None:
            _schedule_callback(locked, reply.callback, now)
        call_services.update_call(call=locked, fields=fields, locked=True)
    return reply


def _schedule_callback(call: Call, request: CallbackRequest, now: datetime) -> None:
    """The callback the caller accepted, for the number they called from (callbackCreated after the commit)."""
    number = call.caller if call.type == Call.Type.INBOUND else call.receiver
    if not any(ch.isdigit() for ch in number):
        logger.warning("call %s: a callback was accepted but the caller's number is hidden", call.call_id)
        return
    call_services.create_callback(store=call.store, phone=number, scheduled_at=request.scheduled_at, reason=request.reason, now=now)


def apply_status(
    *, call: Call, twilio_status: str, sequence: int | None = None, duration: int | None = None, at: datetime | None = None
) -> Call:
    """Apply one status callback: idempotent, out-of-order safe, and a finished call never becomes live again."""
    status = STATUS_MAP.get(twilio_status)
    if status is None:
        logger.warning("call %s: unknown Twilio status %r ignored", call.call_id, twilio_status)
        return call
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        locked.store = call.store
        metadata = _metadata(locked)
        last = metadata.get("twilioSequence")
        if sequence is not None and isinstance(last, int) and sequence <= last:
            # A retry, or an older event that arrived after a newer one.
            return locked
        if status not in LIVE_ORDER:
            # The call is over: its requests' answers are kept no longer (a replay now finds it ended and writes nothing).
            TwilioRequest.objects.filter(call_id=locked.pk).delete()
        fields: dict[str, Any] = {}
        if sequence is not None:
            fields["metadata"] = {**metadata, "twilioSequence": sequence}
        if locked.is_live:
            if status not in LIVE_ORDER:
                fields.update(_ending(locked, status, twilio_status, duration=duration, at=at))
            elif LIVE_ORDER[status] > LIVE_ORDER[locked.status]:
                fields["status"] = status
        elif status not in LIVE_ORDER and duration is not None and duration != locked.duration:
            # Twilio's figure is the billed one, also for a call hung up from the dashboard first.
            fields["duration"] = duration
        if not fields:
            return locked
        return call_services.update_call(call=locked, fields=fields, locked=True)


def _ending(call: Call, status: str, twilio_status: str, *, duration: int | None, at: datetime | None) -> dict[str, Any]:
    """The fields of a live call that has just ended."""
    # Twilio says `completed` only for a connected call, but an outbound call's `answered` event
    # may come after it (or never): a duration or a transcript also shows it was answered.
    answered = call.status == Call.Status.IN_PROGRESS or call.transcript_entry_count > 0 or bool(duration)
    if status == Call.Status.SUCCESS and not answered:
        status = Call.Status.MISSED
    # Twilio's clock may run behind ours by a second: an end before the start is the start.
    fields: dict[str, Any] = {"status": status, "end_time": max(at or timezone.now(), call.start_time)}
    if duration is not None:
        fields["duration"] = duration
    fields["satisfaction"] = satisfaction_of(call)
    if not call.outcome and twilio_status in ("completed", "canceled"):
        fields["outcome"] = "answered" if _metadata(call).get("answeredTurns") else "hung up"
    return fields


UNANSWERED_DIAL = {"busy", "no-answer", "failed", "canceled"}


def end_transfer(
    *, call: Call, dial_status: str, key: RequestKey | None = None, render: Callable[[Reply | None], str] | None = None
) -> Reply | None:
    """The <Dial action> request: keep how the transfer ended (`DialCallStatus`); when nobody picked up,
    the caller comes back to the agent instead of being dropped (that reply; None otherwise).

    With `key`, answered once, as take_turn: a replay raises Replayed with `render`'s first answer."""
    reply = _unanswered_reply(call) if call.is_live and dial_status in UNANSWERED_DIAL else None
    answer = render(reply) if render else ""
    with transaction.atomic():
        _commit_without_waiting_for_disk()
        if key:
            _claim(call, key, answer)
        locked = Call.objects.select_for_update().get(pk=call.pk)
        locked.store = call.store
        metadata = {**_metadata(locked), "dialStatus": dial_status}
        fields: dict[str, Any] = {}
        if reply is not None and locked.is_live:
            _append(locked, [EntryIn(speaker=AGENT, text=reply.say)])
            metadata = {**_metadata(locked), "dialStatus": dial_status, "misses": 0}
            fields["dialogue_state"] = dialogue.state_after(reply)
            fields["outcome"] = f"{_metadata(call).get('transferTo') or 'transfer'} did not answer"
        if metadata != _metadata(locked):
            fields["metadata"] = metadata
        if fields:
            call_services.update_call(call=locked, fields=fields, locked=True)
    return reply


def _unanswered_reply(call: Call) -> Reply:
    """Nobody picked up: say so and offer a callback for what the caller asked (never a dead end)."""
    label = str(_metadata(call).get("transferTo") or "")
    request = str(_state(call).get("request") or "")
    who = label if label not in ("", "operator") else "a person"
    reason = dead_ends.reason_for(who if label != "manager" else "the manager", request)
    at = dead_ends.callback_time(call.store, timezone.now())
    spoken = dead_ends.spoken_when(call.store, at, timezone.now())
    say = " ".join(
        dialogue.prompt(call.store, name, language=call.language, department=label if label not in ("", "operator") else "our team", when=spoken)
        for name in ("transfer_unanswered", "callback_offer")
    )
    return Reply(intent="callback_offer", say=say, state={"offer": {"kind": "callback", "reason": reason}})


def keep_recording(*, call: Call, recording_url: str) -> Call:
    """Keep a finished recording's MP3 address as the call's audio file."""
    audio = recording_url if recording_url.endswith((".mp3", ".wav")) else f"{recording_url}.mp3"
    if call.audio_file == audio:
        return call
    with transaction.atomic():
        # Compared again under the lock: two deliveries of one callback at once write (and announce) it once.
        locked = Call.objects.select_for_update().get(pk=call.pk)
        locked.store = call.store
        if locked.audio_file == audio:
            return locked
        return call_services.update_call(call=locked, fields={"audio_file": audio}, locked=True)


@functools.cache
def _analyzer():
    # Imported on first use: the lexicon takes a moment to load and only finished calls need it.
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def satisfaction_of(call: Call) -> str:
    """positive / negative / neutral from the caller's words (VADER compound score, ±0.05), unknown without any."""
    lines = [
        text
        for text in call.entries.filter(speaker=CALLER).values_list("text", flat=True)
        if text and not DIGITS_LINE.fullmatch(text)
    ]
    if not lines:
        return Call.Satisfaction.UNKNOWN
    compound = _analyzer().polarity_scores(". ".join(lines))["compound"]
    if compound >= 0.05:
        return Call.Satisfaction.POSITIVE
    if compound <= -0.05:
        return Call.Satisfaction.NEGATIVE
    return Call.Satisfaction.NEUTRAL
