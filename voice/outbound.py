"""Outbound calls: the platform rings a number and the voice agent talks (POST /api/calls/outbound, and
the pages' "Call now" and "Start call"). One function, so every way of placing a call passes the same
checks: toll fraud (issue 14) is refused here, before Twilio is asked and before anything is written.

Every outbound dial must come through place_outbound_call (a test checks that nothing else calls
voice.twilio.place_call): it is what counts the store's daily limit."""
from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.db import connection
from django.db.models import F
from django.utils import timezone
from phonenumbers import PhoneNumberType
from rest_framework import serializers

from callcenter.errors import BadGateway, ServiceUnavailable
from calls import services as call_services
from calls.models import Call
from store.models import Store, StoreSettings
from voice import twilio
from voice.models import OutboundDay

# Numbers that bill the caller more than a call (or share the cost with the line's owner): never dialled.
NEVER_CALLED = {PhoneNumberType.PREMIUM_RATE: "a premium-rate number", PhoneNumberType.SHARED_COST: "a shared-cost number"}


def refuse(message: str) -> None:
    raise serializers.ValidationError({"to": [message]})


def _country_of(number: str) -> str | None:
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.region_code_for_number(parsed) or phonenumbers.region_code_for_country_code(parsed.country_code)


def allowed_countries(store: Store, store_settings: StoreSettings | None) -> list[str]:
    """The store's setting, or else the country of its first Twilio number."""
    if store_settings is not None and store_settings.outbound_countries:
        return list(store_settings.outbound_countries)
    home = _country_of(store.twilio_numbers[0]) if store.twilio_numbers else None
    return [home] if home and home != phonenumbers.UNKNOWN_REGION else []


def check_destination(to: str, countries: list[str]) -> None:
    """Refuse (400 on `to`) a number phonenumbers does not know to be in service, one outside
    `countries` (non-geographic ranges such as +882 are in none) and premium-rate or shared-cost ones."""
    try:
        parsed = phonenumbers.parse(to, None)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        refuse(f"{to} is not a phone number in service in any country.")
    country = phonenumbers.region_code_for_number(parsed)
    if country not in countries:
        where = "an international network" if country == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY else country
        allowed = ", ".join(countries) or "none"
        refuse(f"{to} is in {where}; this store calls only {allowed} (outbound_countries in its settings).")
    kind = NEVER_CALLED.get(phonenumbers.number_type(parsed))
    if kind:
        refuse(f"{to} is {kind}; such numbers are never called.")


def _reserve(store: Store, limit: int) -> OutboundDay | None:
    """Count one more call on the store's day, unless `limit` are counted already; None then.

    One statement (INSERT ... ON CONFLICT DO UPDATE ... WHERE placed < limit), so two requests at
    the limit cannot both pass: the second waits on the row the first locked, then sees its count."""
    day = timezone.now().astimezone(store.tzinfo).date()
    if limit <= 0:
        return None
    table = connection.ops.quote_name(OutboundDay._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (store_id, day, placed) VALUES (%s, %s, 1) "
            f"ON CONFLICT (store_id, day) DO UPDATE SET placed = {table}.placed + 1 WHERE {table}.placed < %s "
            f"RETURNING id",
            [store.pk, connection.ops.adapt_datefield_value(day), limit],
        )
        row = cursor.fetchone()
    return OutboundDay(pk=row[0], store=store, day=day) if row else None


def _release(reserved: OutboundDay) -> None:
    """Give back a count when Twilio placed no call (not configured, or it refused the call)."""
    OutboundDay.objects.filter(pk=reserved.pk, placed__gt=0).update(placed=F("placed") - 1)


def place_outbound_call(*, store: Store, to: str) -> Call:
    """Ask Twilio to ring `to` (E.164) from the store's first number; the call is logged as queued.

    400 on `to` for a destination the store may not call or past its daily limit (nothing written,
    Twilio not asked); ServiceUnavailable without Twilio credentials, BadGateway when Twilio refuses
    or cannot be reached."""
    if not store.twilio_numbers:
        raise serializers.ValidationError({"store": ["The store has no Twilio number to call from."]})
    store_settings = StoreSettings.objects.filter(store=store).first()
    check_destination(to, allowed_countries(store, store_settings))
    limit = store_settings.outbound_daily_limit if store_settings else StoreSettings._meta.get_field("outbound_daily_limit").default
    reserved = _reserve(store, limit)
    if reserved is None:
        refuse(f"The store's limit of {limit} outbound calls a day is reached (outbound_daily_limit in its settings); it starts again at midnight, {store.timezone}.")
    from_ = store.twilio_numbers[0]
    # No transaction is open here: Twilio's REST call never waits inside one.
    try:
        sid = twilio.place_call(
            to=to,
            from_=from_,
            url=f"{settings.PUBLIC_BASE_URL}/voice/outbound",
            status_callback=f"{settings.PUBLIC_BASE_URL}/voice/status",
        )
    except (ServiceUnavailable, BadGateway) as exc:
        # Unreachable may mean the call went out and its answer was lost: that one stays counted.
        if isinstance(exc, ServiceUnavailable) or twilio.refused(exc):
            _release(reserved)
        raise
    call, _ = call_services.create_call(
        store=store,
        fields={"call_id": sid, "type": Call.Type.OUTBOUND, "caller": from_, "receiver": to, "status": Call.Status.QUEUED, "language": store.language},
    )
    return call
