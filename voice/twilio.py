"""The only module that imports the Twilio REST SDK: place and hang up calls, check webhook signatures."""
from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from callcenter.errors import BadGateway, ServiceUnavailable

logger = logging.getLogger(__name__)

# Tests put a recording HTTP client here; production builds a real one with a timeout
# (the SDK's default has none, and Twilio gives a webhook 15 s in all).
http_client = None

# With DEBUG=1 and no TWILIO_AUTH_TOKEN, webhooks are signed and checked with this token, so
# `simulate_call` and the simulator page work without a Twilio account. Never used with DEBUG=0.
DEV_AUTH_TOKEN = "callcenter-dev-twilio-auth-token"


def signing_token() -> str:
    """The token webhook signatures are checked with; empty when none may be used (then every webhook is 403)."""
    if settings.TWILIO_AUTH_TOKEN:
        return settings.TWILIO_AUTH_TOKEN
    return DEV_AUTH_TOKEN if settings.DEBUG else ""


def sign(url: str, params: Mapping[str, Any], *, token: str) -> str:
    """The X-Twilio-Signature Twilio would send for a POST of `params` to `url`."""
    return RequestValidator(token).compute_signature(url, params)


def signature_is_valid(url: str, params: Mapping[str, Any], signature: str, *, token: str) -> bool:
    return bool(token and signature) and RequestValidator(token).validate(url, params, signature)


def _refusal(exc: TwilioRestException) -> str:
    """Twilio's own message, without the SDK's "Unable to create record:" prefix, and its error code."""
    message = re.sub(r"^Unable to \w+ record: ", "", str(exc.msg or "").strip()) or f"HTTP {exc.status}"
    return f"{message} (Twilio error {exc.code})" if exc.code else message


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
        raise BadGateway(f"Twilio refused to hang up the call: {_refusal(exc)}") from exc
    except (TwilioException, requests.RequestException) as exc:
        raise unreachable("hang up", call_sid, exc) from exc


def unreachable(action: str, what: str, exc: Exception) -> BadGateway:
    """A short message for the person (shown in a live card, a page's message); the library's detail
    ("HTTPSConnectionPool(host=...): Max retries exceeded ... NameResolutionError") goes to the log."""
    logger.warning("Twilio could not be reached to %s %s: %r", action, what, exc)
    return BadGateway("Twilio could not be reached: try again in a moment.")


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
        raise BadGateway(f"Twilio refused the call: {_refusal(exc)}") from exc
    except (TwilioException, requests.RequestException) as exc:
        raise unreachable("call", to, exc) from exc
    return call.sid


def refused(exc: BaseException) -> bool:
    """Whether a BadGateway from this module was Twilio refusing (no call placed), not a lost answer."""
    return isinstance(exc.__cause__, TwilioRestException)
