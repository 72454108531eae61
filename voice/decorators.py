"""`@twilio_signature_required`: only Twilio (or the simulator, with the same token) reaches the voice webhooks."""
from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden

from voice import twilio

logger = logging.getLogger(__name__)


def twilio_signature_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """403 unless X-Twilio-Signature matches PUBLIC_BASE_URL + path and the POST params.

    The URL is the public one Twilio requested, never rebuilt from Host or X-Forwarded-Host:
    behind a proxy Django sees an internal address, and a forged Host must not change the check.
    """

    @wraps(view)
    def checked(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        token = twilio.signing_token()
        if not token:
            logger.warning("voice webhook %s refused: TWILIO_AUTH_TOKEN is not set", request.path)
            return HttpResponseForbidden("Twilio is not configured.", content_type="text/plain")
        url = settings.PUBLIC_BASE_URL + request.get_full_path()
        signature = request.headers.get("X-Twilio-Signature", "")
        if not twilio.signature_is_valid(url, request.POST, signature, token=token):
            logger.warning("voice webhook %s refused: %s signature", request.path, "bad" if signature else "no")
            return HttpResponseForbidden("Invalid Twilio signature.", content_type="text/plain")
        return view(request, *args, **kwargs)

    return checked
