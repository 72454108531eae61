"""One gather turn, in-process: signature check, matching against a big inventory, transcript write, live event.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/callcenter_bench .venv/bin/python bench/voice_turn.py [--items 50000] [--turns 400] [--warmup 20]

Seeds the demo store (`seed_demo --calls 0`), adds generated items until it holds --items, then plays
the utterances of tests/voice/utterances.yaml through POST /voice/gather (signed as Twilio signs) on
fresh calls, and prints p50 / p99 per turn and the queries per turn, and the same for the dialogue engine's
part of the turn (voice.dialogue.respond: reading the store's data and matching; the rest is the view, the
signature, the call's writes and the event). The added items are removed afterwards.
"""
from __future__ import annotations

import argparse
import cProfile
import itertools
import os
import pstats
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
GATHER = "/voice/gather?turn=1"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "callcenter.settings")
os.environ.setdefault("TWILIO_AUTH_TOKEN", "bench-token")
os.environ.setdefault("PUBLIC_BASE_URL", "https://bench.example.com")

import django  # noqa: E402

django.setup()

import yaml  # noqa: E402
from channels.layers import get_channel_layer  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from calls.models import Call  # noqa: E402
from voice import dialogue  # noqa: E402
from store.models import InventoryItem, Store  # noqa: E402
from store.services import index_item_words  # noqa: E402

FORM = "application/x-www-form-urlencoded"  # how Twilio posts its webhooks
BRANDS = "Acme Bluebird Cedar Delta Evergreen Fairway Golden Harbor Island Juniper Kestrel Lakeside Maple Northern Orchard Pioneer Quarry Riverside Summit Timber Union Valley Willow Yellowstone Zenith".split()
KINDS = "Crackers Cookies Chips Soup Sauce Beans Rice Pasta Cereal Granola Juice Soda Tea Coffee Yogurt Cheese Salsa Dressing Jam Honey Nuts Popcorn Pretzels Noodles Broth Oil Vinegar Spice Seasoning Candy".split()
FLAVOURS = "Original Spicy Mild Classic Lemon Garlic Herb Smoky Sweet Savory Tangy Zesty Roasted Toasted Salted Unsalted Honey Maple Vanilla Cocoa".split()
SIZES = ["8 oz", "12 oz", "16 oz", "24 oz", "32 oz"]


def fill(store: Store, target: int) -> list[int]:
    """Generated items (brand x flavour x kind x size) until the store holds `target`; returns their ids."""
    need = max(target - InventoryItem.objects.filter(store=store).count(), 0)
    combos = itertools.islice(itertools.product(BRANDS, FLAVOURS, KINDS, SIZES), need)
    ids: list[int] = []
    batch: list[InventoryItem] = []
    for n, (brand, flavour, kind, size) in enumerate(combos):
        batch.append(InventoryItem(store=store, name=f"{brand} {flavour} {kind} ({size})", sku=f"GEN{n:07d}", price=Decimal("3.49"), stock_quantity=n % 40, location=f"Aisle {n % 20 + 1}"))
        if len(batch) == 5000:
            created = InventoryItem.objects.bulk_create(batch)
            index_item_words(created)
            ids += [item.pk for item in created]
            batch = []
    if batch:
        created = InventoryItem.objects.bulk_create(batch)
        index_item_words(created)
        ids += [item.pk for item in created]
    return ids


def vacuum() -> None:
    """Clear what earlier runs left (their calls are deleted at the end): this machine's PostgreSQL runs
    with autovacuum off, and a call row updated thousands of times by earlier runs slows every lookup."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("calls_call", "calls_transcriptentry", "calls_callhour", "calls_calllanguagehour", "store_inventoryitem", "store_inventoryword"):
                cursor.execute(f"VACUUM ANALYZE {table}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--turns", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=20, help="turns played first and not counted (a process's first turns fill its caches)")
    parser.add_argument("--keep", action="store_true", help="leave the generated items for the next run")
    parser.add_argument("--profile", action="store_true", help="print where the turns spend their time (cProfile)")
    args = parser.parse_args()

    call_command("seed_demo", calls=0, quiet=True)
    store = Store.objects.get(slug="demo-store")
    started = time.perf_counter()
    added = fill(store, args.items)
    vacuum()
    print(f"{connection.vendor}: {InventoryItem.objects.filter(store=store).count():,} items in the demo store ({len(added):,} added in {time.perf_counter() - started:.1f} s)")
    utterances = [u[0] for u in yaml.safe_load((ROOT / "tests/voice/utterances.yaml").read_text())["utterances"]]
    validator = RequestValidator(os.environ["TWILIO_AUTH_TOKEN"])
    base = os.environ["PUBLIC_BASE_URL"]
    client = Client()
    number = store.twilio_numbers[0]
    # Wall time suffers from whatever else the machine runs; this process's CPU time much less.
    timings, queries, cpu = [], [], []
    answered: list[float] = []  # wall ms of each call's /voice/incoming (log the call, greet)
    said: list[tuple[float, float, str]] = []  # wall ms, CPU ms and utterance of each turn, for the slowest
    engine: list[tuple[float, float, int]] = []  # wall ms, CPU ms, queries of dialogue.respond per turn
    respond = dialogue.respond

    def timed_respond(*a, **kw):
        n0, t0, c0 = len(connection.queries_log), time.perf_counter(), time.process_time()
        try:
            return respond(*a, **kw)
        finally:
            engine.append(((time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000, len(connection.queries_log) - n0))

    dialogue.respond = timed_respond
    profiler = cProfile.Profile() if args.profile else None
    try:
        for n in range(-args.warmup, args.turns):
            sid = f"CABENCH{n + args.warmup:025d}"
            params = {"CallSid": sid, "From": "+15551230000", "To": number, "CallStatus": "ringing"}
            t0 = time.perf_counter()
            client.post("/voice/incoming", urlencode(params), FORM, HTTP_X_TWILIO_SIGNATURE=validator.compute_signature(base + "/voice/incoming", params))
            if n >= 0:
                answered.append((time.perf_counter() - t0) * 1000)
            turn = {**params, "CallStatus": "in-progress", "SpeechResult": utterances[n % len(utterances)]}
            # Where Twilio sends it: the greeting's <Gather action>, whose turn makes it a claimed request (the replay guard).
            signature = validator.compute_signature(base + GATHER, turn)
            if n < 0:
                response = client.post(GATHER, urlencode(turn), FORM, HTTP_X_TWILIO_SIGNATURE=signature)
                assert response.status_code == 200, response.content
                continue
            with CaptureQueriesContext(connection) as ctx:
                if profiler:
                    profiler.enable()
                t0, c0 = time.perf_counter(), time.process_time()
                response = client.post(GATHER, urlencode(turn), FORM, HTTP_X_TWILIO_SIGNATURE=signature)
                timings.append((time.perf_counter() - t0) * 1000)
                said.append((timings[-1], (time.process_time() - c0) * 1000, turn["SpeechResult"]))
                cpu.append((time.process_time() - c0) * 1000)
                if profiler:
                    profiler.disable()
            assert response.status_code == 200, response.content
            queries.append(len(ctx))
        timings.sort()
        p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
        durable = connection.vendor != "postgresql" or settings.VOICE_DURABLE_COMMIT
        layer = type(get_channel_layer()).__name__
        print(f"{layer}; the turn's commit {'waits' if durable else 'does not wait'} for the disk (VOICE_DURABLE_COMMIT); {args.warmup} warm-up turns not counted")
        print(f"gather turn over {args.turns} turns: p50 {statistics.median(timings):.1f} ms, p99 {p99:.1f} ms, max {timings[-1]:.1f} ms")
        print(f"CPU of this process per turn: p50 {statistics.median(cpu):.1f} ms, mean {statistics.mean(cpu):.1f} ms; load average {os.getloadavg()[0]:.1f}")
        answered.sort()
        print(f"incoming (the greeting) over {len(answered)} calls: p50 {statistics.median(answered):.1f} ms, p99 {answered[min(len(answered) - 1, int(len(answered) * 0.99))]:.1f} ms")
        slowest = sorted(said, reverse=True)[:5]
        print("slowest turns: " + "; ".join(f"{ms:.1f} ms (CPU {cpu_ms:.1f}) {text!r}" for ms, cpu_ms, text in slowest))
        print(f"queries per turn: min {min(queries)}, max {max(queries)}, mean {statistics.mean(queries):.1f}")
        walls, cpus = sorted(row[0] for row in engine), [row[1] for row in engine]
        print(
            f"of which the dialogue engine (respond): p50 {statistics.median(walls):.1f} ms, p99 {walls[min(len(walls) - 1, int(len(walls) * 0.99))]:.1f} ms;"
            f" CPU p50 {statistics.median(cpus):.1f} ms, mean {statistics.mean(cpus):.1f} ms; queries mean {statistics.mean(row[2] for row in engine):.2f}, max {max(row[2] for row in engine)}"
        )
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
    finally:
        dialogue.respond = respond
        Call.objects.filter(store=store, call_id__startswith="CABENCH").delete()
        if not args.keep:
            InventoryItem.objects.filter(pk__in=added).delete()


if __name__ == "__main__":
    main()
