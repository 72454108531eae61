"""Concurrent writers on PostgreSQL: one row per callId, every transcript append kept, in order."""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from calls import events
from calls.models import Call
from tests.conftest import client_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sent(monkeypatch) -> list[dict]:
    """Events that left after their commit, from whichever thread."""
    recorded: list[dict] = []
    monkeypatch.setattr(events, "_send", lambda store_id, message: recorded.append(message))
    return recorded


def run_together(count: int, work: Callable[[int, APIClient], Any], make_client: Callable[[], APIClient]) -> list[Any]:
    """Run `work(i, client)` in `count` threads released at the same moment; each thread has its own client."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def runner(i: int) -> None:
        client = make_client()
        try:
            barrier.wait(timeout=30)
            results[i] = work(i, client)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a writer hung"
    assert not errors, errors
    return results


@pytest.mark.parametrize("writers", [2, 8])
def test_concurrent_posts_of_one_call_id_make_exactly_one_row(store, bot_key, sent, writers):
    def post(i: int, client: APIClient) -> tuple[int, dict]:
        response = client.post("/api/calls", {"callId": "RACE-1", "caller": f"+1555000{i:04d}"}, format="json")
        return response.status_code, response.json()

    results = run_together(writers, post, lambda: client_for(key=bot_key))

    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * (writers - 1) + [201], results
    call = Call.objects.get(store=store, call_id="RACE-1")
    assert {body["data"]["id"] for _, body in results} == {call.pk}
    assert Call.objects.count() == 1
    assert [(m["type"], m["callId"]) for m in sent] == [("callStarted", "RACE-1")]


def test_fifty_concurrent_transcript_appends_all_survive_in_arrival_order(store, bot_key, sent):
    call = Call.objects.create(store=store, call_id="BUSY-1", start_time=timezone.now())
    writers = 50

    def append(i: int, client: APIClient) -> tuple[int, str]:
        response = client.patch("/api/calls/BUSY-1/transcript", {"transcript": f"User: line {i}\n"}, format="json")
        return response.status_code, response.json()["data"]["transcript"] if response.status_code == 200 else response.content

    results = run_together(writers, append, lambda: client_for(key=bot_key))

    assert [status for status, _ in results] == [200] * writers, results
    entries = list(call.entries.order_by("seq").values_list("seq", "speaker", "text"))
    assert [seq for seq, _, _ in entries] == list(range(writers))
    assert sorted(text for _, _, text in entries) == sorted(f"line {i}" for i in range(writers))
    assert {speaker for _, speaker, _ in entries} == {"User"}
    call.refresh_from_db()
    assert call.transcript_entry_count == writers

    final = "".join(f"User: {text}\n" for _, _, text in entries)
    for i, (_, transcript) in enumerate(results):
        lines = transcript.splitlines()
        # Each answer is the transcript as its append left it: a prefix of the final one, ending in its own line.
        assert final.startswith(transcript)
        assert lines[-1] == f"User: line {i}"
    assert sorted(len(transcript.splitlines()) for _, transcript in results) == list(range(1, writers + 1))
    assert len([m for m in sent if m["type"] == "transcriptUpdated"]) == writers


def test_concurrent_terminations_end_the_call_once(store, owner, sent):
    call = Call.objects.create(store=store, call_id="HANGUP-1", start_time=timezone.now())

    def terminate(i: int, client: APIClient) -> int:
        return client.post(f"/api/calls/{call.pk}/terminate").status_code

    statuses = run_together(5, terminate, lambda: client_for(owner))

    assert sorted(statuses) == [200, 409, 409, 409, 409]
    call.refresh_from_db()
    assert call.status == "terminated"
    assert [(m["type"], m["callId"]) for m in sent] == [("callTerminated", "HANGUP-1")]
