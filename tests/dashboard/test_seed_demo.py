"""`manage.py seed_demo`: users of every role, two stores with their catalogues, a bot key and calls; idempotent."""
from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone
from rest_framework.test import APIClient

from callcenter.models import API_KEY_PREFIX, ApiKey, User
from calls.models import Call, TranscriptEntry
import dashboard.demo_catalogue
from dashboard.demo_catalogue import catalogue_for
from dashboard.management.commands.seed_demo import seed_catalogue
from store.models import (
    TEMPLATE_PLACEHOLDERS,
    AuditEntry,
    Coupon,
    Department,
    Faq,
    InventoryItem,
    InventoryWord,
    StaffMember,
    Store,
    StoreSettings,
    VoiceTemplate,
    dialable_number,
    template_placeholders,
)

# Every prompt the voice agent speaks (voice/prompts.py): the demo store has an English template for each.
VOICE_PROMPTS = {
    "greeting", "hold", "goodbye", "reask", "operator", "not_found", "product_price", "product_in_stock",
    "product_out_of_stock", "product_low_stock", "product_location", "transfer_department", "no_transfer",
    "transfer_unanswered", "hours", "open_now", "closed_now", "holiday_hours", "address", "deals", "no_deals",
    "connect_person", "connect_manager", "anything_else", "timeout", "error", "unknown_number",
}  # fmt: skip


def _counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "stores": Store.objects.count(),
        "api_keys": ApiKey.objects.count(),
        "calls": Call.objects.count(),
        "entries": TranscriptEntry.objects.count(),
        "departments": Department.objects.count(),
        "items": InventoryItem.objects.count(),
        "words": InventoryWord.objects.count(),
        "coupons": Coupon.objects.count(),
        "templates": VoiceTemplate.objects.count(),
        "staff": StaffMember.objects.count(),
        "faqs": Faq.objects.count(),
        "settings": StoreSettings.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def _seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def seeded(db) -> None:
    _seed(calls=50, quiet=True)


def _login(username: str, password: str):
    return APIClient().post("/api/auth/login/", {"username": username, "password": password}, format="json")


def test_seed_twice_changes_nothing(db):
    _seed(calls=50, quiet=True)
    first = _counts()

    _seed(calls=50, quiet=True)

    assert _counts() == first
    assert first["users"] == 4 and first["stores"] == 2 and first["api_keys"] == 1
    assert Call.objects.filter(store__slug="demo-store").count() == 50
    assert Call.objects.filter(store__slug="corner-cafe").count() > 0
    assert first["items"] > 300 and first["words"] > first["items"] and first["settings"] == 2
    assert first["faqs"] >= 12


def test_seed_adds_only_the_missing_calls(db):
    _seed(calls=20, quiet=True)

    _seed(calls=50, quiet=True)

    demo = Call.objects.filter(store__slug="demo-store")
    assert demo.count() == 50
    assert demo.values("call_id").distinct().count() == 50
    assert User.objects.count() == 4 and ApiKey.objects.count() == 1


def test_roles_and_stores(seeded):
    admin, owner, agent, owner2 = (User.objects.get(username=n) for n in ("admin", "owner", "agent", "owner2"))

    assert admin.role == "admin" and admin.is_superuser and admin.is_staff
    assert owner.role == "user" and owner2.role == "user"
    assert agent.role == "agent" and agent.store.slug == "demo-store"
    assert Store.objects.get(slug="demo-store").owner == owner
    assert Store.objects.get(slug="corner-cafe").owner == owner2
    assert ApiKey.objects.get().store.slug == "demo-store"


def test_admin_logs_in_with_the_demo_password(seeded):
    response = _login("admin", "admin123")

    assert response.status_code == 200, response.content
    assert response.json()["user"]["role"] == "admin"


@pytest.mark.parametrize("username,password", [("owner", "owner123"), ("agent", "agent123"), ("owner2", "owner2123")])
def test_other_demo_people_log_in(seeded, username, password):
    assert _login(username, password).status_code == 200


def test_seed_does_not_reset_a_changed_password(seeded):
    admin = User.objects.get(username="admin")
    admin.set_password("Changed-in-prod-1")
    admin.save()

    _seed(calls=50, quiet=True)

    admin.refresh_from_db()
    assert admin.check_password("Changed-in-prod-1")


def test_printed_bot_key_logs_calls_into_the_demo_store(seeded):
    output = _seed(calls=50)
    keys = [word for word in output.split() if word.startswith(API_KEY_PREFIX)]

    assert len(keys) == 1, output
    assert "admin / admin123" in output
    response = APIClient().post("/api/calls", {"callId": "FROM-DEMO-BOT"}, format="json", HTTP_AUTHORIZATION=f"Bearer {keys[0]}")
    assert response.status_code == 201, response.content
    assert Call.objects.get(call_id="FROM-DEMO-BOT").store.slug == "demo-store"


def test_first_run_prints_the_same_key_as_later_runs(db):
    first = _seed(calls=5)
    second = _seed(calls=5)

    def key(output: str) -> str:
        return next(word for word in output.split() if word.startswith(API_KEY_PREFIX))

    assert key(first) == key(second)
    assert ApiKey.objects.count() == 1


def test_quiet_prints_nothing(db):
    assert _seed(calls=5, quiet=True) == ""


def test_calls_are_consistent(seeded):
    calls = Call.objects.annotate(n=Count("entries"))

    assert all(call.transcript_entry_count == call.n for call in calls)
    assert Call.objects.filter(status="in-progress", store__slug="demo-store").exists()  # the live page has something
    assert not Call.objects.filter(status="in-progress", end_time__isnull=False).exists()
    assert all(c.end_time is None or c.end_time >= c.start_time for c in Call.objects.all())
    assert all(c.call_id.startswith("DEMO-") for c in Call.objects.all())


def test_demo_owner_sees_only_their_store(seeded):
    client = APIClient()
    client.force_authenticate(User.objects.get(username="owner"))

    response = client.get("/api/calls", {"limit": 5})

    assert response.status_code == 200
    assert response.json()["pagination"]["total"] == 50
    assert {row["store"] for row in response.json()["data"]} == {"demo-store"}


def _demo(model):
    return model.objects.filter(store__slug="demo-store")


def _owner_client() -> APIClient:
    client = APIClient()
    client.force_authenticate(User.objects.get(username="owner"))
    return client


def test_demo_store_gets_a_grocery_catalogue(seeded):
    items = _demo(InventoryItem)

    assert 10 <= _demo(Department).count() <= 14
    assert 300 <= items.count() <= 400
    assert items.values("sku").distinct().count() == items.count()
    assert not items.filter(department__isnull=True).exists() and not items.filter(location="").exists()
    assert all(item.price > 0 for item in items)
    assert items.filter(location__startswith="Aisle").exists()
    assert "soda" in items.get(name="Classic Cola (12 pack cans)").aliases
    assert {"Crème fraîche (8 oz)", "Jalapeño peppers (per lb)"} <= set(items.values_list("name", flat=True))


def test_some_items_are_sold_out_and_some_run_low(seeded):
    items = _demo(InventoryItem)

    assert items.filter(stock_quantity=0).count() >= 5
    assert items.filter(stock_quantity__gt=0, stock_quantity__lt=5).count() >= 5
    assert items.get(name="Rotisserie Chicken").stock_quantity == 0  # pinned, so the voice agent's tests can count on it
    assert items.get(name="Crème fraîche (8 oz)").stock_quantity == 3


def test_every_seeded_row_passes_the_models_validation(seeded):
    # bulk_create skips full_clean: the demo data must still be what the API would have accepted.
    for model in (Store, Department, InventoryItem, Coupon, VoiceTemplate, StaffMember, StoreSettings, Faq):
        for row in model.objects.all():
            row.full_clean(validate_unique=False, validate_constraints=False)  # the database enforced those


def test_store_info_answers_hours_address_and_holidays(seeded):
    store = Store.objects.get(slug="demo-store")

    assert store.address and store.phone and store.hours and store.greeting_message and store.hold_message
    assert store.timezone == "America/New_York"
    assert dialable_number(store.transfer_number) == store.transfer_number
    assert len(store.opening_hours) == 7
    christmas = next(day for day in store.holiday_hours if day.endswith("-12-25"))
    assert store.holiday_hours[christmas] is None
    assert any(day.endswith("-12-24") and span for day, span in store.holiday_hours.items())
    assert store.is_open_at(dt.datetime(2026, 12, 2, 12, tzinfo=store.tzinfo)) is True  # a Wednesday noon
    assert store.is_open_at(dt.datetime.fromisoformat(christmas).replace(hour=12, tzinfo=store.tzinfo)) is False


def test_departments_have_extensions_keywords_and_direct_lines(seeded):
    departments = {d.name: d for d in _demo(Department)}
    extensions = [d.phone_extension for d in departments.values()]

    assert all(len(ext) == 3 and ext.isdigit() for ext in extensions) and len(set(extensions)) == len(extensions)
    assert {"prescription", "pills", "refill"} <= set(departments["Pharmacy"].keywords)
    assert {"bread", "cake"} <= set(departments["Bakery"].keywords)
    assert "Customer Service" in departments
    direct = [d for d in departments.values() if d.phone]
    assert 1 <= len(direct) <= 2 and all(dialable_number(d.phone) == d.phone for d in direct)


def test_voice_templates_cover_every_prompt_with_allowed_placeholders(seeded):
    templates = _demo(VoiceTemplate)

    assert VOICE_PROMPTS <= set(templates.filter(language="en", category="voice").values_list("template_type", flat=True))
    for template in VoiceTemplate.objects.all():
        assert template_placeholders(template.text_content) <= TEMPLATE_PLACEHOLDERS.keys(), template
    assert templates.filter(variation_number=2).values("template_type").distinct().count() >= 2
    assert templates.filter(language="es").count() >= 5


def test_coupons_active_expired_and_inactive(seeded):
    now = timezone.now()
    coupons = list(_demo(Coupon))
    valid = [c for c in coupons if c.is_valid_at(now)]

    assert any(c.is_store_wide for c in valid)
    assert any(c.department_id for c in valid) and any(c.item_id for c in valid)
    assert any(c.is_active and c.expires_at and c.expires_at < now for c in coupons)  # expired
    assert any(not c.is_active for c in coupons)


def test_staff_work_in_the_stores_departments_and_settings_are_set(seeded):
    staff = _demo(StaffMember).select_related("department")
    settings = StoreSettings.objects.get(store__slug="demo-store")

    assert 5 <= staff.count() <= 8
    assert all(member.department and member.department.store_id == member.store_id for member in staff)
    assert (settings.voice, settings.language, settings.max_misses) == ("Polly.Joanna", "en-US", 2)
    assert dialable_number(settings.operator_number) == settings.operator_number


@pytest.mark.parametrize("q,expected", [
    ("creme fraiche", "Crème fraîche (8 oz)"),
    ("jalapeno", "Jalapeño peppers (per lb)"),
    ("soda", "Classic Cola (12 pack cans)"),
])  # fmt: skip
def test_search_finds_items_by_unaccented_name_and_alias(seeded, q, expected):
    response = _owner_client().get("/api/inventory", {"q": q})

    assert response.status_code == 200, response.content
    assert expected in [row["name"] for row in response.json()]


def test_second_store_has_its_own_smaller_catalogue(seeded):
    cafe = InventoryItem.objects.filter(store__slug="corner-cafe")
    demo_names = set(_demo(InventoryItem).values_list("name", flat=True))

    assert 0 < cafe.count() < _demo(InventoryItem).count() / 5
    assert not demo_names & set(cafe.values_list("name", flat=True))
    assert Store.objects.get(slug="corner-cafe").opening_hours != Store.objects.get(slug="demo-store").opening_hours
    response = _owner_client().get("/api/inventory", {"q": "croissant", "limit": 1000})
    assert {row["name"] for row in response.json()} <= demo_names  # the demo owner never sees the cafe's


def test_the_catalogue_import_is_audited_once(db):
    _seed(calls=5, quiet=True)
    _seed(calls=5, quiet=True)

    entry = AuditEntry.objects.get(store__slug="demo-store")
    assert entry.action == "import" and entry.actor_label == "seed_demo"
    assert entry.changes["inventory items"] == [0, _demo(InventoryItem).count()]
    assert entry.changes["address"] == ["", Store.objects.get(slug="demo-store").address]


def test_a_reseed_keeps_the_owners_edits_and_restores_deleted_rows(seeded):
    store = Store.objects.get(slug="demo-store")
    Store.objects.filter(pk=store.pk).update(greeting_message="Hello from the owner")
    _demo(InventoryItem).filter(name="Whole Milk (Gallon)").update(price="9.99")
    _demo(Coupon).filter(code="FRESH10").delete()

    output = _seed(calls=50)

    assert Store.objects.get(pk=store.pk).greeting_message == "Hello from the owner"
    assert str(_demo(InventoryItem).get(name="Whole Milk (Gallon)").price) == "9.99"
    assert _demo(Coupon).filter(code="FRESH10").exists()
    assert "Catalogue of demo-store: added 1 coupons." in output


def test_the_demo_stores_get_their_faqs_and_a_reseed_keeps_edits_and_restores_deleted_ones(seeded):
    wanted = json.loads((Path(dashboard.demo_catalogue.__file__).with_name("grocer_faqs.json")).read_text(encoding="utf-8"))
    faqs = _demo(Faq).order_by("id")
    assert [(f.question, f.answer, f.keywords, f.is_active) for f in faqs] == [
        (row["question"], row["answer"], row["keywords"], row["is_active"]) for row in wanted]
    questions = " ".join(faqs.values_list("question", flat=True)).lower()
    assert all(topic in questions for topic in ("return", "delivery", "parking", "payment", "hiring"))
    assert Faq.objects.filter(store__slug="corner-cafe").count() >= 5
    _demo(Faq).filter(question="Are you hiring?").update(answer="Not right now.")
    _demo(Faq).filter(question="Do you offer home delivery?").delete()

    output = _seed(calls=50)

    assert _demo(Faq).get(question="Are you hiring?").answer == "Not right now."
    assert _demo(Faq).count() == len(wanted)
    assert "Catalogue of demo-store: added 1 FAQs." in output


def test_a_store_with_default_settings_gets_an_operator_number(seeded):
    StoreSettings.objects.filter(store__slug="demo-store").update(operator_number="", voice="Polly.Matthew")

    _seed(calls=50, quiet=True)

    settings = StoreSettings.objects.get(store__slug="demo-store")
    assert settings.operator_number == "+12125550199" and settings.voice == "Polly.Matthew"


def test_the_catalogue_is_the_same_on_every_run():
    now = timezone.now()

    first, second = (catalogue_for("demo-store", now=now, tz="America/New_York") for _ in range(2))

    assert first == second
    assert catalogue_for("some-other-store", now=now, tz="UTC") is None


def test_seeding_a_catalogue_takes_a_fixed_number_of_queries(db, django_assert_max_num_queries):
    store = Store.objects.create(name="Fresh", slug="demo-store", timezone="America/New_York")
    catalogue = catalogue_for("demo-store", now=timezone.now(), tz=store.timezone)

    with django_assert_max_num_queries(50):
        seed_catalogue(store, catalogue)

    assert InventoryItem.objects.filter(store=store).count() == len(catalogue.items)


def test_seed_adds_the_business_behind_the_dashboard(db):
    from calls.models import AgentProfile, Customer, QueueEntry, ScheduledCallback
    from dashboard.models import BillingRecord, Subscription, SubscriptionPlan
    from voice.models import AIAgent

    _seed(calls=50, quiet=True)
    business = [SubscriptionPlan.objects.count(), Subscription.objects.count(), BillingRecord.objects.count(), AIAgent.objects.count(), Customer.objects.count(), ScheduledCallback.objects.count(), QueueEntry.objects.count()]
    _seed(calls=50, quiet=True)

    assert [SubscriptionPlan.objects.count(), Subscription.objects.count(), BillingRecord.objects.count(), AIAgent.objects.count(), Customer.objects.count(), ScheduledCallback.objects.count(), QueueEntry.objects.count()] == business
    callers = Call.objects.filter(type="inbound").values("store", "caller").distinct().count()
    assert Customer.objects.count() == callers
    assert BillingRecord.objects.filter(status="failed").count() == 1
    assert Call.objects.filter(store__slug="demo-store", ai_agent__name="Ava").count() == 50
    assert AgentProfile.objects.get(user__username="agent").status == "available"
    alerts = {}
    for username in ("admin", "owner", "agent", "owner2"):
        client = APIClient()
        client.force_authenticate(User.objects.get(username=username))
        response = client.get("/api/dashboard/comprehensive/")
        assert response.status_code == 200
        alerts[username] = {a["id"] for a in response.json()["alerts"]}
    assert {"subscription_expiring", "agent_training_incomplete", "overdue_callbacks", "long_queue_wait"} <= alerts["owner"]
    assert "failed_payments" in alerts["owner2"] and "failed_payments" in alerts["admin"]
    assert {"overdue_callbacks", "long_queue_wait"} <= alerts["agent"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_large_load_rewrites_the_rollup_tables_to_their_live_rows(monkeypatch):
    """Each loaded call updates its hour's CallHour row; after many, the tables are compacted (a new file)."""
    from django.db import connection

    from dashboard.management.commands import seed_demo

    def filenodes():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_relation_filenode('calls_callhour'), pg_relation_filenode('calls_customerhour')")
            return cursor.fetchone()

    monkeypatch.setattr(seed_demo, "COMPACT_AFTER", 30)
    call_command("seed_demo", calls=10, quiet=True)
    small = filenodes()
    call_command("seed_demo", calls=45, quiet=True)  # 35 more: at the threshold
    compacted = filenodes()
    assert compacted[0] != small[0] and compacted[1] != small[1]
    assert Call.objects.filter(store__slug="demo-store").count() == 45
