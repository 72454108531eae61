"""Live events: the one module that knows group names and sends call events.

Services call `publish_*` inside their transaction; the message leaves only after the
commit (`transaction.on_commit`), and a channel layer that is down loses the event
(logged) rather than failing the request that caused it.
"""
from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

ADMIN_GROUP = "calls.all"


def store_group(store_id: int) -> str:
    return f"calls.store.{store_id}"


def _now() -> str:
    return timezone.now().isoformat()


def _send(store_id: int, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    envelope = {"type": "call.event", "event": message}
    for group in (store_group(store_id), ADMIN_GROUP):
        try:
            async_to_sync(layer.group_send)(group, envelope)
        except Exception:  # the write already committed; a lost event must not fail it
            logger.exception("live event lost: %s for call %s to %s", message.get("type"), message.get("callId"), group)


def _publish(store_id: int, message: dict[str, Any]) -> None:
    transaction.on_commit(lambda: _send(store_id, message), robust=True)


def publish_call_started(*, store_id: int, call_id: str, caller: str, receiver: str) -> None:
    _publish(store_id, {"type": "callStarted", "callId": call_id, "caller": caller, "receiver": receiver, "timestamp": _now()})


def publish_call_updated(*, store_id: int, call_id: str, data: dict[str, Any]) -> None:
    _publish(store_id, {"type": "callUpdated", "callId": call_id, "data": data, "timestamp": _now()})


def publish_transcript_updated(*, store_id: int, call_id: str, transcript: str) -> None:
    _publish(store_id, {"type": "transcriptUpdated", "callId": call_id, "transcript": transcript, "timestamp": _now()})


def publish_call_terminated(*, store_id: int, call_id: str, status: str) -> None:
    _publish(store_id, {"type": "callTerminated", "callId": call_id, "status": status, "timestamp": _now()})
