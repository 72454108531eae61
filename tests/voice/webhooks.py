"""Helpers for the webhook tests: requests signed as Twilio signs them, TwiML parsed, a scripted dialogue engine.

Fixtures here are imported by the test modules that use them.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import pytest
from django.test import Client
from twilio.request_validator import RequestValidator

from voice.dialogue import Reply, Transfer, Turn

TOKEN = "test-twilio-auth-token"
BASE = "https://cc.example.com"
CALL_SID = "CA" + "0123456789abcdef" * 2
STORE_NUMBER = "+15005550006"  # the `store` fixture's number
OTHER_NUMBER = "+15005550007"  # the `other_store` fixture's number
CALLER = "+15551230001"


def signature(path: str, params: dict, *, token: str = TOKEN, base: str = BASE) -> str:
    return RequestValidator(token).compute_signature(base + path, params)


def post(client: Client, path: str, params: dict, *, sign: str | None = None, **extra):
    """POST form params with the X-Twilio-Signature Twilio would send (or `sign`, as given)."""
    header = signature(path, params) if sign is None else sign
    if header:
        extra["HTTP_X_TWILIO_SIGNATURE"] = header
    return client.post(path, params, **extra)


def incoming_params(**overrides) -> dict:
    params = {
        "AccountSid": "AC" + "a" * 32,
        "CallSid": CALL_SID,
        "From": CALLER,
        "To": STORE_NUMBER,
        "CallStatus": "ringing",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    }
    params.update(overrides)
    return {name: value for name, value in params.items() if value is not None}


def gather_params(speech: str | None = None, digits: str | None = None, **overrides) -> dict:
    params = incoming_params(CallStatus="in-progress", **overrides)
    if speech is not None:
        params.update(SpeechResult=speech, Confidence="0.92")
    if digits is not None:
        params["Digits"] = digits
    return params


def twiml(response) -> ET.Element:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "Response"
    return root


def verbs(root: ET.Element) -> list[str]:
    return [child.tag for child in root]


def spoken(root: ET.Element) -> list[str]:
    return [say.text or "" for say in root.iter("Say")]


@dataclass
class ScriptedDialogue:
    """Stands in for voice.dialogue until the engine lands: answers by keyword and records every turn."""

    turns: list[Turn] = field(default_factory=list)
    greeted: list[str] = field(default_factory=list)

    def greeting(self, store, *, language: str = "en") -> str:
        self.greeted.append(language)
        return f"Thanks for calling {store.name}. How can I help?"

    def speech_hints(self, store, *, version=None) -> list[str]:
        return ["bakery", "pharmacy", "milk"]

    def respond(self, store, turn: Turn, *, now, version=None) -> Reply:
        self.turns.append(turn)
        said = f"{turn.speech} {turn.digits}".lower()
        if "bye" in said:
            return Reply("goodbye", "Thanks for calling. Goodbye!", hang_up=True)
        if "bakery" in said or turn.digits == "1":
            return Reply("department", "Connecting you to the Bakery.", transfer=Transfer("+15005550010", "ww105", "Bakery"), subject="Bakery")
        if "pharmacy" in said:
            return Reply("department", "Connecting you to the Pharmacy.", transfer=Transfer("+15551239999", "", "Pharmacy"), subject="Pharmacy")
        if "milk" in said:
            return Reply("product", "Whole milk is $3.49, in aisle 3.", subject="MILK-1", hints=["whole milk", "oat milk"])
        if "dragon" in said:
            return Reply("not_found", "Sorry, I couldn't find dragon fruit. Shall I put you through to someone?", subject="dragon fruit")
        if turn.misses + 1 >= 2:
            return Reply("operator", "Let me connect you to someone.", transfer=Transfer("+15550009999", "", "operator"))
        return Reply("reask", "Sorry, I didn't catch that.")


@pytest.fixture
def twilio_settings(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.PUBLIC_BASE_URL = BASE
    return settings


@pytest.fixture
def fake_dialogue(monkeypatch) -> ScriptedDialogue:
    fake = ScriptedDialogue()
    monkeypatch.setattr("voice.dialogue.greeting", fake.greeting)
    monkeypatch.setattr("voice.dialogue.speech_hints", fake.speech_hints)
    monkeypatch.setattr("voice.dialogue.respond", fake.respond)
    return fake


@pytest.fixture
def sent(monkeypatch) -> list[tuple[int, dict]]:
    """Every live event that leaves for the channel layer, as (store id, message)."""
    from calls import events

    recorded: list[tuple[int, dict]] = []
    monkeypatch.setattr(events, "_send", lambda store_id, message: recorded.append((store_id, message)))
    return recorded
