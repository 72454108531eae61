"""Toll fraud (issue 14 item 8): an outbound call goes only to the store's allowed countries, never to a
premium-rate or shared-cost number, and at most the store's daily limit a day, counted over every way
of placing one. A refusal is a 400 on `to`: nothing written, Twilio never asked."""
from __future__ import annotations

import ast
import datetime as dt
import itertools
import json
import threading
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from twilio.http.response import Response as TwilioResponse

from calls.models import Call
from store.models import StoreSettings
from tests.calls.test_outbound import FakeTwilioHttp, assert_validation_error, twilio_http  # noqa: F401
from tests.conftest import client_for
from tests.dashboard.pages import signed_in
from voice.models import OutboundDay
from voice.outbound import place_outbound_call

ROOT = Path(__file__).resolve().parents[2]
# The settings, the day's count, then what logging any call costs (calls.services.create_call).
QUERIES_OF_A_PLACED_CALL = 6


def outbound(api, to: str, store: str = "main-street"):
    return api.post("/api/calls/outbound", {"to": to, "store": store}, format="json")


def limits(store, **fields) -> StoreSettings:
    found, _ = StoreSettings.objects.update_or_create(store=store, defaults=fields)
    return found


def assert_refused(response, twilio_http, words: str) -> None:  # noqa: F811
    assert_validation_error(response, "to")
    assert words in response.json()["fields"]["to"][0], response.json()
    assert twilio_http.requests == []
    assert not Call.objects.exists()
    assert not OutboundDay.objects.filter(placed__gt=0).exists()


@pytest.mark.parametrize(
    ("to", "words"),
    [
        ("+19005551234", "premium-rate"),  # a US 900 number: the store's own country, still refused
        ("+88213400000", "international network"),  # +882: no country at all
        ("+252612345678", "is in SO"),  # Somalia: not the store's country
        ("+15551234567", "not a phone number in service"),  # 555: fictional, no country to judge it by
    ],
)
def test_premium_international_and_unknown_numbers_are_refused(owner_api, store, twilio_http, to, words):  # noqa: F811
    assert_refused(outbound(owner_api, to), twilio_http, words)


def test_an_allowed_country_is_called_but_never_its_premium_or_shared_cost_numbers(owner_api, store, twilio_http):  # noqa: F811
    limits(store, outbound_countries=["US", "SO", "FR"])
    assert_refused(outbound(owner_api, "+19005551234"), twilio_http, "premium-rate")
    assert_refused(outbound(owner_api, "+33810123456"), twilio_http, "shared-cost")

    assert outbound(owner_api, "+252612345678").status_code == 201
    assert twilio_http.requests[0]["data"]["To"] == "+252612345678"


def test_by_default_the_country_is_that_of_the_stores_first_number(owner_api, store, twilio_http):  # noqa: F811
    store.twilio_numbers = ["+442071234000", "+15005550006"]
    store.save()

    assert_refused(outbound(owner_api, "+12125551234"), twilio_http, "calls only GB")
    assert outbound(owner_api, "+442071234567").status_code == 201


def test_the_daily_limit_counts_the_api_and_the_pages_alike(owner, owner_api, store, twilio_http, monkeypatch):  # noqa: F811
    limits(store, outbound_daily_limit=2)
    sids = (f"CA{n:032d}" for n in itertools.count())
    monkeypatch.setattr(twilio_http, "request", lambda *a, **kw: twilio_http.requests.append(kw) or TwilioResponse(201, json.dumps({"sid": next(sids)})))

    assert outbound(owner_api, "+12125551234").status_code == 201
    page = signed_in(owner).post("/live/call/", {"to": "(212) 555-1235", "store": "main-street"})
    assert page.url.startswith("/calls/")
    assert len(twilio_http.requests) == 2

    refused = outbound(owner_api, "+12125551236")
    assert_validation_error(refused, "to")
    assert "limit of 2 outbound calls a day" in refused.json()["fields"]["to"][0]
    page = signed_in(owner).post("/live/call/", {"to": "(212) 555-1237", "store": "main-street"}, follow=True)
    assert "limit of 2 outbound calls a day" in page.content.decode()
    assert len(twilio_http.requests) == 2
    assert Call.objects.count() == 2
    assert OutboundDay.objects.get().placed == 2


def test_a_limit_of_zero_places_no_call(owner_api, store, twilio_http):  # noqa: F811
    limits(store, outbound_daily_limit=0)
    assert_refused(outbound(owner_api, "+12125551234"), twilio_http, "limit of 0")


def test_the_limit_is_per_day_of_the_store_and_per_store(owner_api, admin_api, store, other_store, twilio_http):  # noqa: F811
    limits(store, outbound_daily_limit=1)
    yesterday = timezone.now().astimezone(store.tzinfo).date() - dt.timedelta(days=1)
    OutboundDay.objects.create(store=store, day=yesterday, placed=1)
    OutboundDay.objects.create(store=other_store, day=yesterday + dt.timedelta(days=1), placed=50)

    assert outbound(owner_api, "+12125551234").status_code == 201
    assert OutboundDay.objects.get(store=store, day=yesterday + dt.timedelta(days=1)).placed == 1


def test_a_call_twilio_refused_is_not_counted(owner_api, store, twilio_http):  # noqa: F811
    limits(store, outbound_daily_limit=1)
    twilio_http.status, twilio_http.body = 400, {"code": 21215, "message": "Geo permission", "status": 400}
    assert outbound(owner_api, "+12125551234").status_code == 502

    twilio_http.status, twilio_http.body = 201, {"sid": "CA" + "1" * 32}
    assert outbound(owner_api, "+12125551234").status_code == 201
    assert OutboundDay.objects.get().placed == 1


def test_the_settings_api_shows_and_checks_the_limits(owner_api, store):
    body = owner_api.get("/api/settings").json()
    assert (body["outbound_countries"], body["outbound_daily_limit"]) == ([], 50)

    response = owner_api.put("/api/settings", {"outbound_countries": ["us", "ca"], "outbound_daily_limit": 10}, format="json")
    assert response.status_code == 200, response.content
    assert (StoreSettings.objects.get(store=store).outbound_countries, StoreSettings.objects.get(store=store).outbound_daily_limit) == (["US", "CA"], 10)

    for field, value in (("outbound_countries", ["ZZ"]), ("outbound_countries", "US"), ("outbound_daily_limit", -1), ("outbound_daily_limit", 10001)):
        response = owner_api.put("/api/settings", {field: value}, format="json")
        assert_validation_error(response, field)
    assert StoreSettings.objects.get(store=store).outbound_daily_limit == 10


def test_nothing_but_the_outbound_service_dials_out():
    """Every outbound path (the API, the pages, any later callback dialling) must be counted: only
    voice/outbound.py may call voice.twilio.place_call."""
    callers = []
    for path in itertools.chain(*(ROOT.joinpath(app).rglob("*.py") for app in ("callcenter", "store", "calls", "voice", "dashboard"))):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == "place_call":
                callers.append(str(path.relative_to(ROOT)))
    assert callers == ["voice/outbound.py"]


# -- two requests at the limit, at once, on PostgreSQL ------------------------------------------

@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("already", [0, 2], ids=["first-of-the-day", "at-the-last-one"])
def test_concurrent_calls_at_the_limit_do_not_both_pass(owner, store, twilio_http, monkeypatch, already):  # noqa: F811
    limits(store, outbound_daily_limit=already + 1)
    if already:
        OutboundDay.objects.create(store=store, day=timezone.now().astimezone(store.tzinfo).date(), placed=already)
    sids = (f"CA{n:032d}" for n in itertools.count())
    lock = threading.Lock()

    def answer(*args, **kwargs):
        with lock:
            twilio_http.requests.append(kwargs)
            return TwilioResponse(201, json.dumps({"sid": next(sids)}))

    monkeypatch.setattr(twilio_http, "request", answer)
    writers = 6
    barrier = threading.Barrier(writers)
    statuses: list[int] = []

    def call(i: int) -> None:
        api = client_for(owner)
        try:
            barrier.wait(timeout=30)
            statuses.append(outbound(api, f"+1212555{1000 + i}").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=call, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(statuses) == [201] + [400] * (writers - 1)
    assert len(twilio_http.requests) == 1
    assert Call.objects.count() == 1
    assert OutboundDay.objects.get().placed == already + 1


def test_the_service_itself_refuses_without_the_api(store, twilio_http):  # noqa: F811
    """What "Call now" and any later dialling go through: the checks are in the service, not the view."""
    from rest_framework import serializers

    with pytest.raises(serializers.ValidationError) as refused:
        place_outbound_call(store=store, to="+19005551234")
    assert "to" in refused.value.detail
    assert twilio_http.requests == []



def test_the_checks_cost_a_query_each(store, twilio_http, django_assert_num_queries):  # noqa: F811
    from rest_framework import serializers

    limits(store, outbound_daily_limit=1)
    with django_assert_num_queries(1):  # the store's settings: a destination refused before anything is counted
        with pytest.raises(serializers.ValidationError):
            place_outbound_call(store=store, to="+252612345678")
    with django_assert_num_queries(QUERIES_OF_A_PLACED_CALL):
        place_outbound_call(store=store, to="+12125551234")
    with django_assert_num_queries(2):  # the settings, then the day's count found at the limit
        with pytest.raises(serializers.ValidationError):
            place_outbound_call(store=store, to="+12125551235")
