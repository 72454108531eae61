"""The dialogue engine's cache: settings, departments, templates and the inventory's words are read once per
change of the store's data (a version every store.services write renews), so a warm turn reads only items
and coupons, and a change made in the back office is heard on the very next turn."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from calls.models import Call
from store.models import Department, InventoryItem
from store.services import bump_data_version, save_record, settings_of
from tests.voice.webhooks import gather_params, incoming_params, post, spoken, twilio_settings, twiml  # noqa: F401 (fixture)
from voice import selectors
from voice.dialogue import Turn, respond

# Monday 2026-12-21, 15:00 UTC = 10:00 in New York.
NOW = dt.datetime(2026, 12, 21, 15, tzinfo=dt.timezone.utc)


def add(store, model, **data):
    return save_record(actor=None, store=store, instance=model(), data=data)


@pytest.fixture
def shop(store):
    store.transfer_number = "+12125550100"
    store.hours = "7 AM to 10 PM"
    store.save()
    dairy = add(store, Department, name="Dairy", phone_extension="105", keywords=["yogurt"])
    add(store, InventoryItem, name="Milk (Gallon)", sku="MLK001", price=Decimal("3.99"), stock_quantity=50, location="Aisle 1", department=dairy)
    add(store, InventoryItem, name="Broccoli", sku="BRC001", price=Decimal("1.99"), stock_quantity=25, location="Produce")
    add(store, InventoryItem, name="Cauliflower", sku="CAU001", price=Decimal("2.99"), stock_quantity=25, location="Produce")
    save_record(actor=None, store=store, instance=settings_of(store), data={"operator_number": "+12125550199"})
    return store


def ask(store, speech="", **turn):
    return respond(store, Turn(speech=speech, **turn), now=NOW)


class Caller:
    """One Twilio call through the real webhooks; each `say` is a new turn of that call."""

    def __init__(self, client, sid: str) -> None:
        self.client, self.sid = client, sid
        twiml(post(client, "/voice/incoming", incoming_params(CallSid=sid)))

    def say(self, speech: str):
        return twiml(post(self.client, "/voice/gather", gather_params(speech=speech, CallSid=self.sid)))


def test_back_office_changes_are_heard_on_the_very_next_turn_of_a_live_call(client, owner_api, shop, twilio_settings):
    call = Caller(client, "CA" + "1" * 32)
    assert call.say("bakery please").find("Dial") is None  # no bakery yet; this turn warmed the cache

    created = owner_api.post("/api/departments", {"name": "Bakery", "phone_extension": "106", "keywords": ["bread"]}, format="json")
    assert created.status_code == 200, created.content
    number = call.say("bakery please").find("Dial/Number")
    assert (number.text, number.get("sendDigits")) == ("+12125550100", "ww106")

    bakery = created.json()["data"]["id"]
    assert owner_api.patch(f"/api/departments/{bakery}", {"phone_extension": "107"}, format="json").status_code == 200
    assert call.say("the bakery").find("Dial/Number").get("sendDigits") == "ww107"

    assert owner_api.delete(f"/api/departments/{bakery}").status_code in (200, 204)
    assert call.say("bakery please").find("Dial") is None

    assert owner_api.post("/api/voice-templates", {"template_type": "anything_else", "text_content": "Anything more?"}, format="json").status_code == 200
    assert spoken(call.say("how much is broccoli"))[-1].endswith("Anything more?")

    assert owner_api.put("/api/settings", {"operator_number": "+12125550142"}, format="json").status_code == 200
    assert call.say("can I talk to a real person").find("Dial/Number").text == "+12125550142"
    assert Call.objects.get().outcome == "transferred to operator"


def test_a_new_items_words_correct_misspellings_on_the_next_turn(shop):
    assert ask(shop, "do you have avacados").intent == "not_found"  # the store's words starting "av" are now cached

    add(shop, InventoryItem, name="Avocados", sku="AVO001", price=Decimal("1.50"), stock_quantity=30, location="Produce")

    reply = ask(shop, "do you have avacados")
    assert (reply.intent, reply.subject) == ("product", "AVO001")


def test_price_and_stock_are_read_fresh_on_every_turn(shop):
    assert ask(shop, "how much is milk").say.startswith("Milk (Gallon) is $3.99.")

    # Not through the services (no new version): items are never cached, so the next turn still hears it.
    InventoryItem.objects.filter(sku="MLK001").update(price=Decimal("4.25"), stock_quantity=0)

    assert ask(shop, "do you have milk").say.startswith("Sorry, Milk (Gallon) is out of stock right now. It's usually $4.25.")


def test_cached_data_is_used_until_the_version_changes(shop):
    assert ask(shop, "dairy").transfer.send_digits == "ww105"

    # A write that bypasses store.services keeps the version: the cached departments still answer...
    Department.objects.filter(name="Dairy").update(phone_extension="115")
    assert ask(shop, "dairy").transfer.send_digits == "ww105"

    # ...until the store's data gets a new version, as every write through store.services does.
    bump_data_version(shop.pk)
    assert ask(shop, "dairy").transfer.send_digits == "ww115"


def test_one_stores_change_leaves_another_stores_cache(shop, other_store):
    first = selectors.data_version(shop.pk)
    add(other_store, Department, name="Deli", phone_extension="101")

    assert selectors.data_version(shop.pk) == first
    add(shop, Department, name="Deli", phone_extension="101")
    assert selectors.data_version(shop.pk) != first


def test_the_version_changes_again_after_the_commit(shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        add(shop, Department, name="Deli", phone_extension="101")
        during = selectors.data_version(shop.pk)
    assert callbacks  # the bump after the commit: a turn that cached old rows under `during` is not read again

    for callback in callbacks:
        callback()
    assert selectors.data_version(shop.pk) != during


@pytest.mark.parametrize(
    ("speech", "queries"),
    [
        ("bye", 0),  # nothing but the cached data
        ("can I talk to a real person", 0),
        ("what are your hours", 0),  # the words of asking for the hours are not searched as a product
        ("dairy please", 1),
        ("do you have milk", 1),
        ("any deals", 1),  # the coupons
        ("do you sell unicorn saddles", 1),  # asked twice by decide() (before and with corrections), searched once
        ("do you have brocolli", 1),  # a misspelling found by its first letters
        ("do you have califlower", 2),  # one corrected from the cached words ("cauliflower"), then searched again
    ],
)
def test_a_warm_turn_reads_only_items_and_coupons(shop, speech, queries, django_assert_num_queries):
    ask(shop, speech)  # warm: the store's data and its words for this question

    with django_assert_num_queries(queries):
        ask(shop, speech)


def test_menu_digits_read_nothing_once_warm(shop, django_assert_num_queries):
    respond(shop, Turn(digits="105"), now=NOW)

    with django_assert_num_queries(0):
        assert respond(shop, Turn(digits="105"), now=NOW).subject == "Dairy"


def test_a_cold_turn_reads_settings_departments_templates_faqs_and_staff_once(shop):
    with CaptureQueriesContext(connection) as cold:
        ask(shop, "goodbye")
    with CaptureQueriesContext(connection) as warm:
        ask(shop, "goodbye")

    tables = " ".join(query["sql"] for query in cold.captured_queries)
    assert "store_storesettings" in tables and "store_department" in tables and "store_voicetemplate" in tables
    assert "store_faq" in tables and "store_staffmember" in tables  # the FAQ and staff names the engine matches
    assert len(cold) == 5 and len(warm) == 0


def test_without_a_cache_the_engine_reads_the_database(shop, monkeypatch):
    class Down:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise ConnectionError("cache down")

            return fail

    monkeypatch.setattr(selectors, "cache", Down())
    monkeypatch.setattr(selectors, "_read_version", Down().get)

    assert ask(shop, "dairy").subject == "Dairy"
    assert ask(shop, "do you have califlower").subject == "CAU001"


def test_edits_in_the_django_admin_are_heard_on_the_next_turn_too(shop, client, admin_user):
    """The admin saves rows itself (not through store.services): model signals renew the cache, and an item
    saved there is found by its new name at once."""
    assert ask(shop, "dairy").transfer.send_digits == "ww105"
    client.force_login(admin_user)
    dairy = Department.objects.get(name="Dairy")
    form = {"store": shop.pk, "name": "Dairy", "phone_extension": "125", "phone": "", "description": "",
            "keywords": '["yogurt"]', "is_active": "on"}  # fmt: skip
    response = client.post(f"/admin/store/department/{dairy.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ask(shop, "dairy").transfer.send_digits == "ww125"

    milk = InventoryItem.objects.get(sku="MLK001")
    form = {"store": shop.pk, "name": "Oat Milk", "sku": "MLK001", "price": "3.99", "stock_quantity": "50",
            "location": "Aisle 1", "department": dairy.pk, "aliases": "[]", "description": "", "is_active": "on"}  # fmt: skip
    response = client.post(f"/admin/store/inventoryitem/{milk.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    reply = ask(shop, "do you have oat milk")
    assert (reply.intent, reply.subject) == ("product", "MLK001")

    client.post(f"/admin/store/department/{dairy.pk}/delete/", {"post": "yes"})
    assert ask(shop, "dairy").transfer is None


def test_this_processs_copy_drops_the_least_recently_used_entry_only(monkeypatch):
    """Many stores' buckets of words: a full copy forgets the oldest-used entry, not every store's at once."""
    from collections import OrderedDict

    from voice import selectors

    monkeypatch.setattr(selectors, "_LOCAL_LIMIT", 2)
    monkeypatch.setattr(selectors, "_local", OrderedDict())
    loads: list[str] = []

    def cached(key: str) -> str:
        return selectors._cached(f"test-lru:{key}", lambda: loads.append(key) or key)

    cached("a"), cached("b"), cached("a"), cached("c")  # "b" is the least recently used when "c" arrives
    monkeypatch.setattr(selectors.cache, "get", lambda key, default=None: None)  # the shared cache forgot too
    cached("a"), cached("b")

    assert loads == ["a", "b", "c", "b"]
