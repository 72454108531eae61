"""make bench: the figures of issue 8 over real HTTP against the production setup, each next to a floor.

    .venv/bin/python bench/run.py [--calls 10000 1000000] [--seconds 10] [--connections 16] [--workers 2] [--reseed]

For each size it uses the PostgreSQL database callcenter_bench_<calls> (created, migrated and loaded
with `seed_demo --calls N` when missing or with --reseed; kept for the next run, since a million calls
take minutes to load), starts uvicorn with --workers processes (DEBUG=0, DB_POOL=1, channels-redis,
throttles lifted: one client stands for many), and measures for --seconds each at --connections
concurrent connections:

- the floor, GET /api/ping (no auth, no database), with the same client as each figure;
- the bot write path (POST /api/calls, 10 transcript PATCHes, the completing PATCH; bench/loadtest.py's bots);
- the voice gather webhook (signed as Twilio signs: incoming, five turns, completed status);
- GET /api/calls (filtered, page 1 and the last page), /api/calls/stats, /api/calls/analytics?period=90d
  and /api/dashboard/comprehensive/ for the admin, the owner and the agent (with wrk when installed,
  `apt-get install -y wrk`, else the async client);
- the CSV export of every call of the demo store: rows per second and the serving worker's peak memory.

Prints each figure with its floor and the ratio, and writes bench/RESULTS.md (machine, versions, date).
Live-event delivery to 500 sockets is bench/ws_fanout.py's figure, not measured here.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from datetime import datetime, timezone
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import HTTP, PG_BASE, ROOT, Server, admin_connection, exit_on_sigterm, free_port, migrate, percentile, rss_kib, server_env  # noqa: E402
from loadtest import load  # noqa: E402

REDIS_DB = 13
TWILIO_TOKEN = "bench-twilio-auth-token"
STORE_NUMBER = "+15005550006"  # seed_demo's demo-store line
UTTERANCES = ["do you have milk", "how much are eggs", "what time do you close", "where is the bread", "any deals today"]
NOTES_MARKER = "<!-- notes: kept by bench/run.py across runs -->\n"
NOTES_DEFAULT = """
## Not measured by bench/run.py

- Live-event delivery to 500 sockets: `bench/ws_fanout.py` (README, "Tests and measurements").
"""
# Goals of issue 8 on this 2-core machine.
GOAL_WRITE_RATIO = 0.60
GOAL_VOICE_P99_MS = 50
GOAL_READ_P99_MS = 150
GOAL_EXPORT_ROWS_S = 50_000
GOAL_LIVE_P99_MS = 50  # issue 5: HTTP answer -> event at every one of 500 sockets


# ---------------------------------------------------------------- database and credentials


def ensure_database(calls: int, reseed: bool) -> str:
    name = f"callcenter_bench_{calls}"
    with admin_connection() as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reseed:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{PG_BASE}/{name}"
    env = server_env(url, REDIS_DB)
    migrate(env)
    if not exists:
        began = time.monotonic()
        print(f"bench: loading {calls:,} calls into {name} (seed_demo) ...", flush=True)
        subprocess.run([sys.executable, "manage.py", "seed_demo", "--calls", str(calls), "--quiet"], cwd=ROOT, env=env, check=True)
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        print(f"bench: loaded in {time.monotonic() - began:.0f} s", flush=True)
    return url


def bot_key(env: dict[str, str]) -> str:
    out = subprocess.run(
        [sys.executable, "manage.py", "create_api_key", "demo-store", "--name", "bench"], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return out.stdout.split()[-1]


def jwt(base: str, username: str, password: str) -> str:
    request = urllib.request.Request(
        f"{base}/api/auth/token/", data=json.dumps({"username": username, "password": password}).encode(), headers={"Content-Type": "application/json"}
    )
    with HTTP.open(request, timeout=30) as response:
        return json.load(response)["access"]


def get_json(base: str, path: str, token: str) -> dict:
    request = urllib.request.Request(f"{base}{path}", headers={"Authorization": f"Bearer {token}"})
    with HTTP.open(request, timeout=120) as response:
        return json.load(response)


def wait_idle(database_url: str, limit: float = 300) -> None:
    """Until PostgreSQL runs no query of the bench database: a client that stops waiting does not
    stop the server's queries, and the next figure must not pay for the last one's backlog."""
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    deadline = time.monotonic() + limit
    with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
        while time.monotonic() < deadline:
            busy = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND state = 'active' AND pid <> pg_backend_pid()", [name]
            ).fetchone()[0]
            if not busy:
                return
            time.sleep(0.5)


# ---------------------------------------------------------------- load generators


def figure(name: str, requests: int, seconds: float, latencies: list[float], errors: int) -> dict:
    return {
        "name": name,
        "requests": requests,
        "rps": round(requests / seconds, 1) if seconds else 0,
        "p50": round(percentile(latencies, 50), 1),
        "p99": round(percentile(latencies, 99), 1),
        "errors": errors,
    }


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(name: str, url: str, token: str | None, seconds: float, connections: int) -> dict:
    """GET `url` with wrk (one thread: it leaves the cores to the server)."""
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{int(seconds)}s", "--latency", "--timeout", "30s", url]
    if token:
        cmd[1:1] = ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    pct = {int(p): float(v) * UNITS[u] for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)}
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return {"name": name, "requests": requests, "rps": rps, "p50": round(pct.get(50, 0), 1), "p99": round(pct.get(99, 0), 1), "errors": errors}


async def async_gets(name: str, url: str, token: str | None, seconds: float, connections: int) -> dict:
    """GET `url` from `connections` concurrent clients for `seconds` (the floor for the async figures)."""
    latencies: list[float] = []
    errors = 0
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def client(session: aiohttp.ClientSession, deadline: float) -> None:
        nonlocal errors
        while time.monotonic() < deadline:
            began = time.perf_counter()
            async with session.get(url) as response:
                await response.read()
                errors += response.status >= 300
            latencies.append((time.perf_counter() - began) * 1000)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections), headers=headers) as session:
        began = time.monotonic()
        await asyncio.gather(*(client(session, began + seconds) for _ in range(connections)))
        elapsed = time.monotonic() - began
    return figure(name, len(latencies), elapsed, latencies, errors)


def get_figure(name: str, url: str, token: str | None, seconds: float, connections: int) -> dict:
    if shutil.which("wrk"):
        return wrk(name, url, token, seconds, connections)
    return asyncio.run(async_gets(name, url, token, seconds, connections))


def bot_writes(base: str, key: str, seconds: float, connections: int) -> dict:
    stats, elapsed = asyncio.run(load(base, key, connections, seconds, 10))
    latencies = [ms for values in stats.latencies.values() for ms in values]
    errors = sum(count for status, count in stats.statuses.items() if not status.split()[-1].startswith("2"))
    result = figure("bot write path (create, 10 appends, complete)", len(latencies), elapsed, latencies, errors)
    result["calls_per_s"] = round(sum(1 for record in stats.calls if record.completed) / elapsed, 1)
    return result


async def voice_calls(base: str, seconds: float, connections: int) -> dict:
    """Callers each run calls: incoming, five spoken turns (the measured gathers), completed."""
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(TWILIO_TOKEN)
    latencies: list[float] = []
    errors = 0

    async def post(session: aiohttp.ClientSession, path: str, params: dict[str, str], measure: bool) -> None:
        nonlocal errors
        signature = validator.compute_signature(base + path, params)
        began = time.perf_counter()
        async with session.post(base + path, data=params, headers={"X-Twilio-Signature": signature}) as response:
            await response.read()
            errors += response.status != 200
        if measure:
            latencies.append((time.perf_counter() - began) * 1000)

    async def caller(session: aiohttp.ClientSession, deadline: float) -> None:
        while time.monotonic() < deadline:
            call = {"AccountSid": "AC" + "0" * 32, "CallSid": "CA" + uuid.uuid4().hex, "From": "+15550100123", "To": STORE_NUMBER, "Direction": "inbound"}
            await post(session, "/voice/incoming", {**call, "CallStatus": "ringing"}, False)
            for said in UTTERANCES:
                await post(session, "/voice/gather", {**call, "CallStatus": "in-progress", "SpeechResult": said, "Confidence": "0.9"}, True)
            await post(session, "/voice/status", {**call, "CallStatus": "completed", "CallDuration": "30"}, False)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections)) as session:
        began = time.monotonic()
        await asyncio.gather(*(caller(session, began + seconds) for _ in range(connections)))
        elapsed = time.monotonic() - began
    return figure("voice gather webhook (signed, 5 turns a call)", len(latencies), elapsed, latencies, errors)


def export(base: str, token: str, worker_pids: list[int]) -> dict:
    """Download the whole CSV export once; sample every worker's memory meanwhile."""
    before = {pid: rss_kib(pid) for pid in worker_pids}
    peak = dict(before)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for pid in worker_pids:
                peak[pid] = max(peak[pid], rss_kib(pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    began = time.monotonic()
    rows = -1  # the header line
    request = urllib.request.Request(f"{base}/api/calls/export?store=demo-store", headers={"Authorization": f"Bearer {token}"})
    with HTTP.open(request, timeout=600) as response:
        for _ in response:
            rows += 1
    elapsed = time.monotonic() - began
    done.set()
    sampler.join()
    # The worker that served it is the one whose memory moved most.
    pid = max(worker_pids, key=lambda p: peak[p] - before[p])
    return {
        "rows": rows,
        "seconds": round(elapsed, 1),
        "rows_per_s": round(rows / elapsed),
        "rss_before_mib": round(before[pid] / 1024, 1),
        "rss_peak_mib": round(peak[pid] / 1024, 1),
    }


# ---------------------------------------------------------------- one size


def run_size(calls: int, args: argparse.Namespace) -> dict:
    url = ensure_database(calls, args.reseed)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = server_env(
        url, REDIS_DB,
        THROTTLE_BOT="100000000/min", THROTTLE_PERSON="100000000/min", THROTTLE_ANON="100000000/min",
        TWILIO_AUTH_TOKEN=TWILIO_TOKEN, PUBLIC_BASE_URL=base,
    )  # fmt: skip
    key = bot_key(env)
    out: dict = {"calls": calls, "figures": [], "load_before": os.getloadavg()[0]}
    with Server(env, workers=args.workers, port=port, log=ROOT / "bench" / "out" / f"bench-server-{calls}.log") as server:
        tokens = {user: jwt(base, user, f"{user}123") for user in ("admin", "owner", "agent")}
        filtered = "/api/calls?status=success&limit=20"
        pages = get_json(base, f"{filtered}&store=demo-store", tokens["owner"])["pagination"]["pages"]
        n, c = args.seconds, args.connections

        def settle() -> None:
            wait_idle(url)

        floor_async = asyncio.run(async_gets("floor: GET /api/ping (async client)", f"{base}/api/ping", None, n, c))
        out["floor_async"] = floor_async
        print(f"bench {calls:,}: {floor_async}", flush=True)
        for measure in (lambda: bot_writes(base, key, n, c), lambda: asyncio.run(voice_calls(base, n, c))):
            settle()
            result = measure()
            result["floor"] = floor_async["rps"]
            if result["name"].startswith("voice"):
                settle()
                result["light"] = asyncio.run(voice_calls(base, args.light_seconds, args.workers))
            out["figures"].append(result)
            print(f"bench {calls:,}: {result}", flush=True)
        floor = get_figure("floor: GET /api/ping", f"{base}/api/ping", None, n, c)
        out["floor_get"] = floor
        print(f"bench {calls:,}: {floor}", flush=True)
        reads = [
            ("GET /api/calls?status=success, page 1", f"{filtered}&page=1", "owner"),
            (f"GET /api/calls?status=success, page {pages:,} (last)", f"{filtered}&page={pages}", "owner"),
            ("GET /api/calls/stats", "/api/calls/stats", "owner"),
            ("GET /api/calls/analytics?period=90d", "/api/calls/analytics?period=90d", "owner"),
            ("GET /api/dashboard/comprehensive/ (admin)", "/api/dashboard/comprehensive/", "admin"),
            ("GET /api/dashboard/comprehensive/ (owner)", "/api/dashboard/comprehensive/", "owner"),
            ("GET /api/dashboard/comprehensive/ (agent)", "/api/dashboard/comprehensive/", "agent"),
        ]
        for name, path, user in reads:
            settle()
            result = get_figure(name, f"{base}{path}", tokens[user], n, c)
            result["floor"] = floor["rps"]
            # Latency without queueing: one connection per worker.
            settle()
            result["light"] = get_figure(name, f"{base}{path}", tokens[user], args.light_seconds, args.workers)
            out["figures"].append(result)
            print(f"bench {calls:,}: {result}", flush=True)
        settle()
        out["export"] = export(base, tokens["owner"], server.pids()[1:])
        print(f"bench {calls:,}: export {out['export']}", flush=True)
    out["load_after"] = os.getloadavg()[0]
    return out


# ---------------------------------------------------------------- report


def versions() -> dict[str, str]:
    import django
    import psycopg
    import uvicorn

    with psycopg.connect(f"{PG_BASE}/postgres") as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
    redis = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.split()
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split()[1] if shutil.which("wrk") else "not installed"
    return {
        "Python": platform.python_version(),
        "Django": django.get_version(),
        "uvicorn": uvicorn.__version__,
        "PostgreSQL": pg,
        "Redis": next((part.split("=")[1] for part in redis if part.startswith("v=")), "?"),
        "wrk": wrk_version,
    }


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), "?")
    mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024 // 1024
    return f"{os.cpu_count()} cores ({cpu}), {mem} GiB, {platform.system()} {platform.release()}"


def goal_of(result: dict) -> tuple[str, bool | None]:
    name = result["name"]
    if name.startswith("bot write"):
        ratio = result["rps"] / result["floor"] if result["floor"] else 0
        return f">= {GOAL_WRITE_RATIO:.0%} of floor, no errors", ratio >= GOAL_WRITE_RATIO and result["errors"] == 0
    measured = result.get("light", result)
    # No request finished inside the run: slower than the run itself, never a met goal.
    p99 = measured["p99"] if measured["requests"] else float("inf")
    errors = result["errors"] + result.get("light", {}).get("errors", 0)
    if name.startswith("voice"):
        return f"light p99 < {GOAL_VOICE_P99_MS} ms", p99 < GOAL_VOICE_P99_MS and errors == 0
    return f"light p99 < {GOAL_READ_P99_MS} ms", p99 < GOAL_READ_P99_MS and errors == 0


def latency(fig: dict) -> str:
    return f"{fig['p50']} / {fig['p99']}" if fig["requests"] else "none finished"


def report(results: list[dict], args: argparse.Namespace) -> str:
    lines = [
        "# Benchmark results (`make bench`)",
        "",
        f"Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC. Machine: {machine()}.",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()) + ".",
        f"Server: uvicorn, {args.workers} worker processes (uvloop, httptools), DEBUG=0, DB_POOL=1, channels-redis; "
        f"throttles lifted. Load: {args.connections} concurrent connections, {args.seconds:g} s a figure, "
        "from the same machine (the client shares the 2 cores with the server and PostgreSQL).",
        "The floor is GET /api/ping (no auth, no database) measured with the same client at the same "
        "concurrency; ratio = the figure's requests per second / the floor's. At that concurrency every request "
        "queues behind the others, so p50/p99 there are mostly waiting; the latency goals are read from the "
        "light-load run (one connection per worker, no queueing).",
        "",
    ]
    for result in results["sizes"]:
        lines += [
            f"## {result['calls']:,} calls",
            "",
            f"Load average (1 min) before and after this size: {result['load_before']:.1f}, {result['load_after']:.1f} "
            "(the bench's own client, server and PostgreSQL load the 2 cores too: a figure far above 2 before "
            "a size means other work was running, and every figure reads low).",
            "",
            "| figure | req/s | p50 / p99 ms | light p50 / p99 ms | errors | floor req/s | ratio | goal | met |",
            "|---|---:|---:|---:|---:|---:|---:|---|---|",
        ]
        for fig in result["figures"]:
            goal, met = goal_of(fig)
            ratio = fig["rps"] / fig["floor"] if fig["floor"] else 0
            extra = f" ({fig['calls_per_s']} calls/s)" if "calls_per_s" in fig else ""
            light = latency(fig["light"]) if "light" in fig else "-"
            lines.append(
                f"| {fig['name']}{extra} | {fig['rps']:,.1f} | {latency(fig)} | {light} | {fig['errors']} | "
                f"{fig['floor']:,.0f} | {ratio:.2f} | {goal} | {'yes' if met else '**no**'} |"
            )
        ex = result["export"]
        met = ex["rows_per_s"] >= GOAL_EXPORT_ROWS_S
        lines += [
            "",
            f"Floors: {result['floor_async']['rps']:,.0f} req/s with the async client (p99 {result['floor_async']['p99']} ms), "
            f"{result['floor_get']['rps']:,.0f} req/s with {'wrk' if shutil.which('wrk') else 'the async client'} "
            f"(p99 {result['floor_get']['p99']} ms).",
            "",
            f"CSV export: {ex['rows']:,} rows in {ex['seconds']} s = **{ex['rows_per_s']:,} rows/s** "
            f"(goal >= {GOAL_EXPORT_ROWS_S:,}: {'met' if met else '**not met**'}); the serving worker's memory "
            f"{ex['rss_before_mib']} MiB before, {ex['rss_peak_mib']} MiB at its peak.",
            "",
        ]
    live = results.get("live")
    if live:
        met = live["every_p99"] < GOAL_LIVE_P99_MS
        lines += [
            f"## Live events to {live['clients']} sockets",
            "",
            f"bench/ws_fanout.py: one daphne process on PostgreSQL + Redis, {live['clients']} WebSocket clients watching the demo "
            f"store, {live['writes']} POST /api/calls one at a time (load average {live['load']} at the start).",
            "",
            "| figure | p50 ms | p99 ms | goal | met |",
            "|---|---:|---:|---|---|",
            f"| HTTP answer -> callStarted at every socket | {live['every_p50']} | {live['every_p99']} | p99 < {GOAL_LIVE_P99_MS} ms | "
            f"{'yes' if met else '**no**'} |",
            f"| the write's HTTP round trip with {live['clients']} sockets connected | {live['http_p50']} | {live['http_p99']} | - | - |",
            f"| the same write with 1 socket connected (the floor) | {live['alone_p50']} | {live['alone_p99']} | - | - |",
            "",
            f"Server CPU per write including its fan-out: {live['cpu_ms_per_write']} ms; memory per connected socket: "
            f"{live['kib_per_client']} KiB.",
            "",
        ]
    return "\n".join(lines) + "\n"


def run_live(sockets: int) -> dict | None:
    """bench/ws_fanout.py in its own process and database; its figures, or None when it failed (said on stderr)."""
    out = ROOT / "bench" / "out" / "ws_fanout.json"
    out.unlink(missing_ok=True)
    print(f"bench: live events to {sockets} sockets (bench/ws_fanout.py) ...", flush=True)
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "ws_fanout.py"), "--clients", str(sockets), "--json", str(out)], cwd=ROOT)
    if done.returncode or not out.exists():
        print("bench: ws_fanout.py failed; RESULTS.md will not have the live-event figure", file=sys.stderr)
        return None
    return json.loads(out.read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, nargs="+", default=[10_000, 1_000_000], help="sizes (default 10000 1000000)")
    parser.add_argument("--seconds", type=float, default=10, help="seconds of load per figure (default 10)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections (default 16)")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (default 2)")
    parser.add_argument("--light-seconds", type=float, default=5, help="seconds of the light-load latency runs (default 5)")
    parser.add_argument("--reseed", action="store_true", help="drop and load the bench databases again")
    parser.add_argument("--sockets", type=int, default=500, help="WebSocket clients for the live-event figure (0: skip it)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--from-json", type=Path, help="only write the report from a run's bench/out/bench.json")
    args = parser.parse_args()
    exit_on_sigterm()
    if args.from_json:
        results = json.loads(args.from_json.read_text())
        if isinstance(results, list):  # written before the live-event figure joined
            results = {"sizes": results}
    else:
        results = {"sizes": [run_size(calls, args) for calls in args.calls]}
        if args.sockets:
            results["live"] = run_live(args.sockets)
        (ROOT / "bench" / "out" / "bench.json").write_text(json.dumps(results, indent=2) + "\n")
    # What people wrote under the notes marker (analysis, before/after) survives a new run.
    notes = args.out.read_text().partition(NOTES_MARKER)[2] if args.out.exists() else ""
    args.out.write_text(report(results, args) + "\n" + NOTES_MARKER + (notes or NOTES_DEFAULT))
    print(f"bench: wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
