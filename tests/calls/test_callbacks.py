"""calls.services.create_callback: the one way a callback is made (the voice agent and POST /api/callbacks),
and its live event `callbackCreated`, sent only after the commit, only to its store's audience."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from calls import events, services
from calls.models import Customer, ScheduledCallback

WHEN = datetime(2026, 12, 8, 14, 0, tzinfo=UTC)


@pytest.fixture
def sent(monkeypatch) -> list[tuple[int, dict]]:
    recorded: list[tuple[int, dict]] = []
    monkeypatch.setattr(events, "_send", lambda store_id, message: recorded.append((store_id, message)))
    return recorded


def test_a_callback_for_a_new_number_makes_the_customer_and_announces_it_after_the_commit(store, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as pending:
        callback = services.create_callback(store=store, phone="+15551230001", scheduled_at=WHEN, reason="billing: charged twice")
        assert sent == []  # not before the commit

    for run in pending:
        run()
    customer = Customer.objects.get(store=store, phone="+15551230001")
    assert (callback.customer, callback.store, callback.reason, callback.status) == (customer, store, "billing: charged twice", "scheduled")
    assert len(sent) == 1
    store_id, message = sent[0]
    assert store_id == store.pk
    assert {k: v for k, v in message.items() if k != "timestamp"} == {
        "type": "callbackCreated", "id": callback.pk, "store": store.slug, "customer": customer.pk, "customerPhone": "+15551230001",
        "customerName": "", "scheduledAt": "2026-12-08T14:00:00Z", "reason": "billing: charged twice",
    }  # fmt: skip


def test_a_known_caller_keeps_their_customer_row(store, sent, django_capture_on_commit_callbacks):
    known = Customer.objects.create(store=store, phone="+15551230001", name="Ada")

    with django_capture_on_commit_callbacks(execute=True):
        callback = services.create_callback(store=store, phone="+15551230001", scheduled_at=WHEN)

    assert callback.customer == known and Customer.objects.filter(store=store).count() == 1
    assert sent[0][1]["customerName"] == "Ada"


def test_a_rolled_back_callback_sends_nothing(store, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                services.create_callback(store=store, phone="+15551230001", scheduled_at=WHEN)
                raise RuntimeError("later failure")

    assert (sent, ScheduledCallback.objects.count(), Customer.objects.count()) == ([], 0, 0)


def test_another_stores_customer_is_refused_and_nothing_is_written(store, other_store, sent):
    theirs = Customer.objects.create(store=other_store, phone="+15551230009")

    with pytest.raises(ValidationError) as error:
        services.create_callback(store=store, customer=theirs, scheduled_at=WHEN)
    with pytest.raises(ValidationError):
        services.create_callback(store=store, phone="anonymous", scheduled_at=WHEN)

    assert "customer" in error.value.message_dict
    assert (sent, ScheduledCallback.objects.count()) == ([], 0)


def test_post_api_callbacks_goes_through_the_service_and_sends_the_event(owner_api, store, other_store, sent, django_capture_on_commit_callbacks):
    mine = Customer.objects.create(store=store, phone="+15551230001")
    theirs = Customer.objects.create(store=other_store, phone="+15551230002")

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_api.post("/api/callbacks", {"customer": mine.pk, "scheduled_at": "2026-12-08T14:00:00Z", "reason": "quote"}, format="json")
        refused = owner_api.post("/api/callbacks", {"customer": theirs.pk, "scheduled_at": "2026-12-08T14:00:00Z"}, format="json")

    assert response.status_code == 201, response.content
    assert refused.status_code == 400 and "customer" in refused.json()["fields"]
    assert [(m["type"], m["id"], m["reason"]) for _, m in sent] == [("callbackCreated", response.json()["id"], "quote")]
    assert ScheduledCallback.objects.count() == 1
