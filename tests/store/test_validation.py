"""Bad store data: a 400 that names the field, and nothing written (no row, no audit line)."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from store.models import AuditEntry, Coupon, Department, InventoryItem, StaffMember, StoreSettings, VoiceTemplate
from store.services import save_record


@pytest.fixture
def bakery(store) -> Department:
    return save_record(actor=None, store=store, instance=Department(), data={"name": "Bakery", "phone_extension": "105"})


@pytest.fixture
def rye(store, bakery) -> InventoryItem:
    return save_record(actor=None, store=store, instance=InventoryItem(), data={"name": "Rye", "sku": "RYE1", "price": Decimal("3.00"), "department": bakery})


def _refused(response, field: str) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["success"] is False
    assert body["error"] == "validation_error"
    assert field in body["fields"], body
    assert body["message"].startswith(f"{field}: ")


def _nothing_written(store, audit_lines: int) -> None:
    assert AuditEntry.objects.filter(store=store).count() == audit_lines


CASES = [
    # (path, body, field)
    ("departments", {"name": "Bread", "phone_extension": "105"}, "phone_extension"),
    ("departments", {"name": "Bread", "phone_extension": "1O5"}, "phone_extension"),
    ("departments", {"name": "Bread", "phone_extension": "106", "phone": "call me"}, "phone"),
    ("departments", {"name": "Bread", "phone_extension": "106", "phone": "12"}, "phone"),
    # Toll fraud: a transfer would dial it on the platform's account.
    ("departments", {"name": "Bread", "phone_extension": "106", "phone": "+19005551234"}, "phone"),
    ("departments", {"name": "Bread", "phone_extension": "106", "phone": "+33810123456"}, "phone"),
    ("departments", {"name": "Bread", "keywords": "bread"}, "keywords"),
    ("departments", {"phone_extension": "106"}, "name"),
    ("inventory", {"name": "Rye 2", "sku": "RYE1", "price": 1}, "sku"),
    ("inventory", {"name": "Rye 2", "sku": "rye1", "price": 1}, "sku"),
    ("inventory", {"name": "Rye 2", "sku": "RYE2", "price": -0.01}, "price"),
    ("inventory", {"name": "Rye 2", "sku": "RYE2", "price": "cheap"}, "price"),
    ("inventory", {"name": "Rye 2", "sku": "RYE2", "price": 1, "stock_quantity": -1}, "stock_quantity"),
    ("inventory", {"name": "Rye 2", "sku": "RYE2", "price": 1, "department": "Garden"}, "department"),
    ("coupons", {"code": "BIG", "discount_type": "percentage", "discount_value": 101}, "discount_value"),
    ("coupons", {"code": "BIG", "discount_type": "percentage", "discount_value": -5}, "discount_value"),
    ("coupons", {"code": "BIG", "discount_type": "bogus", "discount_value": 5}, "discount_type"),
    ("coupons", {"code": "BIG", "discount_value": 5, "expires_at": "31/12/2030"}, "expires_at"),
    ("coupons", {"code": "BIG", "discount_value": 5, "expires_at": "2030-02-30T10:00:00"}, "expires_at"),
    ("coupons", {"code": "BIG", "discount_value": 5, "item": "NOPE"}, "item"),
    ("voice-templates", {"template_type": "greeting", "text_content": "Hi {customer}"}, "text_content"),
    ("voice-templates", {"template_type": "greeting", "text_content": "Hi {store_name"}, "text_content"),
    ("voice-templates", {"template_type": "greeting", "text_content": "Hi", "variation_number": 0}, "variation_number"),
    ("staff", {"name": "Jo", "email": "not-an-email"}, "email"),
    ("staff", {"name": "Jo", "department": "Nowhere"}, "department"),
]


@pytest.mark.parametrize("path,body,field", CASES, ids=[f"{p}-{f}-{i}" for i, (p, _, f) in enumerate(CASES)])
def test_bad_row_is_refused_naming_the_field(owner_api, store, rye, path, body, field):
    audit_lines = AuditEntry.objects.filter(store=store).count()
    model = {"departments": Department, "inventory": InventoryItem, "coupons": Coupon, "voice-templates": VoiceTemplate, "staff": StaffMember}[path]
    rows = model.objects.count()

    _refused(owner_api.post(f"/api/{path}", body, format="json"), field)

    assert model.objects.count() == rows
    _nothing_written(store, audit_lines)


def test_fixed_discount_may_exceed_100(owner_api, store):
    response = owner_api.post("/api/coupons", {"code": "FIVER", "discount_type": "fixed", "discount_value": 150}, format="json")

    assert response.status_code == 200, response.content
    assert Coupon.objects.get(code="FIVER").discount_value == Decimal("150")


def test_change_to_a_taken_extension_is_refused(owner_api, store, bakery):
    deli = save_record(actor=None, store=store, instance=Department(), data={"name": "Deli", "phone_extension": "104"})

    _refused(owner_api.put(f"/api/departments/{deli.pk}", {"phone_extension": "105"}, format="json"), "phone_extension")

    deli.refresh_from_db()
    assert deli.phone_extension == "104"
    assert not AuditEntry.objects.filter(action="update").exists()


def test_same_extension_and_sku_are_fine_in_another_store(owner_api, other_owner_api, store, rye):
    assert other_owner_api.post("/api/departments", {"name": "Bakery", "phone_extension": "105"}, format="json").status_code == 200
    assert other_owner_api.post("/api/inventory", {"name": "Rye", "sku": "RYE1", "price": 1}, format="json").status_code == 200


def test_changing_a_template_to_a_taken_variation_is_refused(owner_api, store):
    # A new template with a taken number gets the next free one (test_store_rows_api); a change does not move.
    body = {"template_type": "greeting", "text_content": "Hello", "language": "en", "variation_number": 1}
    assert owner_api.post("/api/voice-templates", body, format="json").status_code == 200
    second = owner_api.post("/api/voice-templates", {**body, "variation_number": 2}, format="json").json()["data"]

    _refused(owner_api.patch(f"/api/voice-templates/{second['id']}", {"variation_number": 1}, format="json"), "variation_number")
    assert VoiceTemplate.objects.get(pk=second["id"]).variation_number == 2
    assert owner_api.post("/api/voice-templates", {**body, "language": "es"}, format="json").json()["data"]["variation_number"] == 1


@pytest.mark.parametrize(
    "body,field",
    [
        ({"transfer_number": "12345"}, "transfer_number"),
        ({"transfer_number": "+1 900 555 1234"}, "transfer_number"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"opening_hours": {"funday": {"open": "09:00", "close": "17:00"}}}, "opening_hours"),
        ({"opening_hours": {"monday": {"open": "9am", "close": "17:00"}}}, "opening_hours"),
        ({"opening_hours": ["monday"]}, "opening_hours"),
        ({"holiday_hours": {"25 December": None}}, "holiday_hours"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_store_info_is_refused(owner_api, store, body, field):
    _refused(owner_api.put("/api/store-info", body, format="json"), field)

    store.refresh_from_db()
    assert store.timezone == "America/New_York"
    assert store.transfer_number == "" and store.opening_hours == {} and store.name == "Main Street Market"
    _nothing_written(store, 0)


@pytest.mark.parametrize(
    "body,field",
    [
        ({"operator_number": "not a number"}, "operator_number"),
        ({"operator_number": "+448712345678"}, "operator_number"),
        ({"speech_timeout": 0}, "speech_timeout"),
        ({"max_misses": 50}, "max_misses"),
        ({"voice_settings": "loud"}, "voice_settings"),
        ({"recording_enabled": "perhaps"}, "recording_enabled"),
    ],
)
def test_bad_settings_are_refused(owner_api, store, body, field):
    _refused(owner_api.put("/api/settings", body, format="json"), field)

    assert StoreSettings.objects.get(store=store).operator_number == ""
    _nothing_written(store, 0)


@pytest.mark.parametrize("path", ["/api/departments", "/api/store-info", "/api/settings", "/api/stores"])
def test_body_that_is_not_an_object_is_refused(owner_api, admin_api, store, path):
    client = admin_api if path == "/api/stores" else owner_api
    method = client.post if path in ("/api/departments", "/api/stores") else client.put

    response = method(path, json.dumps(["Bakery"]), content_type="application/json")

    _refused(response, "body")
    _nothing_written(store, 0)


def test_naive_expiry_is_read_in_the_store_time_zone(owner_api, store):
    response = owner_api.post("/api/coupons", {"code": "NY", "discount_value": 5, "expires_at": "2030-01-01T00:00:00"}, format="json")

    assert response.status_code == 200
    # Midnight in New York is 05:00 UTC in winter.
    assert Coupon.objects.get(code="NY").expires_at.isoformat() == "2030-01-01T05:00:00+00:00"
