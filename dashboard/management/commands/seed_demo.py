"""Demo data: users of every role, two stores with their catalogues and FAQs, a bot key, and N realistic calls.

Idempotent: a second run finds what the first made and adds only what is missing; it never
overwrites a row or a store field that already has a value, so an owner's edits survive a reseed.
"""
from __future__ import annotations

import hashlib
import hmac
import random
import time
from datetime import datetime, timedelta
from typing import Any, Iterator

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, models, transaction
from django.utils import timezone
from tqdm import tqdm

from callcenter.models import API_KEY_PREFIX, ApiKey, User, hash_api_key
from calls.models import Call, TranscriptEntry
from dashboard.demo_business import seed_business
from dashboard.demo_catalogue import Catalogue, catalogue_for
from store.models import Coupon, Department, Faq, InventoryItem, StaffMember, Store, StoreSettings, VoiceTemplate
from store.services import create_api_key, index_item_words, record_change

USERS = [
    # username, password, role, email
    ("admin", "admin123", User.Role.ADMIN, "admin@example.com"),
    ("owner", "owner123", User.Role.USER, "owner@example.com"),
    ("agent", "agent123", User.Role.AGENT, "agent@example.com"),
    ("owner2", "owner2123", User.Role.USER, "owner2@example.com"),
]
STORES = [
    # slug, name, owner, numbers, timezone
    ("demo-store", "Well Well Well Market", "owner", ["+15005550006"], "America/New_York"),
    ("corner-cafe", "Corner Cafe", "owner2", ["+15005550007"], "Europe/London"),
]
LANGUAGES = ["en"] * 6 + ["hi"] * 2 + ["mixed", "es"]
STATUSES = ["success"] * 12 + ["failed"] * 2 + ["missed"] * 3 + ["terminated"]
SATISFACTION = ["positive", "positive", "neutral", "negative", "unknown"]
CONVERSATIONS = [
    [("User", "Hi, do you have organic milk?"), ("Bot", "Yes, organic milk is $4.99 in aisle 3."), ("User", "Great, thanks!"), ("Bot", "Thanks for calling, goodbye!")],
    [("User", "What time do you close today?"), ("Bot", "We are open until 10 PM tonight.")],
    [("User", "Can I talk to the pharmacy?"), ("Bot", "Connecting you to the pharmacy now.")],
    [("User", "Any deals on produce this week?"), ("Bot", "Yes: 10% off all produce with code FRESH10."), ("User", "Thank you.")],
    [("User", "Mujhe bakery se baat karni hai"), ("Bot", "Main aapko bakery se jod raha hoon.")],
]


def demo_api_key(slug: str) -> str:
    """The demo store's bot key, derived from SECRET_KEY so every run can print the same one."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"demo-bot-key:{slug}".encode(), hashlib.sha256).hexdigest()
    return f"{API_KEY_PREFIX}demo_{digest[:40]}"


class Command(BaseCommand):
    help = "Load demo users, stores with their catalogues, a bot key and calls (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--calls", type=int, default=300, help="calls to have in the demo store (default 300)")
        parser.add_argument("--store", default="demo-store", help="the store that gets the calls")
        parser.add_argument("--days", type=int, default=90, help="spread calls over this many past days")
        parser.add_argument("--batch", type=int, default=10000)
        parser.add_argument("--quiet", action="store_true", help="no progress bar or login summary")

    def handle(self, *args, calls: int, store: str, days: int, batch: int, quiet: bool, **options) -> None:
        users = self._users()
        stores = self._stores(users)
        users["agent"].store = stores["demo-store"]
        users["agent"].save(update_fields=["store"])
        raw_key = demo_api_key("demo-store")
        if not ApiKey.objects.filter(key_hash=hash_api_key(raw_key)).exists():
            create_api_key(store=stores["demo-store"], name="demo bot", raw_key=raw_key)
        started = time.monotonic()
        now = timezone.now()
        catalogues = {
            slug: seed_catalogue(stores[slug], found)
            for slug in stores
            if (found := catalogue_for(slug, now=now, tz=stores[slug].timezone)) is not None
        }
        target = Store.objects.get(slug=store)
        added = self._calls(target, calls, days, batch, quiet)
        if not Call.objects.filter(store=stores["corner-cafe"]).exists() and target.slug != "corner-cafe":
            self._calls(stores["corner-cafe"], 40, days, batch, quiet=True)
        seed_business(stores, users, now)
        if added >= COMPACT_AFTER:
            _compact_rollups()
        elapsed = time.monotonic() - started
        if quiet:
            return
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {added} calls added to {target.slug} in {elapsed:.1f} s."))
        for slug, changes in catalogues.items():
            counts = ", ".join(f"{after - before} {kind}" for kind, (before, after) in changes.items() if kind in PART_NAMES)
            self.stdout.write(f"  Catalogue of {slug}: {'added ' + counts if counts else 'already complete'}.")
        self.stdout.write(
            "\n  Log in:        admin / admin123   (also owner / owner123, agent / agent123)"
            f"\n  Bot API key:   {raw_key}   (store demo-store)"
            f"\n  Dashboard:     {settings.PUBLIC_BASE_URL}/"
            f"\n  API docs:      {settings.PUBLIC_BASE_URL}/swagger/"
            f"\n  Admin:         {settings.PUBLIC_BASE_URL}/admin/"
            f"\n  Live events:   {settings.PUBLIC_BASE_URL.replace('http', 'ws', 1)}/ws/calls/\n"
        )

    def _users(self) -> dict[str, User]:
        users = {}
        for username, password, role, email in USERS:
            user, created = User.objects.get_or_create(username=username, defaults={"role": role, "email": email})
            if created:
                user.set_password(password)
                if role == User.Role.ADMIN:
                    user.is_staff = user.is_superuser = True
                user.save()
            users[username] = user
        return users

    def _stores(self, users: dict[str, User]) -> dict[str, Store]:
        stores = {}
        for slug, name, owner, numbers, tz in STORES:
            stores[slug], _ = Store.objects.get_or_create(
                slug=slug, defaults={"name": name, "owner": users[owner], "twilio_numbers": numbers, "timezone": tz}
            )
        return stores

    def _calls(self, store: Store, wanted: int, days: int, batch: int, quiet: bool) -> int:
        have = Call.objects.filter(store=store, call_id__startswith="DEMO-").count()
        missing = max(wanted - have, 0)
        rng = random.Random(f"{store.slug}:{have}")
        now = timezone.now()
        bar = tqdm(total=missing, unit="call", disable=quiet or missing < 1000, desc=f"calls for {store.slug}")
        done = 0
        while done < missing:
            size = min(batch, missing - done)
            rows = list(_fake_calls(rng, store, have + done, size, now, days))
            if connection.vendor == "postgresql":
                _copy_calls(rows)
            else:
                _bulk_calls(rows)
            done += size
            bar.update(size)
        bar.close()
        return missing


# Each call and customer loaded updates its hour's rollup row (the triggers in calls/stats_sql.py):
# a million in a few minutes leave that row's dead versions faster than autovacuum takes them, and
# the dashboard's sums over a few thousand live rows read 75 MB (30-60 ms a query at 1,000,000 calls).
COMPACT_AFTER = 10_000


def _compact_rollups() -> None:
    """PostgreSQL, outside a transaction: rewrite the rollup tables to their live rows (224 kB, not 75 MB)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (FULL, ANALYZE) calls_callhour, calls_calllanguagehour, calls_customerhour")


def _fake_calls(rng: random.Random, store: Store, first: int, count: int, now: datetime, days: int) -> Iterator[tuple[dict, list]]:
    for n in range(first, first + count):
        # Busier in store hours: most calls between 8:00 and 20:00 in the store's zone.
        start = now - timedelta(days=rng.random() * days)
        local = start.astimezone(store.tzinfo)
        start = local.replace(hour=rng.choice([8, 9, 10, 11, 11, 12, 13, 14, 15, 16, 17, 17, 18, 19, 20, rng.randrange(24)]))
        start = min(start, now - timedelta(minutes=5))
        status = rng.choice(STATUSES)
        if n < 2:  # a store's first two demo calls are live, so the live page has something
            start, status = now - timedelta(minutes=rng.randint(1, 4)), "in-progress"
        duration = 0 if status in ("missed", "in-progress") else rng.randint(15, 600)
        conversation = [] if status == "missed" else rng.choice(CONVERSATIONS)
        call = {
            "store_id": store.pk,
            "call_id": f"DEMO-{n + 1:07d}",
            "type": "outbound" if rng.random() < 0.2 else "inbound",
            "caller": f"+1555{rng.randrange(10**7):07d}",
            "receiver": store.twilio_numbers[0] if store.twilio_numbers else "+15005550006",
            "start_time": start,
            "end_time": None if status == "in-progress" else start + timedelta(seconds=duration),
            "status": status,
            "language": "hi" if conversation is CONVERSATIONS[4] else rng.choice(LANGUAGES),
            "duration": duration,
            "interruption_count": rng.randint(0, 3),
            "satisfaction": rng.choice(SATISFACTION) if status == "success" else "unknown",
            "audio_file": "",
            "metadata": {"deviceType": "phone"},
            "outcome": {"success": "resolved", "failed": "error", "missed": "no answer", "terminated": "ended by staff"}.get(status, ""),
            "transcript_entry_count": len(conversation),
            "transcript_chars": sum(len(s) + len(t) + 3 for s, t in conversation),
            "created_at": start,
            "updated_at": start + timedelta(seconds=duration),
        }
        entries = [(speaker, text, start + timedelta(seconds=i * 5)) for i, (speaker, text) in enumerate(conversation)]
        yield call, entries


@transaction.atomic
def _bulk_calls(rows: list[tuple[dict, list]]) -> None:
    calls = Call.objects.bulk_create([Call(**call) for call, _ in rows])
    TranscriptEntry.objects.bulk_create(
        TranscriptEntry(call_id=call.pk, seq=i, speaker=s, text=t, at=at)
        for call, (_, entries) in zip(calls, rows)
        for i, (s, t, at) in enumerate(entries)
    )
    # auto_now fields were overwritten on save; put the historical times back.
    for call, (data, _) in zip(calls, rows):
        call.created_at, call.updated_at = data["created_at"], data["updated_at"]
    Call.objects.bulk_update(calls, ["created_at", "updated_at"])


CALL_COLUMNS = [
    "id", "store_id", "call_id", "type", "caller", "receiver", "start_time", "end_time", "status", "language",
    "duration", "interruption_count", "satisfaction", "audio_file", "metadata", "outcome",
    "transcript_entry_count", "transcript_chars", "created_at", "updated_at", "dialogue_state",
]  # fmt: skip


@transaction.atomic
def _copy_calls(rows: list[tuple[dict, list]]) -> None:
    """PostgreSQL: COPY is an order of magnitude faster than INSERT for a million rows."""
    import json

    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('calls_call', 'id')) FROM generate_series(1, %s)", [len(rows)])
        ids = [r[0] for r in cursor.fetchall()]
        with cursor.copy(f"COPY calls_call ({', '.join(CALL_COLUMNS)}) FROM STDIN") as copy:
            for pk, (call, _) in zip(ids, rows):
                values = {**call, "id": pk, "metadata": json.dumps(call["metadata"]), "dialogue_state": "{}"}
                copy.write_row([values[c] for c in CALL_COLUMNS])
        with cursor.copy("COPY calls_transcriptentry (call_id, seq, speaker, text, at) FROM STDIN") as copy:
            for pk, (_, entries) in zip(ids, rows):
                for i, (s, t, at) in enumerate(entries):
                    copy.write_row([pk, i, s, t, at])


# What a catalogue adds, in order: each model, the Catalogue list it comes from, and the keys that
# find a row already there (any one match skips the row, so an owner's own rows never clash).
CATALOGUE_PARTS: list[tuple[str, type[models.Model], str, tuple[tuple[str, ...], ...]]] = [
    ("departments", Department, "departments", (("name",), ("phone_extension",))),
    ("inventory items", InventoryItem, "items", (("sku",),)),
    ("coupons", Coupon, "coupons", (("code",),)),
    ("voice templates", VoiceTemplate, "templates", (("category", "template_type", "language", "variation_number"),)),
    ("staff members", StaffMember, "staff", (("email",),)),
    ("FAQs", Faq, "faqs", (("question",),)),
]
PART_NAMES = {kind for kind, *_ in CATALOGUE_PARTS}


def _key(values: tuple) -> tuple:
    # SKUs and coupon codes are unique per store whatever their case (store.rules.UNIQUE_IN_STORE).
    return tuple(value.casefold() if isinstance(value, str) else value for value in values)


@transaction.atomic
def seed_catalogue(store: Store, catalogue: Catalogue) -> dict[str, list[Any]]:
    """Add what the store lacks of its demo catalogue in a few bulk inserts; returns (and audits) what changed:
    {store field: [before, after]}, {kind of row: [count before, count after]}.

    One audit line sums it up: a row-by-row audit through save_record would cost a query or more per row.
    """
    changes: dict[str, list[Any]] = {}
    blank = {name: value for name, value in catalogue.info.items() if not getattr(store, name)}
    if blank:
        changes.update({name: [getattr(store, name), value] for name, value in blank.items()})
        for name, value in blank.items():
            setattr(store, name, value)
        store.save(update_fields=[*blank, "updated_at"])
    for kind, model, part, keys in CATALOGUE_PARTS:
        existing = model.objects.filter(store=store)
        have = [{_key(values) for values in existing.values_list(*fields)} for fields in keys]
        missing = [
            row for row in getattr(catalogue, part)
            if not any(_key(tuple(row[f] for f in fields)) in found for fields, found in zip(keys, have))
        ]
        if not missing:
            continue
        before = existing.count()
        related = _related(store, missing)
        created = model.objects.bulk_create(
            [model(store=store, **{**row, **{f: related[f].get(row[f]) for f in related if f in row}}) for row in missing]
        )
        if model is InventoryItem:
            index_item_words(created)
        changes[kind] = [before, before + len(created)]
    found, made = StoreSettings.objects.get_or_create(store=store, defaults=catalogue.settings)
    # Settings made earlier with the defaults (store.services.settings_of) have no operator number yet.
    unset = {} if made else {name: value for name, value in catalogue.settings.items() if not getattr(found, name)}
    if unset:
        changes["settings"] = [{name: getattr(found, name) for name in unset}, unset]
        for name, value in unset.items():
            setattr(found, name, value)
        found.save()
    elif made:
        changes["settings"] = [None, catalogue.settings]
    if changes:
        record_change(store=store, actor="seed_demo", action="import", instance=store, changes=changes)
    return changes


def _related(store: Store, rows: list[dict[str, Any]]) -> dict[str, dict[str, models.Model]]:
    """The store's departments by name and items by SKU that these rows name: one query each."""
    related: dict[str, dict[str, models.Model]] = {}
    if any("department" in row for row in rows):
        related["department"] = {d.name: d for d in Department.objects.filter(store=store)}
    if any("item" in row for row in rows):
        skus = [row["item"] for row in rows if row.get("item")]
        related["item"] = {i.sku: i for i in InventoryItem.objects.filter(store=store, sku__in=skus)}
    return related
