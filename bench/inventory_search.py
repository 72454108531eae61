"""Inventory search at scale: GET /api/inventory?q=... over N items in one store.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/callcenter .venv/bin/python bench/inventory_search.py [--items 100000]

Loads N items into a throwaway store (removed afterwards), then times the API view in-process
(no network) for several queries and prints p50 / p99 per query in milliseconds.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "callcenter.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from callcenter.models import User  # noqa: E402
from store.models import InventoryItem, Store  # noqa: E402
from store.services import index_item_words  # noqa: E402

BASES = ["Milk", "Bread", "Crème Fraîche", "Jalapeño", "Cola", "Apple", "Banana", "Coffee", "Tea", "Rice", "Pasta", "Cheddar", "Yogurt", "Salmon", "Chicken"]
SIZES = ["Small", "Large", "Family", "Organic", "Value", "Deluxe", "Light", "Extra"]


def load(store: Store, count: int) -> None:
    batch: list[InventoryItem] = []
    for n in range(count):
        base, size = BASES[n % len(BASES)], SIZES[(n // len(BASES)) % len(SIZES)]
        batch.append(InventoryItem(store=store, name=f"{size} {base} {n}", sku=f"B{n:07d}", price=Decimal("1.99"), stock_quantity=n % 50, aliases=[f"{base.lower()}{n % 97}"]))
        if len(batch) == 5000:
            index_item_words(InventoryItem.objects.bulk_create(batch))
            batch = []
    if batch:
        index_item_words(InventoryItem.objects.bulk_create(batch))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE store_inventoryitem; ANALYZE store_inventoryword")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()

    owner, _ = User.objects.get_or_create(username="bench-owner", defaults={"role": User.Role.USER})
    Store.objects.filter(slug="bench-search").delete()
    store = Store.objects.create(name="Bench", slug="bench-search", owner=owner)
    try:
        started = time.perf_counter()
        load(store, args.items)
        print(f"{connection.vendor}: loaded {args.items:,} items in {time.perf_counter() - started:.1f} s")
        client = APIClient()
        client.force_authenticate(owner)
        for q in ["creme", "jalapeno deluxe", "b0054321", "milk12", "organic cola", "zzz-nothing", ""]:
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                response = client.get("/api/inventory", {"q": q, "store": "bench-search", "limit": 50})
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.content
            times.sort()
            p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
            print(f"q={q!r:22} matches={response['X-Total-Count']:>7}  p50 {statistics.median(times):6.1f} ms  p99 {p99:6.1f} ms")
    finally:
        store.delete()


if __name__ == "__main__":
    main()
