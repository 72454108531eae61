"""300-odd caller utterances for the demo store, each through the real webhooks (signed incoming,
then gather), checked against the action expected in utterances.yaml; fails below 95% and prints the misses."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from calls.models import Call
from store.models import fold
from tests.voice.webhooks import gather_params, incoming_params, post, twilio_settings, twiml  # noqa: F401 (fixture)

CASES = yaml.safe_load((Path(__file__).parent / "utterances.yaml").read_text())
PASS_RATE = 0.95


@pytest.fixture
def demo_store(db, twilio_settings):
    call_command("seed_demo", calls=0, quiet=True)
    from store.models import Store

    return Store.objects.get(slug=CASES["store"])


def action_of(client, store, n: int, speech: str) -> tuple[str, str]:
    """What the agent did with one utterance: (action, what it was about)."""
    sid = f"CA{n:032d}"
    number = store.twilio_numbers[0]
    twiml(post(client, "/voice/incoming", incoming_params(CallSid=sid, To=number)))
    root = twiml(post(client, "/voice/gather", gather_params(speech=speech, CallSid=sid, To=number)))
    call = Call.objects.get(call_id=sid, store=store)
    said = " ".join(say.text or "" for say in root.iter("Say"))
    if root.find("Dial") is not None:
        label = call.outcome.removeprefix("transferred to ")
        return ("operator" if label == "operator" else "manager" if label == "manager" else "transfer"), label
    if root.find("Hangup") is not None:
        return "goodbye", ""
    intent = call.dialogue_state.get("intent", "")
    return ("transfer" if intent == "no_transfer" else intent), said


def test_the_agent_understands_at_least_95_percent(client, demo_store):
    misses = []
    for n, (speech, expected, about) in enumerate(CASES["utterances"]):
        action, detail = action_of(client, demo_store, n, speech)
        right = action == expected and (expected != "product" or fold(about) in fold(detail)) and (
            expected != "transfer" or detail == about
        )
        if not right:
            misses.append(f"{speech!r}: expected {expected} {about!r}, got {action} {detail[:90]!r}")
    total = len(CASES["utterances"])
    rate = 1 - len(misses) / total
    print(f"\n{total - len(misses)}/{total} understood ({rate:.1%}); misses:\n  " + "\n  ".join(misses))

    assert total >= 200
    assert rate >= PASS_RATE, "\n".join(misses)
