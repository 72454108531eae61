"""`simulate_call`: play a whole phone call against the voice webhooks, signed as Twilio signs it.

In-process by default (django.test.Client on this project's database), or against a running
server with --url. Prints the conversation and the TwiML verbs of every answer.
"""
from __future__ import annotations

import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.http.request import validate_host

from calls.models import Call
from store.models import Store
from voice import twilio

DIGITS = re.compile(r"[0-9*#]+")
SIMULATED_CALLER = "+15550100123"


@dataclass
class Answer:
    """One webhook answer: what the agent said, the verbs, and whether it still listens."""

    lines: list[str]
    listening: bool
    dialling: bool = False


def read_twiml(body: bytes) -> Answer:
    root = ET.fromstring(body)
    lines: list[str] = []
    for verb in root:
        if verb.tag == "Say":
            lines.append(f"Agent: {verb.text or ''}")
        elif verb.tag == "Gather":
            lines += [f"Agent: {say.text or ''}" for say in verb.iter("Say")]
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
    return Answer(lines=lines, listening=root.find("Gather") is not None, dialling=root.find("Dial") is not None)


class InProcess:
    """Requests through django.test.Client, on this process's settings and database."""

    def __init__(self, public_url: str) -> None:
        from django.test import Client

        parts = urllib.parse.urlsplit(public_url)
        self.secure = parts.scheme == "https"
        self.client = Client(HTTP_HOST=self._allowed_host(parts.hostname or ""))

    @staticmethod
    def _allowed_host(public_host: str) -> str:
        allowed = settings.ALLOWED_HOSTS or ([".localhost", "127.0.0.1", "[::1]"] if settings.DEBUG else [])
        for host in (public_host, "testserver", "localhost", "127.0.0.1", *(h.lstrip(".") for h in allowed)):
            if host and host != "*" and validate_host(host, allowed):
                return host
        return public_host or "localhost"

    def post(self, path: str, params: dict[str, str], signature: str) -> tuple[int, bytes]:
        response = self.client.post(path, params, secure=self.secure, HTTP_X_TWILIO_SIGNATURE=signature)
        return response.status_code, response.content


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
        self.token = token
        self.public_url = (public_url or settings.PUBLIC_BASE_URL).rstrip("/")
        self.transport = OverHttp(url) if url else InProcess(self.public_url)
        self.stdin = options.get("stdin") or sys.stdin

        sid = "CA" + uuid.uuid4().hex
        base = {"AccountSid": settings.TWILIO_ACCOUNT_SID or "AC" + "0" * 32, "CallSid": sid, "From": caller,
                "To": to, "Direction": "inbound", "ApiVersion": "2010-04-01"}
        started = time.monotonic()
        self.stdout.write(f"Calling {found.name if found else store} on {to} (CallSid {sid})")
        answer = self.send("/voice/incoming", {**base, "CallStatus": "ringing"})
        for utterance in self.utterances(say, interactive):
            if answer.dialling:
                # No real department phone rings in a simulation: it goes unanswered, and the
                # caller comes back to the agent as they would on a real line.
                self.stdout.write("  (the simulated department does not answer)")
                answer = self.send("/voice/status", {**base, "CallStatus": "in-progress", "DialCallStatus": "no-answer"})
            if not answer.listening:
                self.stdout.write(f"(the agent has ended the call; not said: {utterance!r})")
                break
            self.stdout.write(f"Caller: {utterance}" if utterance else "Caller: (silence)")
            turn = {**base, "CallStatus": "in-progress"}
            if DIGITS.fullmatch(utterance):
                turn["Digits"] = utterance
            elif utterance:
                turn.update(SpeechResult=utterance, Confidence="0.9")
            answer = self.send("/voice/gather", turn)
        duration = max(int(time.monotonic() - started), 1)
        self.send("/voice/status", {**base, "CallStatus": "completed", "CallDuration": str(duration)}, show=False)
        self.summary(found, sid, in_process=not url)

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

    def send(self, path: str, params: dict[str, str], *, show: bool = True) -> Answer:
        signature = twilio.sign(self.public_url + path, params, token=self.token)
        status, body = self.transport.post(path, params, signature)
        if status == 403:
            raise CommandError(
                f"{path} answered 403: the signature was refused. The server must use the same token "
                "(TWILIO_AUTH_TOKEN, or DEBUG=1 and none) and PUBLIC_BASE_URL as --token and --public-url."
            )
        if status != 200:
            raise CommandError(f"{path} answered {status}: {body[:300].decode(errors='replace')}")
        answer = read_twiml(body)
        if show:
            for line in answer.lines:
                self.stdout.write(line)
        return answer

    def summary(self, store: Store | None, sid: str, *, in_process: bool) -> None:
        call = Call.objects.filter(store=store, call_id=sid).first() if in_process and store else None
        if call is None:
            self.stdout.write(f"Call {sid} hung up; see /api/calls/{sid}")
            return
        self.stdout.write(
            f"Call {sid}: {call.status}, outcome {call.outcome or '-'}, satisfaction {call.satisfaction}, "
            f"{call.duration} s, {call.transcript_entry_count} transcript lines (GET /api/calls/{sid})"
        )
