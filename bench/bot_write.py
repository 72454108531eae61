"""The bot write path in-process: queries and CPU per request kind, and what the live event costs.

    .venv/bin/python bench/bot_write.py [--calls 200] [--appends 10] [--profile 25]

Creates a fresh PostgreSQL database (dropped afterwards), migrates it, makes a store and a bot key,
and drives Django's ASGI application in this process as uvicorn would (one event loop, the sync views
in asgiref's thread, DEBUG=0, DB_POOL=1, channels-redis): each call is POST /api/calls, --appends
transcript PATCHes of two lines and the completing PATCH, one request at a time. Prints, per request
kind, the database queries and the CPU milliseconds (time.process_time: all of this process's
threads, so less disturbed by other load than wall time), and the CPU spent publishing live events.
--profile N prints cProfile's N costliest functions (cumulative) over all threads.
PostgreSQL: BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432); Redis: BENCH_REDIS_URL, db 12.
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import exit_on_sigterm, fresh_database, migrate, server_env  # noqa: E402

REDIS_DB = 12
KINDS = ("create", "append", "complete")


class Meter:
    """Queries (every connection, any thread) and CPU time, added to the kind of request running."""

    def __init__(self) -> None:
        self.kind = ""
        self.queries: dict[str, int] = defaultdict(int)
        self.sql: dict[str, list[str]] = defaultdict(list)
        self.cpu: dict[str, float] = defaultdict(float)
        self.wall: dict[str, float] = defaultdict(float)
        self.count: dict[str, int] = defaultdict(int)
        self.event_cpu = 0.0
        self.events = 0

    def wrapper(self, execute, sql, params, many, context):
        if self.kind:
            self.queries[self.kind] += 1
            if self.count[self.kind] == 3:  # one sample request's SQL per kind
                self.sql[self.kind].append(sql[:150])
        return execute(sql, params, many, context)


def install(meter: Meter, no_events: bool) -> None:
    from django.db.backends.signals import connection_created

    def on_connect(sender, connection, **kwargs):
        if meter.wrapper not in connection.execute_wrappers:
            connection.execute_wrappers.append(meter.wrapper)

    connection_created.connect(on_connect, weak=False)
    # Pooled connections are set up once; make sure the ones already open count too.
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        on_connect(None, conn)

    from calls import events

    send = events._send

    def timed_send(*args, **kwargs):
        began = time.thread_time()
        try:
            return None if no_events else send(*args, **kwargs)
        finally:
            meter.event_cpu += time.thread_time() - began
            meter.events += 1

    events._send = timed_send


async def call_app(app, method: str, path: str, body: dict, key: str) -> tuple[int, dict]:
    raw = json.dumps(body).encode() if body is not None else b""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode()),
                    (b"authorization", f"Bearer {key}".encode())],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
    }  # fmt: skip
    sent = False
    status, chunks = 0, []

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}
        await asyncio.Event().wait()  # the client never disconnects early

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, json.loads(b"".join(chunks) or b"null")


async def run(app, key: str, meter: Meter, calls: int, appends: int, prefix: str) -> list[str]:
    problems = []

    async def request(kind: str, method: str, path: str, body: dict) -> dict:
        meter.kind = kind
        began_cpu, began = time.process_time(), time.perf_counter()
        status, data = await call_app(app, method, path, body, key)
        meter.cpu[kind] += time.process_time() - began_cpu
        meter.wall[kind] += time.perf_counter() - began
        meter.count[kind] += 1
        meter.kind = ""
        if not 200 <= status < 300:
            problems.append(f"{kind} {path}: {status} {data}")
        return data or {}

    # The floor, as in bench/run.py: GET /api/ping touches no database, cache or channel layer.
    began_cpu = time.process_time()
    for _ in range(calls * 4):
        await call_app(app, "GET", "/api/ping", None, key)
    meter.cpu["ping"] += time.process_time() - began_cpu
    meter.count["ping"] += calls * 4
    for n in range(calls):
        call_id = f"{prefix}-{n}"
        body = {"callId": call_id, "type": "inbound", "caller": "+15005550100", "receiver": "+15005550006", "status": "in-progress", "language": "en"}
        await request("create", "POST", "/api/calls", body)
        sent = ""
        for turn in range(appends):
            text = f"User: {call_id} turn {turn} question\nBot: {call_id} turn {turn} answer\n"
            sent += text
            data = await request("append", "PATCH", f"/api/calls/{call_id}/transcript", {"transcript": text})
            if data.get("data", {}).get("transcript") != sent:
                problems.append(f"append {call_id} {turn}: the answer is not the whole transcript")
        await request("complete", "PATCH", f"/api/calls/{call_id}", {"status": "success", "satisfaction": "positive"})
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=200, help="whole calls to run (default 200)")
    parser.add_argument("--appends", type=int, default=10, help="transcript appends per call (default 10)")
    parser.add_argument("--profile", type=int, default=0, help="print cProfile's N costliest functions")
    parser.add_argument("--no-events", action="store_true", help="do not send live events (what they cost, by difference)")
    parser.add_argument("--sql", action="store_true", help="print one sample request's SQL per kind")
    args = parser.parse_args()
    exit_on_sigterm()

    with fresh_database("cc_h2_botwrite") as url:
        env = server_env(url, REDIS_DB, THROTTLE_BOT="1000000/min")
        migrate(env)
        os.environ.update(env)
        os.environ["DJANGO_SETTINGS_MODULE"] = "callcenter.settings"
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        import django

        django.setup()
        from django.core.asgi import get_asgi_application

        from callcenter.models import User
        from store.models import Store
        from store.services import create_api_key

        owner = User.objects.create_user("bench-owner", "owner@example.com", "x", role="user")
        store = Store.objects.create(name="Bench", slug="bench", owner=owner, twilio_numbers=["+15005550006"])
        _, key = create_api_key(store=store, name="bench")
        from django.db import connections

        connections.close_all()

        app = get_asgi_application()
        meter = Meter()
        install(meter, args.no_events)
        # Warm up: imports, the pool, the Redis connection.
        asyncio.run(run(app, key, Meter(), 3, 2, "warm-up"))
        # Two profiles: the event loop's thread, and DRF's dispatch (authentication to response)
        # in whichever thread Django's ASGI handler runs the sync view (a new one per request).
        # CPU time of the thread, not wall time: waiting for PostgreSQL or Redis costs nothing here.
        loop_profile, view_profile = cProfile.Profile(time.thread_time), cProfile.Profile(time.thread_time)
        if args.profile:
            from rest_framework.views import APIView

            dispatch = APIView.dispatch

            def profiled_dispatch(self, *a, **kw):
                view_profile.enable()
                try:
                    return dispatch(self, *a, **kw)
                finally:
                    view_profile.disable()

            APIView.dispatch = profiled_dispatch

        async def measured() -> list[str]:
            if args.profile:
                loop_profile.enable()
            try:
                return await run(app, key, meter, args.calls, args.appends, "bench")
            finally:
                if args.profile:
                    loop_profile.disable()

        problems = asyncio.run(measured())
        connections.close_all()

    requests = sum(meter.count[kind] for kind in KINDS)
    print(f"{args.calls} calls, {requests} requests, in-process ASGI, PostgreSQL + Redis; load average {os.getloadavg()[0]:.2f}")
    print(f"{'request':<10}{'count':>7}{'queries/req':>13}{'CPU ms/req':>12}{'wall ms/req':>13}")
    for kind in KINDS:
        n = meter.count[kind] or 1
        print(f"{kind:<10}{meter.count[kind]:>7}{meter.queries[kind] / n:>13.2f}{meter.cpu[kind] * 1000 / n:>12.2f}{meter.wall[kind] * 1000 / n:>13.2f}")
    ping = meter.cpu["ping"] * 1000 / max(meter.count["ping"], 1)
    print(f"GET /api/ping (the floor): {ping:.2f} CPU ms/req; the write path's CPU per request is "
          f"{sum(meter.cpu[k] for k in KINDS) * 1000 / max(requests, 1) / ping:.1f}x the floor's")
    per_call = sum(meter.queries.values()) / max(args.calls, 1)
    write_cpu = sum(meter.cpu[k] for k in KINDS)
    print(f"per whole call: {per_call:.1f} queries, {write_cpu * 1000 / max(args.calls, 1):.1f} CPU ms")
    print(f"live events: {meter.events}, {meter.event_cpu * 1000 / max(meter.events, 1):.2f} CPU ms each in the sending thread "
          f"({meter.event_cpu / max(write_cpu, 1e-9):.0%} of the write path's CPU){' (--no-events: not sent)' if args.no_events else ''}")  # fmt: skip
    if args.sql:
        for kind in KINDS:
            print(f"\n{kind}:")
            for sql in meter.sql[kind]:
                print(f"  {sql}")
    if args.profile:
        for name, profile in (("DRF dispatch, in the view's thread", view_profile), ("the event loop's thread", loop_profile)):
            print(f"\n--- {name} ---")
            pstats.Stats(profile).sort_stats("cumulative").print_stats(args.profile)
    for problem in problems[:10]:
        print("PROBLEM:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
