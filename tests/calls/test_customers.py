"""A caller becomes the store's customer on their first call: once, per store, even when calls race."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from calls.models import Call, Customer
from calls.services import create_call
from tests.calls.test_concurrency import run_together
from tests.conftest import client_for

START = datetime(2025, 10, 5, 10, 0, tzinfo=UTC)


def _log(store, call_id: str, caller: str, **fields) -> Call:
    call, _ = create_call(store=store, fields={"call_id": call_id, "caller": caller, "start_time": START, **fields})
    return call


def test_first_call_makes_the_caller_a_customer(bot_api, store):
    response = bot_api.post("/api/calls", {"callId": "C1", "caller": "+15551230001", "startTime": "2025-10-05T10:00:00Z"}, format="json")

    assert response.status_code == 201
    customer = Customer.objects.get()
    assert (customer.store, customer.phone, customer.interest_level) == (store, "+15551230001", "cold")
    assert customer.first_call_at == START
    assert not customer.do_not_call


def test_a_second_call_keeps_the_one_customer_and_their_details(store):
    _log(store, "C1", "+15551230001")
    Customer.objects.filter(phone="+15551230001").update(name="Dana", interest_level="hot")

    _log(store, "C2", "+15551230001", start_time=datetime(2025, 10, 6, tzinfo=UTC))

    customer = Customer.objects.get()
    assert (customer.name, customer.interest_level, customer.first_call_at) == ("Dana", "hot", START)


def test_the_same_number_is_a_customer_of_each_store_it_calls(store, other_store):
    _log(store, "C1", "+15551230001")
    _log(other_store, "C1", "+15551230001")

    assert sorted(Customer.objects.values_list("store__slug", flat=True)) == ["harbor-deli", "main-street"]


def test_an_outbound_call_makes_the_person_called_a_customer_not_the_store(store):
    _log(store, "OUT1", "+15005550006", type="outbound", receiver="+15557654321")

    assert list(Customer.objects.values_list("phone", flat=True)) == ["+15557654321"]


@pytest.mark.parametrize("caller", ["", "anonymous", "Restricted", "+266696687", "+8656696"])
def test_hidden_or_missing_caller_ids_make_no_customer(store, caller):
    call = _log(store, "C1", caller)

    assert Call.objects.filter(pk=call.pk).exists()
    assert not Customer.objects.exists()


def test_a_repeated_call_id_adds_no_customer(bot_api, store):
    bot_api.post("/api/calls", {"callId": "C1", "caller": "+15551230001"}, format="json")
    Customer.objects.all().delete()

    response = bot_api.post("/api/calls", {"callId": "C1", "caller": "+15551230001"}, format="json")

    assert response.status_code == 200
    assert not Customer.objects.exists()


def test_a_failed_call_write_leaves_no_customer(bot_api, store):
    response = bot_api.post("/api/calls", {"callId": "C1", "caller": "+15551230001", "transcript": "User: " + "x" * 1_100_000}, format="json")

    assert response.status_code == 413
    assert not Call.objects.exists()
    assert not Customer.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_calls_from_one_number_make_one_customer(store, bot_key, monkeypatch):
    from calls import events

    monkeypatch.setattr(events, "_send", lambda store_id, message: None)

    def post(i: int, client) -> int:
        return client.post("/api/calls", {"callId": f"RACE-{i}", "caller": "+15559990000"}, format="json").status_code

    statuses = run_together(8, post, lambda: client_for(key=bot_key))

    assert statuses == [201] * 8
    assert Call.objects.count() == 8
    assert Customer.objects.filter(phone="+15559990000").count() == 1
    assert connection.vendor == "postgresql"
