"""/store/...: info and hours, and the five kinds of rows, through the API's serializers and the audited services."""
from __future__ import annotations

from decimal import Decimal

import pytest

from store.models import AuditEntry, Coupon, Department, InventoryItem, StaffMember, Store, VoiceTemplate
from store.services import index_item_words
from tests.dashboard.pages import field_errors, has_csrf_field, signed_in

INFO = {
    "name": "Main Street Market", "phone": "+15551230000", "address": "1 Main St", "hours": "7 AM - 10 PM",
    "timezone": "America/New_York", "transfer_number": "", "greeting_message": "Hello!", "hold_message": "",
    "holiday_hours": "2026-12-25 closed\n2026-12-24 08:00-14:00",
    **{f"{day}_{edge}": time for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
       for edge, time in (("open", "07:00"), ("close", "22:00"))},
}  # fmt: skip


def department(store: Store, name: str = "Bakery", extension: str = "104", **fields) -> Department:
    return Department.objects.create(store=store, name=name, phone_extension=extension, **fields)


def test_store_info_saves_hours_and_holidays_and_is_audited(owner, store):
    client = signed_in(owner)
    page = client.get("/store/info/")
    assert page.status_code == 200 and has_csrf_field(page)
    response = client.post("/store/info/", INFO)
    assert response.status_code == 302
    store.refresh_from_db()
    assert store.opening_hours["monday"] == {"open": "07:00", "close": "22:00"}
    assert store.opening_hours["sunday"] is None
    assert store.holiday_hours == {"2026-12-25": None, "2026-12-24": {"open": "08:00", "close": "14:00"}}
    assert store.greeting_message == "Hello!"
    assert AuditEntry.objects.filter(store=store, action="update", model="store").exists()
    assert "Store information updated." in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    "change,field,message",
    [
        ({"transfer_number": "12"}, "transfer_number", "not a dialable phone number"),
        ({"holiday_hours": "Christmas closed"}, "holiday_hours", "not a date"),
        ({"holiday_hours": "whenever"}, "holiday_hours", ""),
        ({"name": ""}, "name", "blank"),
    ],
)
def test_store_info_errors_show_next_to_the_field_and_nothing_is_written(owner, store, change, field, message):
    response = signed_in(owner).post("/store/info/", {**INFO, **change})
    assert response.status_code == 400
    errors = field_errors(response, field)
    assert errors and message in " ".join(errors)
    store.refresh_from_db()
    assert store.opening_hours == {} and store.greeting_message == ""
    assert not AuditEntry.objects.exists()


def test_half_a_days_hours_names_the_day(owner, store):
    response = signed_in(owner).post("/store/info/", {**INFO, "monday_close": ""})
    assert "monday" in " ".join(response.context["form"].errors.get("__all__", []) + response.context["form"].errors.get("opening_hours", []))
    store.refresh_from_db()
    assert store.opening_hours == {}


def test_add_edit_and_delete_a_department(owner, store):
    client = signed_in(owner)
    added = client.post("/store/departments/", {"name": "Bakery", "phone_extension": "104", "keywords": "bread, cake", "is_active": "on"})
    assert added.status_code == 302
    bakery = Department.objects.get(store=store)
    assert (bakery.keywords, bakery.is_active) == (["bread", "cake"], True)
    edit = client.get(f"/store/departments/{bakery.pk}/")
    assert edit.context["form"].initial["keywords"] == "bread, cake"
    client.post(f"/store/departments/{bakery.pk}/", {"name": "Bakehouse", "phone_extension": "105", "keywords": "bread"})
    bakery.refresh_from_db()
    assert (bakery.name, bakery.phone_extension, bakery.is_active) == ("Bakehouse", "105", False)
    deleted = client.post(f"/store/departments/{bakery.pk}/delete/", follow=True)
    assert "Department Bakehouse deleted." in deleted.content.decode()
    assert not Department.objects.exists()
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == ["create", "update", "delete"]


def test_a_duplicate_extension_is_refused_next_to_the_field(owner, store):
    department(store)
    response = signed_in(owner).post("/store/departments/", {"name": "Deli", "phone_extension": "104"})
    assert response.status_code == 400
    assert field_errors(response, "phone_extension") == ["Another department of this store has extension 104."]
    assert Department.objects.count() == 1


def test_the_same_rules_as_the_api(owner, store):
    client = signed_in(owner)
    response = client.post("/store/inventory/", {"name": "Milk", "sku": "M1", "price": "-1"})
    assert field_errors(response, "price") == ["Ensure this value is greater than or equal to 0."]
    response = client.post("/store/coupons/", {"code": "BIG", "discount_type": "percentage", "discount_value": "150"})
    assert field_errors(response, "discount_value") == ["A percentage discount is between 0 and 100."]
    response = client.post("/store/templates/", {"category": "voice", "template_type": "greeting", "language": "en", "text_content": "Hi {nobody}", "variation_number": "1"})
    assert "Unknown placeholder {nobody}" in field_errors(response, "text_content")[0]
    response = client.post("/store/staff/", {"name": "Sam", "email": "not-an-email"})
    assert field_errors(response, "email")
    assert not InventoryItem.objects.exists() and not Coupon.objects.exists()
    assert not VoiceTemplate.objects.exists() and not StaffMember.objects.exists()


def test_rows_name_their_department_as_people_do(owner, store):
    department(store)
    client = signed_in(owner)
    client.post("/store/inventory/", {"name": "Rye Bread", "sku": "RYE", "department": "Bakery", "price": "3.50", "stock_quantity": "4", "aliases": "rye, loaf", "is_active": "on"})
    item = InventoryItem.objects.get()
    assert (item.department.name, item.price, item.aliases) == ("Bakery", Decimal("3.50"), ["rye", "loaf"])
    client.post("/store/coupons/", {"code": "BREAD5", "discount_type": "fixed", "discount_value": "5", "department": "Bakery", "item": "RYE", "expires_at": "2030-01-01T09:00", "is_active": "on"})
    coupon = Coupon.objects.get()
    assert coupon.item == item and coupon.expires_at.astimezone(store.tzinfo).hour == 9


def test_a_templates_hours_preview_says_what_the_agent_says(owner, store):
    import datetime as dt

    from voice.dialogue import Turn, respond

    store.hours = "7 AM - 10 PM (old words)"
    store.opening_hours = {day: {"open": "07:00", "close": "22:00"} for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday")}
    store.save()
    VoiceTemplate.objects.create(store=store, template_type="hours", text_content="Our hours: {hours}.")

    preview = signed_in(owner).get("/store/templates/").context["rows"][0]["preview"]
    said = respond(store, Turn(speech="what are your hours"), now=dt.datetime(2026, 12, 8, 15, tzinfo=dt.timezone.utc)).say

    assert preview == "Our hours: 7 AM to 10 PM Monday to Saturday, and closed on Sundays."
    assert said.startswith(preview)


def test_a_template_shows_how_it_sounds(owner, store):
    VoiceTemplate.objects.create(store=store, template_type="greeting", text_content="Welcome to {store_name}! {item_name} is {price}.")
    response = signed_in(owner).get("/store/templates/")
    assert response.context["rows"][0]["preview"] == "Welcome to Main Street Market! Organic Milk is $4.99."
    assert "“Welcome to Main Street Market! Organic Milk is $4.99.”" in response.content.decode()


def test_agents_read_store_pages_but_cannot_change_them(agent, store):
    bakery = department(store)
    client = signed_in(agent)
    page = client.get("/store/departments/")
    assert page.status_code == 200 and "Add department" not in page.content.decode()
    assert client.post("/store/departments/", {"name": "Deli"}).status_code == 403
    assert client.post(f"/store/departments/{bakery.pk}/", {"name": "X"}).status_code == 403
    assert client.post(f"/store/departments/{bakery.pk}/delete/").status_code == 403
    assert client.post("/store/info/", INFO).status_code == 403
    assert Department.objects.get().name == "Bakery"


def test_another_owners_rows_are_404(owner, store, other_store):
    theirs = department(other_store, "Their Bakery")
    client = signed_in(owner)
    assert client.get(f"/store/departments/{theirs.pk}/").status_code == 404
    assert client.post(f"/store/departments/{theirs.pk}/", {"name": "Mine now"}).status_code == 404
    assert client.post(f"/store/departments/{theirs.pk}/delete/").status_code == 404
    assert "Their Bakery" not in client.get("/store/departments/").content.decode()
    assert Department.objects.get(pk=theirs.pk).name == "Their Bakery"


def test_an_admin_edits_the_picked_store(admin_user, store, other_store):
    client = signed_in(admin_user)
    client.post("/store/departments/?store=harbor-deli", {"name": "Deli", "phone_extension": "1"})
    assert Department.objects.get().store == other_store


def test_inventory_search_and_pages_with_a_fixed_query_count(owner, store, django_assert_max_num_queries):
    items = InventoryItem.objects.bulk_create(
        InventoryItem(store=store, name=f"{'Oat Milk' if i % 10 == 0 else 'Rice'} {i:04d}", sku=f"SKU{i:04d}", price=1) for i in range(2000)
    )
    index_item_words(items)
    client = signed_in(owner)
    client.get("/store/inventory/")
    with django_assert_max_num_queries(10):
        response = client.get("/store/inventory/", {"q": "milk", "page": 2})
    page = response.context["page_obj"]
    assert page.paginator.count == 200 and page.number == 2 and len(response.context["rows"]) == 50
    assert all("Oat Milk" in row["label"] for row in response.context["rows"])
    with django_assert_max_num_queries(10):
        response = client.get("/store/inventory/", {"page": 40})
    assert response.context["page_obj"].number == 40


@pytest.mark.parametrize("field", ["greeting_message", "hold_message"])
def test_store_info_page_refuses_a_greeting_that_is_a_format_string(owner, store, field):
    response = signed_in(owner).post("/store/info/", {**INFO, field: "Hi {address.__class__.__base__.__subclasses__}"})

    assert response.status_code == 400
    errors = field_errors(response, field)
    assert errors and "is not allowed" in errors[0] and "Use only these placeholders: {store_name}" in errors[0]
    store.refresh_from_db()
    assert store.greeting_message == "" and not AuditEntry.objects.exists()


def test_a_template_preview_fills_only_the_documented_names(owner, store):
    # Saved before validation refused it: the preview shows what the caller would hear, never the format's result.
    Store.objects.filter(pk=store.pk).update(address="1 Main St")
    VoiceTemplate.objects.create(store=store, template_type="greeting", text_content="Hi {store_name:>2000}{address.__class__} at {address}.")
    response = signed_in(owner).get("/store/templates/")
    assert response.context["rows"][0]["preview"] == "Hi  at 1 Main St."


def test_store_info_page_saves_the_holiday_note(owner, store):
    client = signed_in(owner)

    response = client.post("/store/info/", {**INFO, "holiday_note": "Closed on Christmas Day"})

    assert response.status_code == 302
    store.refresh_from_db()
    assert store.holiday_note == "Closed on Christmas Day"
    assert "Closed on Christmas Day" in client.get("/store/info/").content.decode()
