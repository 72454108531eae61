"""`check_agent` on a big store: how long the default sample takes, and how it grows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/callcenter_bench .venv/bin/python bench/check_agent.py [--items 50000] [--sample 400 1000]

Seeds the demo store (`seed_demo --calls 0`), adds generated items until it holds --items (bench/voice_turn.py's
generator), runs voice.agent_check.check_store with each --sample and prints the wall time, the cases played,
the pass rate and the time per case. Nothing the check plays is kept; the added items are removed afterwards
(unless --keep).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "callcenter.settings")
os.environ.setdefault("TWILIO_AUTH_TOKEN", "bench-token")
os.environ.setdefault("PUBLIC_BASE_URL", "https://bench.example.com")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench.voice_turn import fill, vacuum  # noqa: E402
from calls.models import Call  # noqa: E402
from store.models import InventoryItem, Store  # noqa: E402
from voice.agent_check import DEFAULT_SAMPLE, check_store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--sample", type=int, nargs="+", default=[DEFAULT_SAMPLE])
    parser.add_argument("--keep", action="store_true", help="leave the generated items for the next run")
    args = parser.parse_args()

    call_command("seed_demo", calls=0, quiet=True)
    store = Store.objects.get(slug="demo-store")
    added = fill(store, args.items)
    vacuum()
    calls_before = Call.objects.filter(store=store).count()
    print(f"{connection.vendor}: {InventoryItem.objects.filter(store=store).count():,} items in the demo store; load average {os.getloadavg()[0]:.1f}")
    try:
        for sample in args.sample:
            started = time.perf_counter()
            report = check_store(store, sample=sample, seed=0)
            wall = time.perf_counter() - started
            print(
                f"check_agent --sample {sample}: {report.played} of {report.population:,} cases in {wall:.1f} s "
                f"({1000 * wall / max(report.played, 1):.0f} ms a case), {report.passed}/{report.played} passed ({report.rate:.1%}); "
                f"by topic: {', '.join(f'{t} {p}/{n}' for t, p, n in report.by_topic())}"
            )
        assert Call.objects.filter(store=store).count() == calls_before, "the check left calls behind"
    finally:
        if not args.keep:
            InventoryItem.objects.filter(pk__in=added).delete()


if __name__ == "__main__":
    main()
