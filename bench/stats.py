"""GET /api/calls/stats and /api/calls/analytics timed in-process (no network) on an existing database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<a copy of callcenter_bench_1000000> .venv/bin/python bench/stats.py [--repeat 20]

Read-only: it neither migrates nor seeds (make a copy with CREATE DATABASE x TEMPLATE callcenter_bench_1000000).
For the admin (every store, UTC) and the demo store's owner (its zone), each figure: median and p95 wall time,
mean CPU time of this process (time.process_time: what the request costs Python, less exposed to other load
on the machine than wall time), and the number of queries. Runs from any checkout (cwd), so the same script
times the code before and after a change.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--users", nargs="+", default=["admin", "owner"])
    args = parser.parse_args()
    sys.path.insert(0, str(Path.cwd()))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "callcenter.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from rest_framework.test import APIClient

    from callcenter.models import User
    from calls.models import Call

    today = timezone.now().date()
    cases = [
        ("stats (default: all calls, 30-day trend)", "/api/calls/stats", {}),
        ("stats 90 days (bare dates)", "/api/calls/stats", {"startDate": (today - timedelta(days=89)).isoformat(), "endDate": today.isoformat()}),
        *((f"analytics {p}", "/api/calls/analytics", {"period": p}) for p in ("1d", "7d", "30d", "90d")),
    ]
    print(f"{Call.objects.count():,} calls in {connection.settings_dict['NAME']} ({connection.vendor}); {args.repeat} runs each")
    print(f"{'user':7} {'figure':42} {'median ms':>10} {'p95 ms':>8} {'CPU ms':>8} {'queries':>8}")
    for username in args.users:
        client = APIClient()
        client.force_authenticate(User.objects.get(username=username))
        for label, url, params in cases:
            for _ in range(2):  # warm the connection and the caches
                assert client.get(url, params).status_code == 200
            walls, cpus = [], []
            for _ in range(args.repeat):
                with CaptureQueriesContext(connection) as queries:
                    wall, cpu = time.perf_counter(), time.process_time()
                    response = client.get(url, params)
                    cpus.append((time.process_time() - cpu) * 1000)
                    walls.append((time.perf_counter() - wall) * 1000)
                assert response.status_code == 200, response.content
            walls.sort()
            p95 = walls[min(len(walls) - 1, int(len(walls) * 0.95))]
            print(f"{username:7} {label:42} {statistics.median(walls):10.1f} {p95:8.1f} {statistics.mean(cpus):8.1f} {len(queries):8}", flush=True)


if __name__ == "__main__":
    main()
