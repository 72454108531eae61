"""The call list and its CSV export on a big database (issue 8): where each figure's time goes.

    .venv/bin/python bench/call_list.py --database postgres://postgres@127.0.0.1:5432/<a copy of callcenter_bench_1000000>
        [--repeat 15] [--http] [--export]

In-process (no HTTP): GET /api/calls for the common filters and pages (page 1 and the last one) as the
demo owner and the admin sees them, each with its wall time (p50 / max), this process's CPU time, the
number of queries and the slowest query. --http: the same paths over HTTP from a uvicorn worker, one
request at a time (p50 / p99). --export: the owner's whole CSV export over HTTP (rows/s, the serving
worker's memory and CPU time). Reads only; run it on a copy, not on a database others are measuring.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import HTTP, Server, percentile, server_env, setup_django  # noqa: E402

REDIS_DB = 14
# (name, user, query string); "LAST" becomes the filter's last page.
FIGURES = [
    ("owner status=success, page 1", "owner", "status=success"),
    ("owner status=success, last page", "owner", "status=success&page=LAST"),
    ("owner no filter, page 1", "owner", ""),
    ("owner no filter, last page", "owner", "page=LAST"),
    ("owner type=outbound, page 1", "owner", "type=outbound"),
    ("owner status=missed&type=outbound, page 1", "owner", "status=missed&type=outbound"),
    ("owner one day (startDate=endDate), page 1", "owner", "startDate=2026-11-20&endDate=2026-11-20"),
    ("owner 30 days, page 1", "owner", "startDate=2026-10-25&endDate=2026-11-23"),
    ("owner search=4567 (caller), page 1", "owner", "search=4567"),
    ("owner search=demo-00012 (callId), page 1", "owner", "search=demo-00012"),
    ("owner search=+1555 (almost every call), page 1", "owner", "search=%2B1555"),
    ("admin no filter, page 1", "admin", ""),
    ("admin language=hi sortBy=duration, page 1", "admin", "language=hi&sortBy=duration"),
    ("admin status=success sortBy=duration, page 1", "admin", "status=success&sortBy=duration"),
]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def in_process(repeat: int) -> dict[str, str]:
    """Time each figure through the view itself; answer each figure's query string with its last page filled in."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIRequestFactory, force_authenticate

    from callcenter.models import User
    from calls.api import CallListCreateView

    view = CallListCreateView.as_view()
    factory = APIRequestFactory()
    users = {name: User.objects.get(username=name) for name in ("owner", "admin")}

    def get(user: str, query: str):
        request = factory.get(f"/api/calls?{query}")
        force_authenticate(request, user=users[user])
        response = view(request)
        response.render()
        assert response.status_code == 200, response.content[:300]
        return response

    resolved = {}
    for name, user, query in FIGURES:
        if "LAST" in query:
            pages = get(user, query.replace("page=LAST", "page=1")).data["pagination"]["pages"]
            query = query.replace("LAST", str(pages))
        resolved[name] = (user, query)
        get(user, query)  # warm: caches, plans
        walls, cpus = [], []
        for _ in range(repeat):
            wall, cpu = time.perf_counter(), time.process_time()
            get(user, query)
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
        with CaptureQueriesContext(connection) as ctx:
            total = get(user, query).data["pagination"]["total"]
        slowest = max(ctx.captured_queries, key=lambda q: float(q["time"]))
        print(
            f"{name:48} total {total:>9,}  wall p50 {statistics.median(walls):7.1f} max {max(walls):7.1f} ms"
            f"  cpu p50 {statistics.median(cpus):5.1f} ms  {len(ctx.captured_queries)} queries,"
            f" slowest {float(slowest['time']) * 1000:6.1f} ms: {slowest['sql'][:90]}",
            flush=True,
        )
    return {name: f"{user}:{query}" for name, (user, query) in resolved.items()}


def jwt(base: str, username: str) -> str:
    import json

    body = json.dumps({"username": username, "password": f"{username}123"}).encode()
    request = urllib.request.Request(f"{base}/api/auth/token/", data=body, headers={"Content-Type": "application/json"})
    with HTTP.open(request, timeout=30) as response:
        return json.load(response)["access"]


def over_http(server: Server, figures: dict[str, str], repeat: int) -> None:
    tokens = {user: jwt(server.url, user) for user in ("owner", "admin")}
    for name, spec in figures.items():
        user, query = spec.split(":", 1)
        request = urllib.request.Request(f"{server.url}/api/calls?{query}", headers={"Authorization": f"Bearer {tokens[user]}"})
        latencies = []
        for i in range(repeat + 2):
            began = time.perf_counter()
            with HTTP.open(request, timeout=120) as response:
                response.read()
            if i >= 2:  # the first two warm both workers
                latencies.append((time.perf_counter() - began) * 1000)
        print(f"HTTP {name:48} p50 {percentile(latencies, 50):7.1f} ms  p99 {percentile(latencies, 99):7.1f} ms", flush=True)


def export(server: Server) -> None:
    workers = server.pids()[1:]
    token = jwt(server.url, "owner")
    rss = {pid: 0 for pid in workers}
    before = {pid: cpu_seconds(pid) for pid in workers}
    began, rows = time.monotonic(), -1
    request = urllib.request.Request(f"{server.url}/api/calls/export?store=demo-store", headers={"Authorization": f"Bearer {token}"})
    with HTTP.open(request, timeout=900) as response:
        for i, _ in enumerate(response):
            rows += 1
            if i % 20000 == 0:
                for pid in workers:
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmRSS:"):
                            rss[pid] = max(rss[pid], int(line.split()[1]))
    elapsed = time.monotonic() - began
    pid = max(workers, key=lambda p: cpu_seconds(p) - before[p])
    print(
        f"export: {rows:,} rows in {elapsed:.1f} s = {rows / elapsed:,.0f} rows/s; serving worker CPU {cpu_seconds(pid) - before[pid]:.1f} s,"
        f" peak RSS {rss[pid] / 1024:.1f} MiB",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--http", action="store_true")
    parser.add_argument("--export", action="store_true")
    args = parser.parse_args()
    env = server_env(args.database, REDIS_DB, THROTTLE_PERSON="100000000/min", THROTTLE_ANON="100000000/min")
    print(f"load average {os.getloadavg()[0]:.1f}", flush=True)
    setup_django(env)
    figures = in_process(args.repeat)
    if args.http or args.export:
        with Server(env, workers=2) as server:
            if args.http:
                over_http(server, figures, args.repeat)
            if args.export:
                export(server)
    print(f"load average {os.getloadavg()[0]:.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
