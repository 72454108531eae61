"""Twilio's form parameters made storable before a webhook reads them (after the signature check).

A signed request is not necessarily a sane one (a leaked token, a replayed or hand-made request):
every value must fit where it goes, or the database refuses it mid-request (a 500 Twilio turns into
"an application error has occurred" on the line, and a half-written call). What each field gets:

- every value: NUL characters removed (PostgreSQL text cannot hold one; Twilio never sends one),
  so a `SpeechResult` or `From` with a NUL is heard or logged without it;
- `CallSid` longer than a call id holds (64): dropped, so the call is unknown (safe TwiML, nothing written);
- `From`, `To`: cut to the length of a call's caller and receiver (40; a phone number is at most 16);
- `CallDuration`: dropped unless a whole number of seconds from 0 to a week (the API's limit), so the
  status still applies and the duration is worked out as when Twilio gives none.
"""
from __future__ import annotations

import functools
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, QueryDict

from calls.models import Call
from calls.serializers import MAX_DURATION

MAX_CALL_SID = Call._meta.get_field("call_id").max_length
MAX_NUMBER = Call._meta.get_field("caller").max_length


def storable(params: QueryDict) -> QueryDict:
    """A copy of `params` whose every value fits the fields it is stored in (see the module's docstring)."""
    cleaned = QueryDict(mutable=True)
    for name, values in params.lists():
        for value in values:
            value = value.replace("\x00", "")
            if name == "CallSid" and len(value) > MAX_CALL_SID:
                continue
            if name in ("From", "To"):
                value = value[:MAX_NUMBER]
            if name == "CallDuration" and not (value.isascii() and value.isdigit() and len(value) < 10 and int(value) <= MAX_DURATION):
                continue
            cleaned.appendlist(name.replace("\x00", ""), value)
    cleaned._mutable = False
    return cleaned


def storable_params(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The view reads `storable(request.POST)`; goes inside the signature check, which needs the originals."""

    @functools.wraps(view)
    def cleaned(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        request.POST = storable(request.POST)
        return view(request, *args, **kwargs)

    return cleaned
