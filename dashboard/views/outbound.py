"""Placing a call from the pages: "Call now" on a callback and the "Start a call" form on /live/, both
through voice.outbound.place_outbound_call (the service POST /api/calls/outbound uses)."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST
from rest_framework import serializers

from callcenter.errors import BadGateway, ServiceUnavailable
from calls.models import Call, Customer
from dashboard.views.common import staff_required
from store.models import Store, dialable_number
from store.tenancy import require_store
from voice.outbound import place_outbound_call


def twilio_configured() -> bool:
    return bool(settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN)


def can_call(store: Store, customer: Customer | None = None) -> bool:
    """Whether a "call" button makes sense: Twilio is set up, the store has a number, the customer may be called."""
    return twilio_configured() and bool(store.twilio_numbers) and not (customer is not None and customer.do_not_call)


def call_customer(*, user, store: Store, customer: Customer) -> Call:
    """Ring a customer of `store` (refused when they asked not to be called)."""
    if customer.do_not_call:
        raise serializers.ValidationError({"customer": ["This customer asked not to be called."]})
    return call_number(store=store, number=customer.phone)


def call_number(*, store: Store, number: str) -> Call:
    try:
        to = dialable_number(number)
    except DjangoValidationError as exc:
        raise serializers.ValidationError({"to": exc.messages}) from exc
    return place_outbound_call(store=store, to=to)


@require_POST
@staff_required
def start_call(request: HttpRequest) -> HttpResponse:
    """The /live/ form: a number in any format, the store picked (or the user's only one)."""
    try:
        store = require_store(request.user, request.POST.get("store") or None)
        call = call_number(store=store, number=request.POST.get("to", ""))
    except serializers.ValidationError as exc:
        detail = exc.detail if isinstance(exc.detail, dict) else {"to": exc.detail}
        messages.error(request, "The call was not placed: " + " ".join(f"{name}: {' '.join(map(str, m))}" for name, m in detail.items()))
        return redirect("pages:live")
    except (BadGateway, ServiceUnavailable) as exc:
        messages.error(request, f"The call was not placed: {exc.detail}")
        return redirect("pages:live")
    messages.success(request, f"Calling {call.receiver}…")
    return redirect("pages:call-detail", pk=call.pk)
