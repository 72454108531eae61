"""Live-event fan-out: N WebSocket clients on one daphne process, HTTP writes, time to reach every client.

    .venv/bin/python bench/ws_fanout.py [--clients 500] [--writes 100]

Needs PostgreSQL and Redis: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/callcenter_ws_fanout_bench;
it is dropped and created again, so its name must contain "bench") and BENCH_REDIS_URL (default
redis://127.0.0.1:6379/9). DATABASE_URL and REDIS_URL are deliberately not read.
Creates the database afresh (dropping it first), migrates it, seeds one owner, one store and a bot key
through the ORM, starts `daphne` on a free loopback port, connects the clients (all watching
the store, by ?token=), then sends the writes one at a time (POST /api/calls, a new call each)
and waits for each `callStarted` to reach every client before the next one.

Prints p50/p99 of the time from the HTTP write returning to the event arriving, per client and
per write (at the last client), and the server's RSS growth per connected client.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/callcenter_ws_fanout_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"
# Everything goes to loopback: no proxy, whatever the environment says.
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def prepare_database(env: dict[str, str]) -> tuple[str, str]:
    """Create and migrate the bench database; return (owner JWT, bot key) for a fresh store."""
    import dj_database_url
    import psycopg

    db = dj_database_url.parse(env["DATABASE_URL"])
    admin_dsn = f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER']} dbname=postgres"
    if db.get("PASSWORD"):
        admin_dsn += f" password={db['PASSWORD']}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        # A fresh database each run: the same empty store, whatever migrations ran before.
        conn.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db["NAME"]}"')
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=BASE_DIR, env=env, check=True)

    os.environ.update(env)
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from rest_framework_simplejwt.tokens import AccessToken

    from callcenter.models import User
    from store.models import Store
    from store.services import create_api_key

    owner = User.objects.create_user("bench-owner", "bench@example.com", role=User.Role.USER)
    store = Store.objects.create(slug="bench", name="Bench", owner=owner, twilio_numbers=["+15005550006"])
    _, key = create_api_key(store=store, name="bench bot")
    return str(AccessToken.for_user(owner)), key


def start_server(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "callcenter.asgi:application"],
        cwd=BASE_DIR,
        env={**env, "LOG_LEVEL": "WARNING"},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with HTTP.open(f"http://127.0.0.1:{port}/api/health", timeout=1) as response:
                health = json.load(response)
            # Strangers see statuses only; the layer is Redis because env names REDIS_URL.
            if not env.get("REDIS_URL") or health["channelLayer"]["status"] != "ok":
                raise SystemExit(f"the server's channel layer is {health['channelLayer']} (REDIS_URL={env.get('REDIS_URL')!r}), not a working Redis")
            return server, port
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"daphne did not start: see {log}")


def post_call(port: int, key: str, call_id: str) -> float:
    """POST /api/calls; returns the moment the answer came back."""
    body = json.dumps({"callId": call_id, "caller": "+15550001111", "receiver": "+15005550006"}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/calls", data=body, method="POST", headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    )
    with HTTP.open(request, timeout=10) as response:
        response.read()
        if response.status != 201:
            raise SystemExit(f"POST /api/calls answered {response.status}")
    return time.perf_counter()


class Client:
    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        self.waiters: dict[str, asyncio.Event] = {}

    async def run(self, ws) -> None:
        async for raw in ws:
            now = time.perf_counter()
            event = json.loads(raw)
            if event.get("type") == "callStarted":
                self.arrivals[event["callId"]] = now
                self.waiters.setdefault(event["callId"], asyncio.Event()).set()

    async def wait_for(self, call_id: str) -> None:
        await self.waiters.setdefault(call_id, asyncio.Event()).wait()


async def bench(port: int, server_pid: int, token: str, key: str, clients: int, writes: int) -> dict:
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidHandshake

    url = f"ws://127.0.0.1:{port}/ws/calls/?token={token}"
    origin = f"http://127.0.0.1:{port}"
    sockets, watchers, tasks = [], [], []

    async def open_one() -> None:
        for attempt in range(3):
            try:
                ws = await connect(url, origin=origin, proxy=None, compression=None, open_timeout=30, ping_interval=None, max_queue=None)
                break
            except (OSError, InvalidHandshake):
                # daphne drops a handshake that its consumer has not accepted within 5 s (a busy machine).
                if attempt == 2:
                    raise
        snapshot = json.loads(await ws.recv())
        assert snapshot["type"] == "snapshot", snapshot
        client = Client()
        sockets.append(ws)
        watchers.append(client)
        tasks.append(asyncio.create_task(client.run(ws)))

    # Warm up with one client (and time the write alone), then the baseline memory.
    await open_one()
    alone = []
    for i in range(25):
        call_id = f"WARM-{time.time_ns()}-{i}"
        sent = time.perf_counter()
        alone.append((await asyncio.to_thread(post_call, port, key, call_id) - sent) * 1000)
        await asyncio.wait_for(watchers[0].wait_for(call_id), 10)
    alone = alone[5:]
    rss_before = rss_kib(server_pid)

    started = time.perf_counter()
    while len(sockets) < clients:
        await asyncio.gather(*(open_one() for _ in range(min(25, clients - len(sockets)))))
    connect_seconds = time.perf_counter() - started
    await asyncio.sleep(1)  # let the server settle before reading its memory
    rss_after = rss_kib(server_pid)
    print(f"clients connected: {len(sockets)} in {connect_seconds:.1f} s; now {writes} writes, one at a time", flush=True)

    per_delivery, per_write, from_send, first_from_send, http_ms = [], [], [], [], []
    cpu_before = cpu_seconds(server_pid)
    for i in range(writes):
        call_id = f"BENCH-{time.time_ns()}-{i}"
        sent = time.perf_counter()
        returned = await asyncio.to_thread(post_call, port, key, call_id)
        await asyncio.wait_for(asyncio.gather(*(w.wait_for(call_id) for w in watchers)), 30)
        arrivals = [w.arrivals[call_id] for w in watchers]
        # The event leaves at the commit, before the answer: an arrival before `returned` counts as 0.
        per_delivery += [max(0.0, t - returned) * 1000 for t in arrivals]
        per_write.append(max(0.0, max(arrivals) - returned) * 1000)
        from_send.append((max(arrivals) - sent) * 1000)
        first_from_send.append((min(arrivals) - sent) * 1000)
        http_ms.append((returned - sent) * 1000)

    cpu_per_write = (cpu_seconds(server_pid) - cpu_before) / writes * 1000

    for ws in sockets:
        await ws.close()
    for task in tasks:
        task.cancel()

    print(f"HTTP write returned -> event at a client  (n={len(per_delivery)}): p50 {percentile(per_delivery, 50):.1f} ms  p99 {percentile(per_delivery, 99):.1f} ms")
    print(f"HTTP write returned -> event at every client (n={len(per_write)}): p50 {percentile(per_write, 50):.1f} ms  p99 {percentile(per_write, 99):.1f} ms  max {max(per_write):.1f} ms")
    print(f"HTTP request sent   -> event at every client (n={len(from_send)}): p50 {percentile(from_send, 50):.1f} ms  p99 {percentile(from_send, 99):.1f} ms  (mean {statistics.mean(from_send):.1f})")
    print(f"HTTP request sent   -> event at the first client:               p50 {percentile(first_from_send, 50):.1f} ms  p99 {percentile(first_from_send, 99):.1f} ms")
    print(f"HTTP request sent   -> HTTP answer back:                        p50 {percentile(http_ms, 50):.1f} ms  p99 {percentile(http_ms, 99):.1f} ms")
    print(f"  (the same write with 1 client connected: p50 {percentile(alone, 50):.1f} ms  p99 {percentile(alone, 99):.1f} ms)")
    print(f"server CPU per write (the request and its fan-out to {len(sockets)} sockets): {cpu_per_write:.0f} ms")
    growth = rss_after - rss_before
    print(f"server RSS: {rss_before / 1024:.1f} MiB with 1 client, {rss_after / 1024:.1f} MiB with {len(sockets)}: {growth / (len(sockets) - 1):.1f} KiB per client")
    return {
        "clients": len(sockets),
        "writes": writes,
        "every_p50": round(percentile(per_write, 50), 1),
        "every_p99": round(percentile(per_write, 99), 1),
        "http_p50": round(percentile(http_ms, 50), 1),
        "http_p99": round(percentile(http_ms, 99), 1),
        "alone_p50": round(percentile(alone, 50), 1),
        "alone_p99": round(percentile(alone, 99), 1),
        "cpu_ms_per_write": round(cpu_per_write),
        "kib_per_client": round(growth / (len(sockets) - 1), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--writes", type=int, default=100)
    parser.add_argument("--json", type=Path, help="also write the figures to this file (bench/run.py reads it)")
    args = parser.parse_args()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "callcenter.settings",
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        # As in production (bench/harness.py server_env): DEBUG=1 would keep every query in memory.
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
    }
    if not env["DATABASE_URL"].startswith("postgres") or "bench" not in env["DATABASE_URL"].rsplit("/", 1)[-1]:
        raise SystemExit("BENCH_DATABASE_URL must name a PostgreSQL database with 'bench' in its name (it is dropped)")
    token, key = prepare_database(env)
    log = BASE_DIR / "bench" / "out" / "ws_fanout.server.log"
    log.parent.mkdir(exist_ok=True)
    server, port = start_server(env, log)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"daphne pid {server.pid} on 127.0.0.1:{port}; {env['DATABASE_URL']}; {env['REDIS_URL']}; load average {load}", flush=True)
    try:
        figures = asyncio.run(bench(port, server.pid, token, key, args.clients, args.writes))
        if args.json:
            args.json.write_text(json.dumps({**figures, "load": load}, indent=2) + "\n")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
