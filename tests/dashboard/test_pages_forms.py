"""Forms as an owner uses them: date-times round-trip in the store's zone, every error at once,
item names a caller can tell apart (issue 18's rough edges)."""
from __future__ import annotations

import inspect
from datetime import UTC, datetime

import pytest
from django import forms as django_forms

from calls.models import Customer, ScheduledCallback
from dashboard import forms
from store.models import Coupon, InventoryItem
from tests.dashboard.pages import field_errors, form_data, signed_in

pytestmark = pytest.mark.django_db


def datetime_forms() -> set[str]:
    """The page forms with a date-time input (each has a round-trip test below)."""
    found = set()
    for name, form in inspect.getmembers(forms, inspect.isclass):
        if issubclass(form, django_forms.Form) and form.__module__ == forms.__name__:
            for field in form.base_fields.values():
                if getattr(field.widget, "input_type", "") == "datetime-local":
                    found.add(name)
    return found


def test_every_form_with_a_date_time_has_a_round_trip_test():
    assert datetime_forms() == {"CouponForm", "CallbackRescheduleForm"}


def save_unchanged(client, url: str, field: str, **extra) -> str:
    """Open the page, submit the form holding `field` as the browser shows it; the value it showed."""
    page = client.get(url)
    assert page.status_code == 200
    data = form_data(page, field)
    response = client.post(url, {**data, **extra})
    assert response.status_code == 302, response.content.decode()[:3000]
    return data[field][0]


def test_a_coupons_expiry_round_trips_in_the_stores_zone(owner, store):
    client = signed_in(owner)
    response = client.post("/store/coupons/", {"code": "NYE", "discount_type": "percentage", "discount_value": "10",
                                               "is_active": "on", "expires_at": "2026-12-31T23:59"})
    assert response.status_code == 302
    coupon = Coupon.objects.get(store=store, code="NYE")
    assert coupon.expires_at == datetime(2027, 1, 1, 4, 59, tzinfo=UTC)  # 23:59 in New York

    listing = client.get("/store/coupons/").content.decode()
    assert "Dec 31 2026, 23:59" in listing and "Jan 1 2027" not in listing

    url = f"/store/coupons/{coupon.pk}/"
    for _ in range(2):
        assert save_unchanged(client, url, "expires_at") == "2026-12-31T23:59"
        coupon.refresh_from_db()
        assert coupon.expires_at == datetime(2027, 1, 1, 4, 59, tzinfo=UTC)


def test_a_moment_with_microseconds_is_kept_to_the_microsecond(owner, store):
    """The API may store seconds and microseconds; the form shows minutes (and seconds) but keeps the moment."""
    moment = datetime(2026, 7, 4, 16, 30, 15, 123456, tzinfo=UTC)
    coupon = Coupon.objects.create(store=store, code="JULY", discount_value=5, expires_at=moment)
    client = signed_in(owner)
    for _ in range(2):
        assert save_unchanged(client, f"/store/coupons/{coupon.pk}/", "expires_at") == "2026-07-04T12:30:15"
        coupon.refresh_from_db()
        assert coupon.expires_at == moment


def test_a_changed_expiry_is_read_in_the_stores_zone(owner, store):
    coupon = Coupon.objects.create(store=store, code="JULY", discount_value=5, expires_at=datetime(2026, 7, 4, 16, 30, tzinfo=UTC))
    client = signed_in(owner)
    url = f"/store/coupons/{coupon.pk}/"
    data = form_data(client.get(url), "expires_at")
    client.post(url, {**data, "expires_at": "2026-07-05T08:00"})
    coupon.refresh_from_db()
    assert coupon.expires_at == datetime(2026, 7, 5, 12, 0, tzinfo=UTC)


def test_a_callbacks_time_round_trips_in_the_stores_zone(owner, store):
    moment = datetime(2026, 12, 31, 4, 59, 0, 500, tzinfo=UTC)
    customer = Customer.objects.create(store=store, phone="+15550000001")
    callback = ScheduledCallback.objects.create(store=store, customer=customer, scheduled_at=moment)
    client = signed_in(owner)
    for _ in range(2):
        shown = save_unchanged(client, f"/callbacks/{callback.pk}/", "scheduled_at", action="reschedule")
        assert shown == "2026-12-30T23:59"
        callback.refresh_from_db()
        assert callback.scheduled_at == moment


# --- every error at once ---------------------------------------------------------------------------


def test_an_item_with_three_problems_shows_all_three(owner, store):
    InventoryItem.objects.create(store=store, name="Milk", sku="MILK-1", price=1)
    response = signed_in(owner).post("/store/inventory/", {"name": "Bread", "sku": "milk-1", "price": "-1", "stock_quantity": "-3", "is_active": "on"})

    assert response.status_code == 400
    assert field_errors(response, "price") and field_errors(response, "stock_quantity")
    assert field_errors(response, "sku") == ["Another item of this store has SKU milk-1."]
    assert InventoryItem.objects.filter(store=store).count() == 1


def test_the_api_names_every_field_in_one_answer(owner_api, store):
    InventoryItem.objects.create(store=store, name="Milk", sku="MILK-1", price=1)
    response = owner_api.post("/api/inventory", {"name": "Bread", "sku": "MILK-1", "price": -1, "stock_quantity": -3}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False and body["error"] == "validation_error"
    assert set(body["fields"]) == {"sku", "price", "stock_quantity"}
    assert body["message"].startswith("price:")


def test_a_coupon_reports_its_range_and_its_duplicate_together(owner_api, store):
    Coupon.objects.create(store=store, code="SAVE", discount_value=5)
    response = owner_api.post("/api/coupons", {"code": "save", "discount_type": "percentage", "discount_value": 150, "item": "NOPE"}, format="json")

    assert set(response.json()["fields"]) == {"code", "discount_value", "item"}


def test_a_change_to_an_existing_row_reports_every_error(owner, store):
    InventoryItem.objects.create(store=store, name="Milk", sku="MILK-1", price=1)
    bread = InventoryItem.objects.create(store=store, name="Bread", sku="BREAD-1", price=2)
    client = signed_in(owner)
    data = form_data(client.get(f"/store/inventory/{bread.pk}/"), "sku")
    response = client.post(f"/store/inventory/{bread.pk}/", {**data, "sku": "MILK-1", "price": "-2", "stock_quantity": "-1"})

    assert response.status_code == 400
    assert all(field_errors(response, name) for name in ("sku", "price", "stock_quantity"))
    bread.refresh_from_db()
    assert (bread.sku, bread.price) == ("BREAD-1", 2)


def test_adding_a_user_shows_all_its_errors_in_one_submit(admin_user, owner, store):
    """A taken username, a bad email, a short password and an agent without a store: one submit, four errors."""
    response = signed_in(admin_user).post("/settings/users/", {"username": "OLIVIA", "email": "not-an-email", "password": "short",
                                                               "role": "agent", "isActive": "on"})

    assert response.status_code == 400
    assert field_errors(response, "username") == ["A user with that username already exists."]
    assert field_errors(response, "email")
    assert field_errors(response, "password")
    assert field_errors(response, "stores") == ["An agent works in exactly one store."]


def test_the_users_api_names_every_field(admin_api, owner, store):
    response = admin_api.post("/api/users", {"username": "olivia", "email": "nope", "password": "short", "role": "agent"}, format="json")

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"username", "email", "password", "stores"}


def test_an_owner_changing_an_agent_sees_every_error(owner, store, agent, admin_user):
    response = signed_in(owner).post(f"/settings/users/{agent.pk}/", {"username": "root", "email": "bad", "password": "short",
                                                                      "role": "agent", "stores": [store.slug], "isActive": "on"})

    assert response.status_code == 400
    assert field_errors(response, "username") == ["A user with that username already exists."]
    assert field_errors(response, "email") and field_errors(response, "password")
    agent.refresh_from_db()
    assert agent.username == "alex"


# --- item names a caller can tell apart: a twin within the store is refused ------------------------


@pytest.mark.parametrize("name", ["Organic Milk", "organic milk", "  ORGANIC   MILK ", "OrganicMilk"])
def test_the_api_refuses_an_item_named_as_another_case_and_spaces_ignored(owner_api, store, name):
    InventoryItem.objects.create(store=store, name="Organic Milk", sku="MILK-1", price=1)
    response = owner_api.post("/api/inventory", {"name": name, "sku": "MILK-2", "price": 2}, format="json")

    assert response.status_code == 400
    assert response.json()["fields"]["name"] == ["Another item of this store is called Organic Milk (MILK-1); callers could not tell them apart."]
    assert InventoryItem.objects.filter(store=store).count() == 1


def test_another_stores_item_of_the_same_name_is_no_twin(owner_api, store, other_store):
    InventoryItem.objects.create(store=other_store, name="Organic Milk", sku="MILK-1", price=1)
    assert owner_api.post("/api/inventory", {"name": "Organic Milk", "sku": "MILK-1", "price": 2}, format="json").status_code == 200


def test_renaming_onto_a_twin_is_refused_but_an_older_twin_may_still_be_edited(owner_api, store):
    InventoryItem.objects.create(store=store, name="Bread", sku="B-1", price=1)
    milk = InventoryItem.objects.create(store=store, name="Milk", sku="M-1", price=1)
    assert owner_api.put(f"/api/inventory/{milk.pk}", {"name": "bread"}, format="json").json()["fields"] == {
        "name": ["Another item of this store is called Bread (B-1); callers could not tell them apart."]
    }
    # Twins saved before the rule (an old import) keep working: a change that keeps the name is let be.
    twin = InventoryItem.objects.create(store=store, name="BREAD", sku="B-2", price=1)
    assert owner_api.put(f"/api/inventory/{twin.pk}", {"name": "BREAD", "price": 3}, format="json").status_code == 200


def test_the_page_names_the_twin_and_shows_a_new_row_at_the_top(owner, store):
    InventoryItem.objects.bulk_create(InventoryItem(store=store, name=f"Item {n:03d}", sku=f"S-{n}", price=1) for n in range(120))
    client = signed_in(owner)
    refused = client.post("/store/inventory/", {"name": "item 007", "sku": "NEW-1", "price": "1", "stock_quantity": "1", "is_active": "on"})
    assert field_errors(refused, "name") == ["Another item of this store is called Item 007 (S-7); callers could not tell them apart."]

    added = client.post("/store/inventory/", {"name": "Zucchini", "sku": "Z-1", "price": "1", "stock_quantity": "1", "is_active": "on"}, follow=True)
    html = added.content.decode()
    # "Zucchini" sorts on the last page of three; it heads the first page the owner lands on.
    assert 'class="just-added"' in html and "Zucchini (Z-1)" in html
    assert html.index("Zucchini") < html.index("Item 000")


# --- the templates page: what a caller hears, from the voice agent itself ----------------------------


def test_the_templates_page_shows_the_agents_own_words_with_todays_coupons_and_the_hours_table(owner, store, monkeypatch):
    from tests.calls.factories import freeze_now

    now = freeze_now(monkeypatch, datetime(2026, 6, 3, 15, 0, tzinfo=UTC))  # a Wednesday, 11:00 in New York
    store.hours = ""
    store.opening_hours = {day: {"open": "09:00", "close": "17:00"} for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}
    store.save()
    Coupon.objects.create(store=store, code="SAVE20", description="Twenty off everything", discount_value=20, is_store_wide=True)
    Coupon.objects.create(store=store, code="OLD5", description="An old deal", discount_value=5, is_store_wide=True, expires_at=now.replace(year=2025))
    Coupon.objects.create(store=store, code="OFF3", description="A paused deal", discount_value=3, is_store_wide=True, is_active=False)
    from store.models import VoiceTemplate

    VoiceTemplate.objects.create(store=store, template_type="deals", text_content="Good news! {coupons}.")

    html = signed_in(owner).get("/store/templates/").content.decode()
    heard = html[html.index('id="heard-now"'):html.index("</section>", html.index('id="heard-now"'))]

    assert "Good news! Twenty off everything" in heard  # the store's template, filled with today's coupons
    assert "An old deal" not in heard and "A paused deal" not in heard and "FRESH10" not in heard
    assert "9 AM to 5 PM" in heard  # from the table, not a sample
    assert "Thanks for calling Main Street Market" in heard


def test_an_expired_coupon_is_not_listed_as_active(owner, store):
    Coupon.objects.create(store=store, code="OLD5", discount_value=5, expires_at=datetime(2025, 1, 1, tzinfo=UTC))
    Coupon.objects.create(store=store, code="NEW5", discount_value=5)
    html = signed_in(owner).get("/store/coupons/").content.decode()
    rows = {code: html[html.index(f">{code}<"):][:1500] for code in ("OLD5", "NEW5")}

    assert '<span class="badge warn">expired</span>' in rows["OLD5"].split("</tr>")[0]
    assert '<span class="badge ok">yes</span>' in rows["NEW5"].split("</tr>")[0]


# --- dates: one format, the zone named where stores mix ---------------------------------------------

TEMPLATES = __import__("pathlib").Path(__file__).resolve().parents[2] / "templates"


def test_every_template_writes_dates_with_the_one_format():
    """Moments go through dashboard/templatetags/moments.py ("Dec 31 2026, 23:59"); only a call's
    clock times (H:i:s) and machine-readable values (c) use Django's date filter."""
    import re

    formats = {match for path in TEMPLATES.rglob("*.html") for match in re.findall(r"\|date:['\"]([^'\"]*)['\"]", path.read_text())}
    assert formats <= {"H:i:s", "c"}


def test_rows_of_several_stores_name_each_ones_zone(admin_user, store, other_store):
    from tests.calls.factories import make_call

    moment = datetime(2026, 1, 15, 17, 30, tzinfo=UTC)
    make_call(store, "NY-1", start_time=moment, caller="+15550000001")
    make_call(other_store, "LDN-1", start_time=moment, caller="+15550000002")
    client = signed_in(admin_user)

    html = client.get("/calls/", {"store": ""}).content.decode()
    assert 'Jan 15 2026, 12:30</a> <span class="zone">America/New_York</span>' in html
    assert 'Jan 15 2026, 17:30</a> <span class="zone">Europe/London</span>' in html

    html = client.get("/calls/", {"store": store.slug}).content.decode()
    assert "Jan 15 2026, 12:30</a>" in html and 'class="zone"' not in html


def test_a_store_page_with_all_stores_picked_says_which_store_it_opened(admin_user, store, other_store):
    client = signed_in(admin_user)
    client.get("/calls/", {"store": ""})  # "All stores"

    html = client.get("/store/info/").content.decode()
    assert "it opened Harbor Deli" in html  # the first by name
    assert "it opened" not in client.get("/store/info/", {"store": store.slug}).content.decode()


def test_an_owner_of_one_store_is_not_told(owner, store):
    assert "it opened" not in signed_in(owner).get("/store/info/").content.decode()


def test_a_field_the_form_refuses_does_not_hide_the_others(owner, store):
    """The page form's own check (a name longer than 200) and the API's rules in the same answer."""
    InventoryItem.objects.create(store=store, name="Milk", sku="MILK-1", price=1)
    response = signed_in(owner).post("/store/inventory/", {"name": "x" * 201, "sku": "MILK-1", "price": "-1", "stock_quantity": "1", "is_active": "on"})

    assert response.status_code == 400
    assert field_errors(response, "name") == ["Ensure this value has at most 200 characters (it has 201)."]
    assert field_errors(response, "sku") == ["Another item of this store has SKU MILK-1."]
    assert field_errors(response, "price")
    assert InventoryItem.objects.filter(store=store).count() == 1


def test_a_user_form_refusing_a_name_still_reports_the_taken_username(admin_user, owner, store):
    response = signed_in(admin_user).post("/settings/users/", {"username": "olivia", "firstName": "y" * 151, "password": "a-long-enough-pass-1",
                                                               "role": "user", "isActive": "on"})

    assert response.status_code == 400
    assert field_errors(response, "firstName") == ["Ensure this value has at most 150 characters (it has 151)."]
    assert field_errors(response, "username") == ["A user with that username already exists."]


def test_a_template_preview_says_when_it_uses_sample_values(owner, store):
    from store.models import VoiceTemplate

    VoiceTemplate.objects.create(store=store, template_type="greeting", text_content="Welcome to {store_name}!")
    VoiceTemplate.objects.create(store=store, template_type="deals", text_content="Deals: {coupons}.")
    rows = {row["preview"]: row["sampled"] for row in signed_in(owner).get("/store/templates/").context["rows"]}

    assert rows == {"Welcome to Main Street Market!": False, "Deals: 10% off produce with code FRESH10.": True}
