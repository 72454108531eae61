"""GET /api/dashboard/comprehensive/ per role at 10,000 and 1,000,000 calls on PostgreSQL, side by side.

    .venv/bin/python bench/dashboard.py [--calls 10000 1000000] [--repeat 30]

For each size it uses its own database (dash_bench_<calls>, created when missing, kept for the
next run), loads the demo data there (`seed_demo --calls N`, then the business data with at most
100,000 customers, as the issue's figure asks), and times the view in-process (no network) for the
admin, the owner and the agent: median and p95 in milliseconds, with the number of queries.
Set BENCH_DATABASE_URL to another server's base URL (default postgres://postgres@127.0.0.1:5432).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432")
ROLES = (("admin", "admin"), ("owner", "user"), ("agent", "agent"))
CUSTOMERS = 100_000


def measure(calls: int, repeat: int) -> dict:
    """In a process whose DATABASE_URL is this size's database: load, then time each role."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "callcenter.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from rest_framework.test import APIClient

    from callcenter.models import User
    from calls.models import Call, Customer
    from dashboard.demo_business import seed_business
    from store.models import Store

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", calls=calls, quiet=True)
    seed_business({s.slug: s for s in Store.objects.all()}, {u.username: u for u in User.objects.all()}, timezone.now(), max_customers=CUSTOMERS)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    loaded = time.perf_counter() - started
    out = {"calls": Call.objects.count(), "customers": Customer.objects.count(), "load_seconds": round(loaded, 1), "roles": {}}
    for username, _ in ROLES:
        client = APIClient()
        client.force_authenticate(User.objects.get(username=username))
        for _ in range(3):  # warm the caches and the connection
            assert client.get("/api/dashboard/comprehensive/").status_code == 200
        times = []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as queries:
                began = time.perf_counter()
                response = client.get("/api/dashboard/comprehensive/")
                times.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, response.content
        times.sort()
        out["roles"][username] = {
            "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1),
            "queries": len(queries),
        }
    return out


def ensure_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{BASE_URL}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.calls[0], args.repeat)))
        return
    results = {}
    for calls in args.calls:
        name = f"dash_bench_{calls}"
        ensure_database(name)
        env = {**os.environ, "DATABASE_URL": f"{BASE_URL}/{name}", "DEBUG": "1"}
        env.pop("REDIS_URL", None)
        print(f"loading and timing {calls:,} calls in {name} ...", flush=True)
        done = subprocess.run([sys.executable, __file__, "--child", "--calls", str(calls), "--repeat", str(args.repeat)], env=env, cwd=ROOT, capture_output=True, text=True)
        if done.returncode:
            sys.exit(done.stderr)
        results[calls] = json.loads(done.stdout.strip().splitlines()[-1])
        r = results[calls]
        print(f"  {r['calls']:,} calls, {r['customers']:,} customers (loaded or checked in {r['load_seconds']} s)")
    print()
    print("role".ljust(8) + "".join(f"{n:,} calls: median / p95 (queries)".rjust(42) for n in results))
    for username, _ in ROLES:
        cells = []
        for r in results.values():
            role = r["roles"][username]
            cells.append(f"{role['median_ms']:.1f} / {role['p95_ms']:.1f} ms ({role['queries']})".rjust(42))
        print(username.ljust(8) + "".join(cells))


if __name__ == "__main__":
    main()
