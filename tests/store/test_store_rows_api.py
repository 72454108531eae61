"""The six store-data collections (seed 001): list, add, read, change, delete, who may, and tenancy."""
from __future__ import annotations

from decimal import Decimal

import pytest

from store.models import AuditEntry, Coupon, Department, Faq, InventoryItem, StaffMember, VoiceTemplate
from store.services import save_record

# path, model, a valid new row, a change, the field to read back after the change, the label
COLLECTIONS = {
    "departments": (Department, {"name": "Bakery", "phone_extension": "105", "keywords": ["bread", "cake"]}, {"description": "Fresh bread daily"}, "Department"),
    "inventory": (InventoryItem, {"name": "Rye Bread", "sku": "BRD9", "price": 3.49, "stock_quantity": 12, "location": "Aisle 4", "aliases": ["rye"]}, {"price": 2.99}, "Item"),
    "coupons": (Coupon, {"code": "SAVE20", "description": "20% off", "discount_type": "percentage", "discount_value": 20, "is_store_wide": True, "expires_at": "2030-12-31T23:59:59"}, {"discount_value": 25}, "Coupon"),
    "voice-templates": (VoiceTemplate, {"template_type": "greeting", "text_content": "Thanks for calling {store_name}!", "variation_number": 1}, {"text_content": "Hello from {store_name}."}, "Voice template"),
    "staff": (StaffMember, {"name": "John Smith", "email": "john@store.com", "phone": "(555) 123-4567", "role": "Manager"}, {"role": "Supervisor"}, "Staff member"),
    "faqs": (Faq, {"question": "Do you deliver?", "answer": "Yes, within 5 miles.", "keywords": ["delivery", "deliver"]}, {"answer": "Yes, within 10 miles."}, "FAQ"),
}
PATHS = list(COLLECTIONS)


def _make(store, path: str, **overrides):
    model, body, _, _ = COLLECTIONS[path]
    data = {name: Decimal(str(value)) if isinstance(value, float) else value for name, value in {**body, **overrides}.items()}
    if path == "coupons":
        data["expires_at"] = None
    return save_record(actor=None, store=store, instance=model(), data=data)


@pytest.mark.parametrize("path", PATHS)
def test_owner_adds_a_row_and_gets_seed_001_envelope(owner_api, store, path):
    model, body, _, label = COLLECTIONS[path]

    response = owner_api.post(f"/api/{path}", body, format="json")

    assert response.status_code == 200, response.content
    payload = response.json()
    assert payload["success"] is True
    assert payload["message"] == f"{label} added successfully"
    row = model.objects.get(store=store)
    assert payload["data"]["id"] == row.pk
    for name, value in body.items():
        if name != "expires_at":
            assert payload["data"][name] == value
    audit = AuditEntry.objects.get(store=store, model=model._meta.model_name)
    assert (audit.action, audit.actor_label, audit.object_id) == ("create", "olivia", str(row.pk))


@pytest.mark.parametrize("path", PATHS)
def test_list_is_a_bare_list_paged_with_total_header(owner_api, store, other_store, path):
    rows = [_make(store, path, **_distinct(path, n)) for n in range(3)]
    _make(other_store, path)

    first = owner_api.get(f"/api/{path}", {"limit": 2})
    rest = owner_api.get(f"/api/{path}", {"limit": 2, "offset": 2})

    assert first.status_code == rest.status_code == 200
    assert first["X-Total-Count"] == rest["X-Total-Count"] == "3"
    assert isinstance(first.json(), list)
    assert sorted(row["id"] for row in first.json() + rest.json()) == sorted(row.pk for row in rows)


def _distinct(path: str, n: int) -> dict:
    return {
        "departments": {"name": f"Dept {n}", "phone_extension": f"1{n}"},
        "inventory": {"name": f"Item {n}", "sku": f"SKU{n}"},
        "coupons": {"code": f"CODE{n}"},
        "voice-templates": {"variation_number": n + 1},
        "staff": {"name": f"Person {n}"},
        "faqs": {"question": f"Question {n}?"},
    }[path]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("method", ["put", "patch"])
def test_change_sends_only_the_fields_given_and_audits_before_and_after(owner_api, store, path, method):
    row = _make(store, path)
    _, body, change, label = COLLECTIONS[path]
    field, value = next(iter(change.items()))
    before = owner_api.get(f"/api/{path}/{row.pk}").json()[field]

    response = getattr(owner_api, method)(f"/api/{path}/{row.pk}", change, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["message"] == f"{label} updated successfully"
    after = owner_api.get(f"/api/{path}/{row.pk}").json()
    assert after[field] == value
    untouched = next(name for name in body if name not in change and name != "expires_at")
    assert after[untouched] == body[untouched]
    audit = AuditEntry.objects.get(store=store, action="update")
    assert audit.changes[field][0] in (before, str(before), f"{before:.2f}" if isinstance(before, float) else before)
    assert set(audit.changes) == {field}


@pytest.mark.parametrize("path", PATHS)
def test_delete_removes_the_row_and_keeps_it_in_the_audit_log(owner_api, store, path):
    row = _make(store, path)
    model = COLLECTIONS[path][0]

    response = owner_api.delete(f"/api/{path}/{row.pk}")

    assert response.status_code == 200
    assert response.json() == {"success": True, "message": f"{COLLECTIONS[path][3]} deleted successfully"}
    assert not model.objects.filter(pk=row.pk).exists()
    audit = AuditEntry.objects.get(store=store, action="delete")
    assert audit.object_id == str(row.pk)
    assert all(after is None for _, after in audit.changes.values())


@pytest.mark.parametrize("path", PATHS)
def test_trailing_slash_answers_too(owner_api, store, path):
    row = _make(store, path)

    assert owner_api.get(f"/api/{path}/").status_code == 200
    assert owner_api.get(f"/api/{path}/{row.pk}/").status_code == 200


@pytest.mark.parametrize("path", PATHS)
def test_agent_reads_but_cannot_change(agent_api, store, path):
    row = _make(store, path)
    model, body, change, _ = COLLECTIONS[path]

    assert agent_api.get(f"/api/{path}").status_code == 200
    assert agent_api.get(f"/api/{path}/{row.pk}").status_code == 200
    refused = [
        agent_api.post(f"/api/{path}", {**body, **_distinct(path, 7)}, format="json"),
        agent_api.put(f"/api/{path}/{row.pk}", change, format="json"),
        agent_api.delete(f"/api/{path}/{row.pk}"),
    ]

    assert [r.status_code for r in refused] == [403, 403, 403]
    assert refused[0].json()["error"] == "permission_denied"
    assert model.objects.filter(store=store).count() == 1
    assert not AuditEntry.objects.filter(actor_label="alex").exists()


@pytest.mark.parametrize("path", PATHS)
def test_bot_key_reads_its_store_and_cannot_write(bot_api, store, other_store, path):
    mine, theirs = _make(store, path), _make(other_store, path)

    listed = bot_api.get(f"/api/{path}")

    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()] == [mine.pk]
    assert bot_api.get(f"/api/{path}/{theirs.pk}").status_code == 404
    assert bot_api.delete(f"/api/{path}/{mine.pk}").status_code == 403
    assert COLLECTIONS[path][0].objects.filter(pk=mine.pk).exists()


@pytest.mark.parametrize("path", PATHS)
def test_another_stores_row_is_404_on_every_verb(owner_api, store, other_store, path):
    theirs = _make(other_store, path)
    change = COLLECTIONS[path][2]

    responses = [
        owner_api.get(f"/api/{path}/{theirs.pk}"),
        owner_api.put(f"/api/{path}/{theirs.pk}", change, format="json"),
        owner_api.patch(f"/api/{path}/{theirs.pk}", change, format="json"),
        owner_api.delete(f"/api/{path}/{theirs.pk}"),
        owner_api.get(f"/api/{path}/{theirs.pk}", {"store": "harbor-deli"}),
    ]

    assert [r.status_code for r in responses] == [404] * 5
    assert responses[0].json()["error"] == "not_found"
    assert COLLECTIONS[path][0].objects.filter(pk=theirs.pk).exists()
    assert owner_api.get(f"/api/{path}").json() == []
    assert not AuditEntry.objects.filter(store=other_store, actor_label="olivia").exists()


@pytest.mark.parametrize("path", PATHS)
def test_anonymous_is_401(api, store, path):
    response = api.get(f"/api/{path}")

    assert response.status_code == 401
    assert response.json()["success"] is False


def test_owner_of_two_stores_names_one(owner_api, owner, store):
    from store.models import Store

    second = Store.objects.create(name="Second", slug="second", owner=owner)
    _make(second, "departments")

    unnamed = owner_api.get("/api/departments")
    named = owner_api.get("/api/departments", {"store": "second"})

    assert unnamed.status_code == 400
    assert "store" in unnamed.json()["fields"]
    assert [row["name"] for row in named.json()] == ["Bakery"]
    assert owner_api.get("/api/departments", {"store": "harbor-deli"}).status_code == 404


def test_admin_picks_any_store(admin_api, store, other_store):
    _make(other_store, "departments")

    response = admin_api.post("/api/departments?store=main-street", {"name": "Deli", "phone_extension": "104"}, format="json")

    assert response.status_code == 200, response.content
    assert Department.objects.get(store=store).name == "Deli"
    assert [row["name"] for row in admin_api.get("/api/departments", {"store": "harbor-deli"}).json()] == ["Bakery"]
    assert admin_api.get("/api/departments").status_code == 400


def test_inventory_names_its_department_by_name(owner_api, store, other_store):
    bakery = _make(store, "departments")
    _make(other_store, "departments", name="Produce")

    ok = owner_api.post("/api/inventory", {"name": "Bagel", "sku": "BGL1", "price": 1, "department": "bakery"}, format="json")
    foreign = owner_api.post("/api/inventory", {"name": "Kale", "sku": "KAL1", "price": 1, "department": "Produce"}, format="json")

    assert ok.status_code == 200
    assert ok.json()["data"]["department"] == "Bakery"
    assert InventoryItem.objects.get(sku="BGL1").department == bakery
    assert foreign.status_code == 400
    assert "department" in foreign.json()["fields"]
    assert not InventoryItem.objects.filter(sku="KAL1").exists()


def test_seed_001_integration_flow(owner_api, store):
    """The original's test_integration.py: read and update store info, list and add departments, list inventory."""
    info = owner_api.get("/api/store-info")
    assert info.status_code == 200
    assert info.json()["name"] == "Main Street Market"

    updated = owner_api.put("/api/store-info", {"greeting_message": "Welcome to Main Street!"}, format="json")
    assert updated.status_code == 200
    assert updated.json()["success"] is True
    assert owner_api.get("/api/store-info").json()["greeting_message"] == "Welcome to Main Street!"

    assert owner_api.get("/api/departments").json() == []
    added = owner_api.post(
        "/api/departments",
        {"name": "Test Department", "phone_extension": "999", "description": "A test department for integration testing", "is_active": True},
        format="json",
    )
    assert added.status_code == 200
    assert added.json()["message"] == "Department added successfully"
    assert [d["name"] for d in owner_api.get("/api/departments").json()] == ["Test Department"]

    assert owner_api.get("/api/inventory").status_code == 200


def test_a_change_keeps_what_someone_else_changed_meanwhile(owner_api, store):
    dept = _make(store, "departments")
    stale = Department.objects.get(pk=dept.pk)
    Department.objects.filter(pk=dept.pk).update(description="Changed by someone else")

    save_record(actor=None, store=store, instance=stale, data={"phone_extension": "150"})

    dept.refresh_from_db()
    assert (dept.phone_extension, dept.description) == ("150", "Changed by someone else")


@pytest.mark.parametrize("text", ["Hi {store_name:>2000}", "Hi {store_name!r}", "Hi {address.__class__}", "Hi {item[0]}"])
def test_a_template_with_a_format_spec_or_attribute_is_refused(owner_api, store, text):
    response = owner_api.post("/api/voice-templates", {"template_type": "greeting", "text_content": text}, format="json")

    assert response.status_code == 400, response.content
    error = response.json()["fields"]["text_content"][0]
    assert "is not allowed: a placeholder is its name alone" in error and "Use only these placeholders: {store_name}" in error
    assert not VoiceTemplate.objects.exists()

    template = _make(store, "voice-templates")
    response = owner_api.patch(f"/api/voice-templates/{template.pk}", {"text_content": text}, format="json")
    assert response.status_code == 400 and "text_content" in response.json()["fields"]
    template.refresh_from_db()
    assert template.text_content == "Thanks for calling {store_name}!"


@pytest.mark.parametrize("limit", ["1001", "5000"])
def test_a_limit_above_1000_is_read_as_1000_not_refused(owner_api, store, limit):
    Department.objects.bulk_create(Department(store=store, name=f"Dept {n:04d}") for n in range(1001))

    response = owner_api.get("/api/departments", {"limit": limit})

    assert response.status_code == 200
    assert len(response.json()) == 1000
    assert response["X-Total-Count"] == "1001"


def test_a_taken_variation_number_becomes_the_next_free_one_and_the_answer_says_so(owner_api, store):
    # The original store app sends variation_number 1 with every new template.
    body = {"template_type": "greeting", "text_content": "Hi there!", "is_active": True, "variation_number": 1}
    first = owner_api.post("/api/voice-templates", body, format="json")
    save_record(actor=None, store=store, instance=VoiceTemplate(), data={"template_type": "greeting", "text_content": "Three", "variation_number": 3})

    second = owner_api.post("/api/voice-templates", {**body, "text_content": "Hello!"}, format="json")
    third = owner_api.post("/api/voice-templates", {**body, "text_content": "Good day!"}, format="json")

    assert first.status_code == second.status_code == third.status_code == 200
    assert first.json()["message"] == "Voice template added successfully"
    assert (second.json()["data"]["variation_number"], third.json()["data"]["variation_number"]) == (2, 4)
    assert second.json()["message"] == "Voice template added successfully as variation 2 (variation 1 was taken)"
    assert sorted(VoiceTemplate.objects.filter(store=store, template_type="greeting").values_list("variation_number", flat=True)) == [1, 2, 3, 4]
    # Another prompt or language starts at its own 1.
    other = owner_api.post("/api/voice-templates", {**body, "language": "es"}, format="json")
    assert other.json()["data"]["variation_number"] == 1


def test_a_variation_number_past_the_last_free_one_is_still_refused(owner_api, store):
    VoiceTemplate.objects.bulk_create(VoiceTemplate(store=store, template_type="hold", text_content=f"Wait {n}", variation_number=n) for n in range(1, 100))

    response = owner_api.post("/api/voice-templates", {"template_type": "hold", "text_content": "One more", "variation_number": 1}, format="json")

    assert response.status_code == 400
    assert "variation_number" in response.json()["fields"]
    assert VoiceTemplate.objects.filter(store=store, template_type="hold").count() == 99
