"""Outbound calls: the platform rings a number and the voice agent talks (POST /api/calls/outbound, and
the pages' "Call now"). One function, so every way of placing a call passes the same checks."""
from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from calls import services as call_services
from calls.models import Call
from store.models import Store
from voice import twilio


def place_outbound_call(*, store: Store, to: str) -> Call:
    """Ask Twilio to ring `to` (E.164) from the store's first number; the call is logged as queued.

    ServiceUnavailable without Twilio credentials, BadGateway when Twilio refuses or cannot be reached."""
    if not store.twilio_numbers:
        raise serializers.ValidationError({"store": ["The store has no Twilio number to call from."]})
    from_ = store.twilio_numbers[0]
    # No transaction is open here: Twilio's REST call never waits inside one.
    sid = twilio.place_call(
        to=to,
        from_=from_,
        url=f"{settings.PUBLIC_BASE_URL}/voice/outbound",
        status_callback=f"{settings.PUBLIC_BASE_URL}/voice/status",
    )
    call, _ = call_services.create_call(
        store=store,
        fields={"call_id": sid, "type": Call.Type.OUTBOUND, "caller": from_, "receiver": to, "status": Call.Status.QUEUED, "language": store.language},
    )
    return call
