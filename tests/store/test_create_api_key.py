"""`manage.py create_api_key <store-slug> --name <label>`: prints a working key once, keeps only its hash."""
from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from callcenter.models import API_KEY_PREFIX, ApiKey
from calls.models import Call


def _create(*args: str, **options) -> str:
    out = StringIO()
    call_command("create_api_key", *args, stdout=out, **options)
    return out.getvalue()


def _printed_key(output: str) -> str:
    keys = [word for word in output.split() if word.startswith(API_KEY_PREFIX)]
    assert len(keys) == 1, output
    return keys[0]


def test_prints_a_key_that_signs_a_bot_into_the_store(store, other_store):
    output = _create("main-street", "--name", "office bot")
    raw = _printed_key(output)

    assert "office bot" in output and "main-street" in output
    key = ApiKey.objects.get()
    assert (key.store, key.name, key.revoked_at) == (store, "office bot", None)
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert key.prefix == raw[:12]
    response = APIClient().post("/api/calls", {"callId": "CLI-1"}, format="json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 201, response.content
    assert Call.objects.get(call_id="CLI-1").store == store


def test_name_option_as_keyword(store):
    _create("main-street", name="kiosk")

    assert ApiKey.objects.get().name == "kiosk"


def test_name_defaults_to_bot(store):
    _create("main-street")

    assert ApiKey.objects.get().name == "bot"


def test_the_key_is_never_stored(store):
    raw = _printed_key(_create("main-street", "--name", "x"))

    for row in ApiKey.objects.values():
        assert all(raw not in str(value) for value in row.values())


def test_each_run_makes_a_new_key(store):
    first = _printed_key(_create("main-street", "--name", "a"))
    second = _printed_key(_create("main-street", "--name", "b"))

    assert first != second
    assert ApiKey.objects.filter(store=store).count() == 2


def test_unknown_slug_is_a_command_error_and_writes_nothing(store, other_store):
    with pytest.raises(CommandError) as raised:
        _create("no-such-store", "--name", "x")

    message = str(raised.value)
    assert "no-such-store" in message
    assert "main-street" in message and "harbor-deli" in message  # names the stores there are
    assert not ApiKey.objects.exists()


def test_unknown_slug_with_no_stores_says_none(db):
    with pytest.raises(CommandError, match="none"):
        _create("anything")


def test_the_slug_is_required(db):
    with pytest.raises(CommandError):
        call_command("create_api_key", stdout=StringIO())
