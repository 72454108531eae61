"""A phone call played against the voice webhooks, signed as Twilio signs them.

Shared by `manage.py simulate_call` and the dashboard's /simulator/ page: both send exactly what
Twilio would send (form params and X-Twilio-Signature) to the real voice views, so what they show
is what a caller on a real line would hear.
"""
from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.test import RequestFactory
from django.urls import resolve

from voice import twilio

DIGITS = re.compile(r"[0-9*#]+")
SIMULATED_CALLER = "+15550100123"


class WebhookRefused(Exception):
    """A voice view answered something other than TwiML: a refused signature (403) or an error."""


@dataclass
class Answer:
    """One webhook answer: what the agent said, the verbs, and whether it still listens."""

    lines: list[str]
    listening: bool
    dialling: bool = False
    # What the agent said, in order, and every verb's name (Gather, Say, Dial, Hangup, ...).
    said: list[str] = field(default_factory=list)
    verbs: list[str] = field(default_factory=list)


def read_twiml(body: bytes) -> Answer:
    root = ET.fromstring(body)
    lines: list[str] = []
    said: list[str] = []
    verbs: list[str] = []
    for verb in root:
        verbs.append(verb.tag)
        if verb.tag == "Say":
            said.append(verb.text or "")
            lines.append(f"Agent: {verb.text or ''}")
        elif verb.tag == "Gather":
            nested = [say.text or "" for say in verb.iter("Say")]
            said += nested
            lines += [f"Agent: {text}" for text in nested]
            lines.append("  [Gather]")
        elif verb.tag == "Dial":
            for number in verb:
                digits = f" sendDigits={number.get('sendDigits')}" if number.get("sendDigits") else ""
                lines.append(f"  [Dial {number.text}{digits}]")
        elif verb.tag == "Start":
            lines += [f"  [Start {child.tag}]" for child in verb]
        else:
            lines.append(f"  [{verb.tag}]")
    # Twilio goes on to /voice/gather only while a <Gather> is waiting; a Dial or Hangup ends our part.
    return Answer(
        lines=lines, listening=root.find("Gather") is not None, dialling=root.find("Dial") is not None, said=said, verbs=verbs
    )


class Transport(Protocol):
    def post(self, path: str, params: dict[str, str], signature: str) -> tuple[int, bytes]: ...


class InProcess:
    """Calls the voice view for `path` directly, in this process, with a request built as Twilio's would be.

    No middleware runs (the voice views are CSRF-exempt and check the signature themselves), so a
    page can use it from inside its own request.
    """

    def __init__(self, public_url: str) -> None:
        self.secure = public_url.startswith("https://")
        self.factory = RequestFactory()

    def post(self, path: str, params: dict[str, str], signature: str) -> tuple[int, bytes]:
        request = self.factory.post(path, params, secure=self.secure, HTTP_X_TWILIO_SIGNATURE=signature)
        match = resolve(path)
        response = match.func(request, *match.args, **match.kwargs)
        return response.status_code, response.content


@dataclass
class SimulatedCall:
    """One call: the greeting, the caller's turns, the hang-up. Its state fits in a session between turns."""

    transport: Transport
    to: str
    token: str
    public_url: str = ""
    caller: str = SIMULATED_CALLER
    sid: str = field(default_factory=lambda: "CA" + uuid.uuid4().hex)
    # What the last answer left the call doing: listening for the caller, or dialling a department.
    listening: bool = True
    dialling: bool = False

    def __post_init__(self) -> None:
        self.public_url = (self.public_url or settings.PUBLIC_BASE_URL).rstrip("/")

    @property
    def base(self) -> dict[str, str]:
        return {
            "AccountSid": settings.TWILIO_ACCOUNT_SID or "AC" + "0" * 32,
            "CallSid": self.sid,
            "From": self.caller,
            "To": self.to,
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        }

    def send(self, path: str, params: Mapping[str, str]) -> Answer:
        params = dict(params)
        signature = twilio.sign(self.public_url + path, params, token=self.token)
        status, body = self.transport.post(path, params, signature)
        if status == 403:
            raise WebhookRefused(
                f"{path} answered 403: the signature was refused. The server must use the same token "
                "(TWILIO_AUTH_TOKEN, or DEBUG=1 and none) and PUBLIC_BASE_URL as --token and --public-url."
            )
        if status != 200:
            raise WebhookRefused(f"{path} answered {status}: {body[:300].decode(errors='replace')}")
        answer = read_twiml(body)
        self.listening, self.dialling = answer.listening, answer.dialling
        return answer

    def start(self) -> Answer:
        """The call rings: /voice/incoming logs it and answers with the greeting."""
        return self.send("/voice/incoming", {**self.base, "CallStatus": "ringing"})

    def department_unanswered(self) -> Answer | None:
        """After a <Dial>: no real department phone rings in a simulation, so it goes unanswered
        and the caller comes back to the agent, as on a real line. None when nothing was dialled."""
        if not self.dialling:
            return None
        return self.send("/voice/status", {**self.base, "CallStatus": "in-progress", "DialCallStatus": "no-answer"})

    def turn(self, utterance: str) -> Answer:
        """The caller speaks (or presses keys, or says nothing): /voice/gather answers."""
        params = {**self.base, "CallStatus": "in-progress"}
        utterance = utterance.strip()
        if DIGITS.fullmatch(utterance):
            params["Digits"] = utterance
        elif utterance:
            params.update(SpeechResult=utterance, Confidence="0.9")
        return self.send("/voice/gather", params)

    def hang_up(self, *, duration: int) -> None:
        """The caller hangs up: Twilio's final status callback."""
        self.send("/voice/status", {**self.base, "CallStatus": "completed", "CallDuration": str(max(duration, 1))})
        self.listening = self.dialling = False

