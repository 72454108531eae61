"""`simulate_call`: play a whole phone call against the voice webhooks, signed as Twilio signs it.

In-process by default (the voice views called directly, on this project's database; see
voice/simulator.py, shared with the /simulator/ page), or against a running
server with --url. Prints the conversation and the TwiML verbs of every answer.
"""
from __future__ import annotations

import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from calls.models import Call
from store.models import Store
from voice import twilio
from voice.simulator import SIMULATED_CALLER, Answer, InProcess, SimulatedCall, WebhookRefused, read_twiml

__all__ = ["Answer", "Command", "read_twiml"]


class OverHttp:
    """Requests to a running server."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    def post(self, path: str, params: dict[str, str], signature: str) -> tuple[int, bytes]:
        request = urllib.request.Request(
            self.url + path,
            data=urllib.parse.urlencode(params).encode(),
            headers={"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except urllib.error.URLError as exc:
            raise CommandError(f"Could not reach {self.url}: {exc.reason}") from None


class Command(BaseCommand):
    help = (
        "Play a phone call to a store's voice agent without Twilio: greeting, one turn per --say "
        "(digits are key presses, an empty one is silence), then hang-up. Requests are signed as "
        "Twilio signs them. Prints the conversation and the TwiML verbs."
    )
    # Tests hand in their own stdin, as Django's createsuperuser allows.
    stealth_options = ("stdin",)

    def add_arguments(self, parser) -> None:
        parser.add_argument("--store", required=True, help="the store's slug; its first Twilio number is dialled")
        parser.add_argument("--to", help="the number to dial instead (a store's number on the server --url names)")
        parser.add_argument("--say", action="append", default=[], help="what the caller says (repeat for several turns)")
        parser.add_argument("--interactive", action="store_true", help="then read the caller's lines from stdin until an empty line or EOF")
        parser.add_argument("--url", help="a running server, e.g. http://127.0.0.1:8000 (default: in-process)")
        parser.add_argument("--public-url", help="the URL the server checks signatures against (default: PUBLIC_BASE_URL)")
        parser.add_argument("--token", help="the server's TWILIO_AUTH_TOKEN (default: this process's, or the DEBUG dev token)")
        parser.add_argument("--from", dest="caller", default=SIMULATED_CALLER, help=f"the caller's number (default {SIMULATED_CALLER})")

    def handle(self, *args, store: str, say: list[str], interactive: bool, url: str | None, public_url: str | None,
               token: str | None, caller: str, to: str | None, **options) -> None:
        found = Store.objects.filter(slug=store).first() if not (url and to) else None
        if found is None and not (url and to):
            raise CommandError(f"No store with the slug {store!r}.")
        to = to or (found.twilio_numbers[0] if found.twilio_numbers else "")
        if not to:
            raise CommandError(f"The store {store!r} has no Twilio number to call; add one to its twilio_numbers.")
        token = token or twilio.signing_token() or (twilio.DEV_AUTH_TOKEN if url else "")
        if not token:
            raise CommandError("No token to sign with: set TWILIO_AUTH_TOKEN, or DEBUG=1 to use the local dev token.")
        public_url = (public_url or settings.PUBLIC_BASE_URL).rstrip("/")
        self.stdin = options.get("stdin") or sys.stdin
        call = SimulatedCall(
            transport=OverHttp(url) if url else InProcess(public_url), to=to, token=token, public_url=public_url, caller=caller
        )
        try:
            self.play(call, found.name if found else store, self.utterances(say, interactive))
        except WebhookRefused as exc:
            raise CommandError(str(exc)) from None
        self.summary(found, call.sid, in_process=not url)

    def play(self, call: SimulatedCall, store_name: str, utterances: Iterator[str]) -> None:
        started = time.monotonic()
        self.stdout.write(f"Calling {store_name} on {call.to} (CallSid {call.sid})")
        self.show(call.start())
        for utterance in utterances:
            unanswered = call.department_unanswered()
            if unanswered is not None:
                self.stdout.write("  (the simulated department does not answer)")
                self.show(unanswered)
            if not call.listening:
                self.stdout.write(f"(the agent has ended the call; not said: {utterance!r})")
                break
            self.stdout.write(f"Caller: {utterance}" if utterance else "Caller: (silence)")
            self.show(call.turn(utterance))
        call.hang_up(duration=int(time.monotonic() - started))

    def show(self, answer: Answer) -> None:
        for line in answer.lines:
            self.stdout.write(line)

    def utterances(self, said: list[str], interactive: bool) -> Iterator[str]:
        yield from (text.strip() for text in said)
        if not interactive:
            return
        while True:
            if self.stdin.isatty():
                self.stderr.write("Caller> ", ending="")
                self.stderr.flush()
            line = self.stdin.readline()
            if not line.strip():
                return
            yield line.strip()

    def summary(self, store: Store | None, sid: str, *, in_process: bool) -> None:
        call = Call.objects.filter(store=store, call_id=sid).first() if in_process and store else None
        if call is None:
            self.stdout.write(f"Call {sid} hung up; see /api/calls/{sid}")
            return
        self.stdout.write(
            f"Call {sid}: {call.status}, outcome {call.outcome or '-'}, satisfaction {call.satisfaction}, "
            f"{call.duration} s, {call.transcript_entry_count} transcript lines (GET /api/calls/{sid})"
        )
