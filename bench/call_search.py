"""Call search at a million calls (issue 18): a number typed with spaces or brackets and a word of the transcript.

    .venv/bin/python bench/call_search.py [--calls 1000000] [--database postgres://.../<name>] [--keep] [--repeat 9]

Fills a PostgreSQL database (a fresh one unless --database names one already filled by an earlier --keep run)
with one store's calls, two transcript lines each (every 10,000th caller asks for oat milk), in plain SQL
(generate_series), then times what GET /api/calls?search= runs for the owner: the count and page 1
(calls.queries.filter_calls), p50 and max of --repeat runs each, and prints the page's plan.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import fresh_database, migrate, server_env, setup_django  # noqa: E402

TERMS = ["(555) 000-4567", "+1 555 000 4567", "oat milk", "4567", "croissant"]


def fill(calls: int) -> int:
    from django.db import connection

    from callcenter.models import User
    from store.models import Store

    owner, _ = User.objects.get_or_create(username="bench-owner", defaults={"role": User.Role.USER})
    store, made = Store.objects.get_or_create(slug="bench-store", defaults={"name": "Bench", "owner": owner, "timezone": "America/New_York"})
    if not made:
        return store.pk
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO calls_call (call_id, type, caller, receiver, start_time, end_time, status, language, duration,
                   interruption_count, satisfaction, audio_file, metadata, dialogue_state, outcome, transcript_entry_count, transcript_chars,
                   created_at, updated_at, store_id)
               SELECT 'CA' || lpad(i::text, 32, '0'), 'inbound', '+1555' || lpad(i::text, 7, '0'), '+18005550006',
                   now() - i * interval '20 seconds', now() - i * interval '20 seconds' + interval '60 seconds', 'success', 'en', 60,
                   0, 'unknown', '', '{}'::jsonb, '{}'::jsonb, 'answered', 2, 60, now(), now(), %s
               FROM generate_series(1, %s) AS i""",
            [store.pk, calls],
        )
        cursor.execute(
            """INSERT INTO calls_transcriptentry (call_id, seq, speaker, text, at)
               SELECT c.id, s.seq, CASE s.seq WHEN 0 THEN 'User' ELSE 'Bot' END,
                   CASE WHEN s.seq = 1 THEN 'Let me check that for you.'
                        WHEN c.id %% 10000 = 7 THEN 'Where is the oat milk?'
                        ELSE 'Do you have item number ' || c.id || ' in stock?' END,
                   c.start_time
               FROM calls_call c CROSS JOIN (VALUES (0), (1)) AS s(seq) WHERE c.store_id = %s""",
            [store.pk],
        )
        # Autocommit (no transaction open): VACUUM merges the GIN indexes' pending lists and ANALYZE informs the planner.
        for table in ("calls_call", "calls_transcriptentry"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return store.pk


def measure(store_id: int, repeat: int) -> None:
    import zoneinfo

    from django.db import connection

    from calls import queries
    from calls.models import Call

    tz = zoneinfo.ZoneInfo("America/New_York")
    print(f"{Call.objects.filter(store_id=store_id).count():,} calls")
    for term in TERMS:
        qs = queries.filter_calls(Call.objects.filter(store_id__in=[store_id]), {"search": term}, tz)
        counts, pages, total = [], [], 0
        for _ in range(repeat):
            started = time.perf_counter()
            total = qs.count()
            counts.append(time.perf_counter() - started)
            started = time.perf_counter()
            list(qs[:25])
            pages.append(time.perf_counter() - started)
        print(f"search={term!r}: {total} calls; count p50 {statistics.median(counts) * 1000:.1f} ms (max {max(counts) * 1000:.1f}),"
              f" page 1 p50 {statistics.median(pages) * 1000:.1f} ms (max {max(pages) * 1000:.1f})")
    sql, params = queries.filter_calls(Call.objects.filter(store_id__in=[store_id]), {"search": "oat milk"}, tz)[:25].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        print("\n".join(row for (row,) in cursor.fetchall()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--database", help="a database to use (filled once; kept)")
    parser.add_argument("--keep", action="store_true", help="keep the fresh database for another run")
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()

    def run(url: str) -> None:
        env = server_env(url, redis_db=15)
        env.pop("REDIS_URL")
        migrate(env)
        setup_django(env)
        started = time.perf_counter()
        store_id = fill(args.calls)
        print(f"filled in {time.perf_counter() - started:.0f} s")
        measure(store_id, args.repeat)

    if args.database:
        run(args.database)
    else:
        with fresh_database("callcenter_bench_search", keep=args.keep) as url:
            run(url)


if __name__ == "__main__":
    main()
