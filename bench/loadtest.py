"""Load test: many concurrent bots run whole calls against the production setup; nothing may be lost.

    .venv/bin/python bench/loadtest.py [--seconds 60] [--bots 50] [--workers 2] [--appends 10]

Creates a fresh PostgreSQL database (dropped afterwards), migrates it, makes a store and a bot key,
starts uvicorn with --workers processes on a free loopback port (DEBUG=0, DB_POOL=1, channels-redis),
then each bot, for --seconds, runs call after call: POST /api/calls, --appends transcript PATCHes of
two lines each (checking every answer carries the whole transcript so far), and a completing PATCH.

Afterwards it checks the database: every call created with a 2xx answer exists exactly once, every
transcript line sent with a 2xx answer is there exactly once and in the order sent, no line of a
refused request is there, every completed call is completed; and that no response was a 5xx.
Prints throughput and latency percentiles per request kind. Exits 1 on any loss, duplicate, 5xx or
unexpected status, so CI can run it (`make loadtest LOAD_ARGS="--seconds 15 --bots 20"`).
PostgreSQL: BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432); Redis: BENCH_REDIS_URL, db 11.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import Server, exit_on_sigterm, fresh_database, migrate, percentile, rss_kib, server_env, setup_django  # noqa: E402

REDIS_DB = 11


@dataclass
class CallRecord:
    """What one bot sent for one call and what the server said."""

    call_id: str
    created: bool | None = None  # True: 2xx; False: refused; None: no answer (outcome unknown)
    acked: list[tuple[str, str]] = field(default_factory=list)  # lines appended with a 2xx answer
    refused: list[tuple[str, str]] = field(default_factory=list)  # lines of a 4xx/5xx append
    unknown: list[tuple[str, str]] = field(default_factory=list)  # lines of an append with no answer
    completed: bool | None = None


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    calls: list[CallRecord] = field(default_factory=list)


async def send(session: aiohttp.ClientSession, stats: Stats, kind: str, method: str, url: str, body: dict) -> tuple[int | None, dict | None]:
    """One request; (status, json) or (None, None) when no answer came back."""
    began = time.perf_counter()
    try:
        async with session.request(method, url, json=body) as response:
            payload = await response.read()
            status = response.status
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        stats.statuses[f"{kind} no answer"] += 1
        stats.problems.append(f"{kind} {url}: no answer ({type(exc).__name__}: {exc})")
        return None, None
    stats.latencies[kind].append((time.perf_counter() - began) * 1000)
    stats.statuses[f"{kind} {status}"] += 1
    try:
        data = json.loads(payload) if payload else None
    except ValueError:
        data = None
    if not 200 <= status < 300:
        stats.problems.append(f"{kind} {url}: {status} {payload[:300]!r}")
    return status, data


async def run_call(session: aiohttp.ClientSession, stats: Stats, base: str, call_id: str, appends: int) -> None:
    record = CallRecord(call_id)
    stats.calls.append(record)
    body = {"callId": call_id, "type": "inbound", "caller": "+15005550100", "receiver": "+15005550006", "status": "in-progress", "language": "en"}
    status, data = await send(session, stats, "create", "POST", f"{base}/api/calls", body)
    record.created = None if status is None else status in (200, 201)
    if not record.created:
        return
    for turn in range(appends):
        lines = [("User", f"{call_id} turn {turn} question"), ("Bot", f"{call_id} turn {turn} answer")]
        text = "".join(f"{speaker}: {said}\n" for speaker, said in lines)
        status, data = await send(session, stats, "append", "PATCH", f"{base}/api/calls/{call_id}/transcript", {"transcript": text})
        if status is None:
            record.unknown += lines
        elif 200 <= status < 300:
            record.acked += lines
            expected = "".join(f"{s}: {t}\n" for s, t in record.acked)
            got = (data or {}).get("data", {}).get("transcript")
            # With no unknown appends in between, the answer is exactly what this bot sent so far.
            if not record.unknown and got != expected:
                stats.problems.append(f"append {call_id} turn {turn}: answer's transcript differs from the lines sent")
        else:
            record.refused += lines
    status, _ = await send(session, stats, "complete", "PATCH", f"{base}/api/calls/{call_id}", {"status": "success", "satisfaction": "positive"})
    record.completed = None if status is None else 200 <= status < 300


async def bot(index: int, session: aiohttp.ClientSession, stats: Stats, base: str, run_id: str, deadline: float, appends: int) -> None:
    number = 0
    while time.monotonic() < deadline:
        await run_call(session, stats, base, f"load-{run_id}-{index}-{number}", appends)
        number += 1


async def load(base: str, key: str, bots: int, seconds: float, appends: int) -> tuple[Stats, float]:
    stats = Stats()
    run_id = secrets.token_hex(3)
    connector = aiohttp.TCPConnector(limit=bots, force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)
    headers = {"Authorization": f"Bearer {key}"}
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, headers=headers) as session:
        began = time.monotonic()
        deadline = began + seconds
        await asyncio.gather(*(bot(i, session, stats, base, run_id, deadline, appends) for i in range(bots)))
        elapsed = time.monotonic() - began
    return stats, elapsed


def verify(stats: Stats, store_id: int) -> list[str]:
    """Compare what the server acknowledged with what the database holds."""
    from calls.models import Call, TranscriptEntry

    problems: list[str] = []
    rows = Counter(Call.objects.filter(store_id=store_id).values_list("call_id", flat=True))
    status_of = dict(Call.objects.filter(store_id=store_id).values_list("call_id", "status"))
    lines: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for call_id, speaker, text in (
        TranscriptEntry.objects.filter(call__store_id=store_id).order_by("call_id", "seq").values_list("call__call_id", "speaker", "text").iterator(chunk_size=5000)
    ):
        lines[call_id].append((speaker, text))
    sent_ids = {record.call_id for record in stats.calls}
    for call_id, count in rows.items():
        if count != 1:
            problems.append(f"call {call_id}: {count} rows")
        if call_id not in sent_ids:
            problems.append(f"call {call_id}: in the database but never sent")
    for record in stats.calls:
        stored = lines.get(record.call_id, [])
        if record.created and record.call_id not in rows:
            problems.append(f"call {record.call_id}: created (2xx) but missing")
        if record.created is False and record.call_id in rows:
            problems.append(f"call {record.call_id}: refused but stored")
        acked = set(record.acked)
        if [line for line in stored if line in acked] != record.acked:
            problems.append(f"call {record.call_id}: acknowledged lines lost, duplicated or out of order")
        if len(stored) != len(set(stored)):
            problems.append(f"call {record.call_id}: a line stored twice")
        allowed = acked | set(record.unknown)
        if any(line not in allowed for line in stored):
            problems.append(f"call {record.call_id}: a line stored that was refused or never sent")
        if record.completed and status_of.get(record.call_id) != "success":
            problems.append(f"call {record.call_id}: completed (2xx) but status {status_of.get(record.call_id)}")
    return problems


def report(stats: Stats, elapsed: float, bots: int, workers: int, rss: dict[int, int]) -> dict:
    requests = sum(len(v) for v in stats.latencies.values())
    calls_done = sum(1 for record in stats.calls if record.completed)
    lines_acked = sum(len(record.acked) for record in stats.calls)
    summary = {
        "seconds": round(elapsed, 1),
        "bots": bots,
        "workers": workers,
        "requests": requests,
        "requests_per_s": round(requests / elapsed, 1),
        "calls_completed": calls_done,
        "calls_per_s": round(calls_done / elapsed, 2),
        "transcript_lines": lines_acked,
        "statuses": dict(sorted(stats.statuses.items())),
        "latency_ms": {},
        "server_rss_mib": {str(pid): round(kib / 1024, 1) for pid, kib in rss.items()},
    }
    print(f"\n{requests} requests in {elapsed:.1f} s from {bots} bots against {workers} workers: "
          f"{requests / elapsed:.0f} req/s, {calls_done} whole calls ({calls_done / elapsed:.1f}/s), {lines_acked} transcript lines")  # fmt: skip
    print(f"{'request':<10}{'count':>8}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for kind in ("create", "append", "complete"):
        values = stats.latencies.get(kind, [])
        figures = {p: round(percentile(values, p), 1) for p in (50, 90, 99, 100)}
        summary["latency_ms"][kind] = {"count": len(values), **{f"p{p}": v for p, v in figures.items()}}
        print(f"{kind:<10}{len(values):>8}" + "".join(f"{figures[p]:>9.1f}" for p in (50, 90, 99, 100)))
    print("statuses: " + ", ".join(f"{k}: {v}" for k, v in summary["statuses"].items()))
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="how long the bots keep starting calls (default 60)")
    parser.add_argument("--bots", type=int, default=50, help="concurrent bots, each running one call at a time (default 50)")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (default 2)")
    parser.add_argument("--appends", type=int, default=10, help="transcript appends per call (default 10)")
    parser.add_argument("--port", type=int, default=0, help="loopback port (default: a free one)")
    parser.add_argument("--keep-db", action="store_true", help="keep the database afterwards (its name is printed)")
    parser.add_argument("--json", type=Path, help="also write the summary here")
    args = parser.parse_args()
    exit_on_sigterm()

    with fresh_database("callcenter_load", keep=args.keep_db) as database_url:
        # One key drives every bot here, far above a real bot's rate: the bot throttle is lifted.
        env = server_env(database_url, REDIS_DB, THROTTLE_BOT="100000000/min")
        migrate(env)
        setup_django(env)
        from callcenter.models import User
        from store.models import Store
        from store.services import create_api_key

        owner = User.objects.create_user("load-owner", "load@example.com", role=User.Role.USER)
        store = Store.objects.create(slug="load-store", name="Load Store", owner=owner, twilio_numbers=["+15005550006"])
        _, key = create_api_key(store=store, name="load bot")
        print(f"database {database_url.rsplit('/', 1)[1]}; {args.bots} bots for {args.seconds:g} s against {args.workers} uvicorn workers")
        with Server(env, workers=args.workers, port=args.port) as server:
            stats, elapsed = asyncio.run(load(server.url, key, args.bots, args.seconds, args.appends))
            rss = {pid: rss_kib(pid) for pid in server.pids()}
        from django.db import connections

        summary = report(stats, elapsed, args.bots, args.workers, rss)
        problems = stats.problems + verify(stats, store.pk)
        connections.close_all()
        summary["problems"] = len(problems)
        if args.json:
            args.json.write_text(json.dumps(summary, indent=2) + "\n")
    if problems:
        print(f"\nloadtest: FAILED: {len(problems)} problems", file=sys.stderr)
        for line in problems[:30]:
            print(f"  {line}", file=sys.stderr)
        return 1
    print("loadtest: every acknowledged call and transcript line is stored exactly once, in order; no 5xx")
    return 0


if __name__ == "__main__":
    sys.exit(main())
