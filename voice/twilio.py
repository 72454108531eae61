"""The only module that imports the Twilio REST SDK: place and hang up calls."""
from __future__ import annotations

import logging

from django.conf import settings
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from callcenter.errors import ServiceUnavailable

logger = logging.getLogger(__name__)

# Tests put a recording HTTP client here; production builds a real one with a timeout
# (the SDK's default has none, and Twilio gives a webhook 15 s in all).
http_client = None


def client() -> Client:
    if not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN):
        raise ServiceUnavailable("Twilio is not configured: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN.")
    return Client(
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_AUTH_TOKEN,
        http_client=http_client or TwilioHttpClient(timeout=5),
    )


def hang_up(call_sid: str) -> None:
    """End a live call: `completed` works in any state, `canceled` only before it is answered."""
    try:
        client().calls(call_sid).update(status="completed")
    except TwilioRestException as exc:
        # 404 / 21220: the call already ended at Twilio; marking it terminated here is still right.
        if exc.status == 404 or exc.code == 21220:
            logger.info("hang up %s: already ended at Twilio (%s)", call_sid, exc.code)
            return
        raise ServiceUnavailable(f"Twilio refused to hang up the call: {exc.msg}") from exc
    except TwilioException as exc:
        raise ServiceUnavailable(f"Twilio could not be reached: {exc}") from exc


def place_call(*, to: str, from_: str, url: str, status_callback: str) -> str:
    """Start an outbound call that runs the voice agent at `url`; returns the CallSid."""
    try:
        call = client().calls.create(
            to=to,
            from_=from_,
            url=url,
            status_callback=status_callback,
            status_callback_event=["initiated", "ringing", "answered", "completed"],
        )
    except TwilioRestException as exc:
        raise ServiceUnavailable(f"Twilio refused the call: {exc.msg}") from exc
    except TwilioException as exc:
        raise ServiceUnavailable(f"Twilio could not be reached: {exc}") from exc
    return call.sid
