"""README's simulated call stays true: its `simulate_call` line, played on the demo store at the moment it was
printed (Monday 2026-12-07 19:20 in New York), prints exactly the conversation README shows, and its "yes"
leaves a scheduled callback for the caller."""
from __future__ import annotations

import datetime as dt
import io
import re
import shlex
import zoneinfo
from pathlib import Path

import time_machine
from django.core.management import call_command

from calls.models import ScheduledCallback
from tests.voice.webhooks import twilio_settings  # noqa: F401 (fixture)

README = Path(__file__).resolve().parents[2] / "README.md"
PRINTED_AT = dt.datetime(2026, 12, 7, 19, 20, tzinfo=zoneinfo.ZoneInfo("America/New_York"))


def test_the_readme_call_prints_what_the_readme_shows(db, twilio_settings):
    text = README.read_text()
    command = re.search(r"`\.venv/bin/python manage\.py (simulate_call --store demo-store [^`]+)`", text).group(1)
    shown = re.search(r"```\n(Caller: .*?)\n```", text, re.DOTALL).group(1).splitlines()
    call_command("seed_demo", calls=0, quiet=True)
    out = io.StringIO()

    with time_machine.travel(PRINTED_AT, tick=False):
        call_command(*shlex.split(command), stdout=out, stderr=io.StringIO())

    printed = [line for line in out.getvalue().splitlines() if line != "  [Gather]"]
    assert printed[2:-2] == shown  # after the greeting, before the hang-up and the summary
    callback = ScheduledCallback.objects.get()
    assert callback.scheduled_at == dt.datetime(2026, 12, 7, 20, 30, tzinfo=PRINTED_AT.tzinfo) and callback.reason.startswith("Bakery")
