"""Twilio's webhooks: form-encoded requests in, TwiML out.

Every view is signature-checked. A request missing Twilio's own fields (CallSid, To) or naming
a call or number we do not know is answered with safe TwiML (a polite message and <Hangup/>,
or an empty <Response/> for callbacks), status 200, and writes nothing: the caller never hears
Twilio's "application error", and nothing is logged for a call that is not ours.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from email.utils import parsedate_to_datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.twiml.voice_response import VoiceResponse

from calls.models import Call
from store.models import StoreSettings
from voice import dialogue, selectors, services
from voice.decorators import twilio_signature_required
from voice.params import storable_params
from voice.dialogue import Reply

logger = logging.getLogger(__name__)

UNKNOWN_NUMBER = "Sorry, this number isn't connected to a store we answer for. Goodbye."
UNKNOWN_CALL = "Sorry, we couldn't find your call. Please call again. Goodbye."
# Twilio accepts up to 500 hint phrases; far fewer keep every <Gather> small.
MAX_HINTS = 100


def webhook(view):
    """Twilio's POSTs: no CSRF token, a valid X-Twilio-Signature, parameters that fit where they are stored."""
    return csrf_exempt(require_POST(twilio_signature_required(storable_params(view))))


def voice_url(name: str, *, turn: int | None = None) -> str:
    # The turn in an action URL makes every request Twilio sends back to it signed differently, even
    # when the caller says the same thing twice: a request signed as one already answered is a replay.
    return f"{settings.PUBLIC_BASE_URL}/voice/{name}" + (f"?turn={turn}" if turn is not None else "")


def twiml(response: VoiceResponse | str) -> HttpResponse:
    return HttpResponse(str(response), content_type="text/xml")


def request_turn(request: HttpRequest) -> int | None:
    """The turn our TwiML put in the URL this request was sent to (signed with it); None without one."""
    value = request.GET.get("turn", "")
    return int(value) if value.isdigit() and len(value) <= 6 else None


def request_key(request: HttpRequest) -> services.RequestKey:
    """What a retry or a replay of this request shares with it.

    Twilio's I-Twilio-Idempotency-Token is the same across its retries (to the fallback URL too) but
    is not signed, so it cannot be the only key: the signature, which a replay must copy, is the
    other; it tells turns apart only when the signed URL carries a turn (every action URL we give).
    """
    token = request.headers.get("I-Twilio-Idempotency-Token", "")
    signature = request.headers.get("X-Twilio-Signature", "")[:64] if request_turn(request) is not None else ""
    return services.RequestKey(signature=signature or None, token=hashlib.sha256(token.encode()).hexdigest() if token else None)


def goodbye(message: str) -> HttpResponse:
    response = VoiceResponse()
    if message:
        response.say(message)
    response.hangup()
    return twiml(response)


def say(parent, text: str, store_settings: StoreSettings) -> None:
    if text:
        parent.say(text, voice=store_settings.voice, language=store_settings.language)


def listen(response: VoiceResponse, text: str, store_settings: StoreSettings, hints: list[str], *, turn: int) -> None:
    """<Gather> with the prompt nested inside, so the caller can talk over it."""
    hints = list(dict.fromkeys(hint.replace(",", " ").strip() for hint in hints if hint and hint.strip()))[:MAX_HINTS]
    gather = response.gather(
        input="dtmf speech",
        action=voice_url("gather", turn=turn),
        method="POST",
        # speechTimeout=auto needs an explicit speechModel (else warning 13335); `timeout` is how
        # long the store lets a caller stay silent before the turn counts as a miss.
        speech_timeout="auto",
        speech_model="phone_call",
        timeout=store_settings.speech_timeout,
        language=store_settings.language,
        hints=",".join(hints) or None,
        # Silence comes back to /voice/gather too, so the engine can re-ask or hand over.
        action_on_empty_result=True,
    )
    say(gather, text, store_settings)


def answer_call(call: Call, greeting: str, store_settings: StoreSettings) -> HttpResponse:
    """The first TwiML of a call: start the recording when the store wants one, greet, listen."""
    if not call.is_live:
        return goodbye("")
    response = VoiceResponse()
    if store_settings.recording_enabled:
        response.start().recording(recording_status_callback=voice_url("recording"), recording_status_callback_event="completed")
    listen(response, greeting, store_settings, dialogue.speech_hints(call.store), turn=1)
    return twiml(response)


def reply_twiml(call: Call, reply: Reply, *, version: int | None = None, turn: int = 1) -> str:
    """The TwiML of the agent's reply; `turn` goes into the URL Twilio sends the caller's next move to."""
    store_settings = dialogue.voice_settings(call.store, version=version)
    response = VoiceResponse()
    if reply.transfer is not None:
        say(response, reply.say, store_settings)
        # The <Dial> action reports how the transfer went (DialCallStatus) to /voice/status.
        dial = response.dial(action=voice_url("status", turn=turn), method="POST")
        dial.number(reply.transfer.number, send_digits=reply.transfer.send_digits or None)
    elif reply.hang_up:
        say(response, reply.say, store_settings)
        response.hangup()
    else:
        listen(response, reply.say, store_settings, [*reply.hints, *dialogue.speech_hints(call.store, version=version)], turn=turn)
    return str(response)


class Answer:
    """The TwiML of a reply, rendered once: by the service, which keeps it for a replay, for the view to send."""

    def __init__(self, render: Callable[[Reply | None], str]) -> None:
        self.render, self.text = render, ""

    def __call__(self, reply: Reply | None) -> str:
        self.text = self.render(reply)
        return self.text


def start(request: HttpRequest, *, call_type: str, store_number: str) -> HttpResponse:
    params = request.POST
    store = selectors.store_for_number(store_number)
    if store is None or not params.get("CallSid"):
        logger.warning("voice %s: no store answers %r (CallSid %r); hung up", call_type, store_number, params.get("CallSid"))
        return goodbye(UNKNOWN_NUMBER)
    store_settings = dialogue.voice_settings(store)
    call, greeting = services.start_call(
        store=store,
        call_sid=params["CallSid"],
        type=call_type,
        caller=params.get("From", ""),
        receiver=params.get("To", ""),
        language=services.call_language(store=store, voice_language=store_settings.language),
    )
    return answer_call(call, greeting, store_settings)


@webhook
def incoming(request: HttpRequest) -> HttpResponse:
    """A call to one of a store's numbers: log it, greet, listen."""
    return start(request, call_type=Call.Type.INBOUND, store_number=request.POST.get("To", ""))


@webhook
def outbound(request: HttpRequest) -> HttpResponse:
    """A call the platform placed was answered: the store is the one calling (`From`)."""
    return start(request, call_type=Call.Type.OUTBOUND, store_number=request.POST.get("From", ""))


def find_call(request: HttpRequest) -> Call | None:
    params = request.POST
    return selectors.call_for_sid(params.get("CallSid", ""), numbers=(params.get("To", ""), params.get("From", "")))


@webhook
def gather(request: HttpRequest) -> HttpResponse:
    """The caller said or pressed something (or nothing): log it, decide, answer."""
    call = find_call(request)
    if call is None:
        logger.warning("voice gather: unknown CallSid %r", request.POST.get("CallSid"))
        return goodbye(UNKNOWN_CALL)
    if not call.is_live:
        # Hung up from the dashboard while the caller was talking.
        return goodbye("")
    # One read of the store's data version for the whole turn: the engine and the TwiML use the same data.
    version = dialogue.data_version(call.store)
    turn = (request_turn(request) or 0) + 1
    answer = Answer(lambda reply: reply_twiml(call, reply, version=version, turn=turn))
    speech, digits = request.POST.get("SpeechResult", ""), request.POST.get("Digits", "")
    try:
        services.take_turn(call=call, speech=speech, digits=digits, now=timezone.now(), version=version, key=request_key(request), render=answer)
    except services.Replayed as replay:
        return replayed(replay)
    return twiml(answer.text)


def _int(value: str | None) -> int | None:
    try:
        return max(int(value), 0) if value not in (None, "") else None
    except ValueError:
        return None


def _timestamp(value: str | None):
    try:
        moment = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None
    return moment if moment is None or timezone.is_aware(moment) else None


def replayed(replay: services.Replayed) -> HttpResponse:
    # The first answer; none when the call ended (and its answers went) in between: it is over anyway.
    return twiml(replay.response) if replay.response else goodbye("")


def dial_ended(request: HttpRequest, call: Call) -> HttpResponse | None:
    """A transfer's <Dial action>: the TwiML when nobody picked up (back to the agent, never a dropped
    caller) or when it is a replay; None when the status callback goes on as usual."""
    turn = (request_turn(request) or 0) + 1
    answer = Answer(lambda reply: reply_twiml(call, reply, turn=turn) if reply else str(VoiceResponse()))
    try:
        reply = services.end_transfer(call=call, dial_status=request.POST["DialCallStatus"][:20], key=request_key(request), render=answer)
    except services.Replayed as replay:
        return replayed(replay)
    return twiml(answer.text) if reply is not None else None


@webhook
def status(request: HttpRequest) -> HttpResponse:
    """Call status callbacks and the <Dial action> of a transfer; always 200, even for a call we don't know."""
    params = request.POST
    call = find_call(request)
    if call is None:
        logger.info("voice status %r for unknown CallSid %r ignored", params.get("CallStatus"), params.get("CallSid"))
        return twiml(VoiceResponse())
    if params.get("DialCallStatus"):
        answered = dial_ended(request, call)
        if answered is not None:
            return answered
    if params.get("CallStatus"):
        services.apply_status(
            call=call,
            twilio_status=params["CallStatus"],
            sequence=_int(params.get("SequenceNumber")),
            duration=_int(params.get("CallDuration")),
            at=_timestamp(params.get("Timestamp")),
        )
    # An empty <Response/>: ignored for a status callback, and ends the call after a <Dial>.
    return twiml(VoiceResponse())


@webhook
def recording(request: HttpRequest) -> HttpResponse:
    """A recording is ready: keep its address as the call's audio file."""
    params = request.POST
    call = find_call(request)
    url = params.get("RecordingUrl", "")
    if call is None or not url.startswith(("https://", "http://")) or len(url) > 490:
        logger.warning("voice recording for CallSid %r ignored (url %r)", params.get("CallSid"), url[:100])
    elif params.get("RecordingStatus", "completed") == "completed":
        services.keep_recording(call=call, recording_url=url)
    return twiml(VoiceResponse())
