"""`make fuzz` (bench/fuzz.py) generates every class of hostile input of issue 14 item 5, on the
operations of the real /swagger.json: each class must be there for the CI's fuzz run to try it."""
from __future__ import annotations

import random
import urllib.parse

from bench import fuzz


def test_each_class_of_issue_14_item_5_is_generated(admin_api):
    schema = admin_api.get("/swagger.json").json()

    # As hostile_run makes them with the CI's seed (1): the webhooks first, then the API's probes, one generator.
    rng = random.Random(1)
    webhooks, _, _ = fuzz.webhook_probes("http://127.0.0.1:1", rng, "+15005550006")
    probes = list(fuzz.api_probes(schema, rng, "main-street", "cck_x"))

    kinds = {probe.kind for probe in probes}
    assert {"deep JSON", "lone surrogate", "offset past bigint", "largest offset"} <= kinds
    # Deep JSON on the unauthenticated login, nested a thousand deep and more.
    assert any(p.path == "/api/auth/login/" and p.body.startswith(b'{"a":' * 1000) for p in probes)
    # ?offset= past a 64-bit integer on the store lists, customers and the audit log.
    offsets = {p.path.split("?")[0].rstrip("/") for p in probes if p.kind == "offset past bigint"}
    assert {"/api/stores", "/api/customers", "/api/audit-log", "/api/inventory"} <= offsets, sorted(offsets)
    # A metadata key "\udfff".
    assert any(b'"\\udfff"' in p.body and b"metadata" in p.body for p in probes)
    # Signed webhooks: a 500-character CallSid (or longer), a huge CallDuration, NUL in SpeechResult and From.
    sent = [dict(urllib.parse.parse_qsl(p.body.decode())) for p in webhooks]
    assert all("X-Twilio-Signature" in p.headers for p in webhooks)
    assert any(len(params["CallSid"]) >= 500 for params in sent)
    assert any(len(params.get("CallDuration", "")) >= 11 for params in sent)
    assert any("\x00" in params.get("SpeechResult", "") for params in sent)
    assert any("\x00" in params.get("From", "") for params in sent)
