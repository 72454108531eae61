"""`/simulator/`: talk to the voice agent as a caller would, without a phone.

The page posts what the caller says here; these views sign it as Twilio would and call the real
voice views in-process (voice/simulator.py, shared with `manage.py simulate_call`), so the call is
logged, shows on /live/ and is answered exactly as a call on the store's line would be.
"""
from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_POST

from callcenter.errors import error_body
from dashboard.views.common import page, staff_required, working_store
from store.services import settings_of
from store.tenancy import visible_stores
from voice import twilio
from voice.simulator import Answer, InProcess, SimulatedCall, WebhookRefused

# The simulated calls of this browser session, by CallSid: only these can be talked to or hung up.
SESSION_KEY = "simulator_calls"
MAX_CALLS = 5
MAX_UTTERANCE = 500


def _calls(request: HttpRequest) -> dict[str, dict[str, Any]]:
    return request.session.get(SESSION_KEY, {})


def _remember(request: HttpRequest, call: SimulatedCall, *, store_slug: str, started: float) -> None:
    calls = _calls(request)
    calls[call.sid] = {"to": call.to, "store": store_slug, "started": started, "listening": call.listening, "dialling": call.dialling}
    # Keep the newest few: a session never grows without bound.
    request.session[SESSION_KEY] = dict(sorted(calls.items(), key=lambda item: item[1]["started"])[-MAX_CALLS:])


def _restore(request: HttpRequest, sid: str) -> tuple[SimulatedCall, dict[str, Any]] | None:
    state = _calls(request).get(sid)
    if state is None:
        return None
    call = SimulatedCall(transport=InProcess(settings.PUBLIC_BASE_URL), to=state["to"], token=twilio.signing_token(), sid=sid,
                         listening=state["listening"], dialling=state["dialling"])  # fmt: skip
    return call, state


def _answer(answer: Answer, *, note: str = "") -> dict[str, Any]:
    return {"said": answer.said, "verbs": answer.lines, "listening": answer.listening, "dialling": answer.dialling, "note": note}


def _refused(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse(error_body("simulator", message), status=status)


@staff_required
def simulator(request: HttpRequest) -> HttpResponse:
    store = working_store(request)
    voice = settings_of(store)
    context = {
        "working_store": store,
        "number": store.twilio_numbers[0] if store.twilio_numbers else "",
        "can_sign": bool(twilio.signing_token()),
        "speech_lang": voice.language,
    }
    return page(request, "dashboard/simulator.html", context, store=store, all_stores=False)


@require_POST
@staff_required
def simulator_start(request: HttpRequest) -> JsonResponse:
    """Dial the store's first number: /voice/incoming logs the call and greets."""
    store = visible_stores(request.user).filter(slug=request.POST.get("store", "")).first()
    if store is None:
        return _refused("Pick one of your stores.", 404)
    if not store.twilio_numbers:
        return _refused(f"{store.name} has no phone number yet: add one to its Twilio numbers.")
    token = twilio.signing_token()
    if not token:
        return _refused("The simulator signs as Twilio does: set TWILIO_AUTH_TOKEN (or run with DEBUG=1).", 503)
    call = SimulatedCall(transport=InProcess(settings.PUBLIC_BASE_URL), to=store.twilio_numbers[0], token=token)
    try:
        answer = call.start()
    except WebhookRefused as exc:
        return _refused(str(exc), 502)
    _remember(request, call, store_slug=store.slug, started=time.time())
    return JsonResponse({"success": True, "callId": call.sid, **_answer(answer)})


@require_POST
@staff_required
def simulator_say(request: HttpRequest) -> JsonResponse:
    """One turn: the caller's words (digits are key presses, nothing is silence) to /voice/gather."""
    found = _restore(request, request.POST.get("callId", ""))
    if found is None:
        return _refused("That call is not one of yours; start a new one.", 404)
    call, state = found
    text = request.POST.get("text", "")[:MAX_UTTERANCE]
    try:
        unanswered = call.department_unanswered()
        if not call.listening:
            return _refused("The agent has ended this call; start a new one.", 409)
        answer = call.turn(text)
    except WebhookRefused as exc:
        return _refused(str(exc), 502)
    _remember(request, call, store_slug=state["store"], started=state["started"])
    body = _answer(answer)
    if unanswered is not None:
        # The department "did not answer": what the agent said then comes first.
        body["said"] = unanswered.said + body["said"]
        body["verbs"] = ["  (the simulated department does not answer)", *unanswered.lines, *body["verbs"]]
    return JsonResponse({"success": True, "callId": call.sid, **body})


@require_POST
@staff_required
def simulator_hangup(request: HttpRequest) -> HttpResponse:
    """The caller hangs up: Twilio's completed status callback ends the call."""
    sid = request.POST.get("callId", "")
    found = _restore(request, sid)
    if found is None:
        return _refused("That call is not one of yours.", 404)
    call, state = found
    try:
        call.hang_up(duration=int(time.time() - state["started"]))
    except WebhookRefused as exc:
        return _refused(str(exc), 502)
    calls = _calls(request)
    calls.pop(sid, None)
    request.session[SESSION_KEY] = calls
    return JsonResponse({"success": True, "callId": sid})
