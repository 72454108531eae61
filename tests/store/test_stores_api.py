"""/api/stores: admins create and see every store; owners see and change their own; agents theirs."""
from __future__ import annotations

import pytest

from store.models import AuditEntry, Store, StoreSettings

NEW = {"name": "Corner Shop", "slug": "corner-shop", "owner": "olivia", "twilio_numbers": ["+1 (415) 555-0101"], "timezone": "America/Los_Angeles", "language": "en"}


def test_admin_creates_a_store(admin_api, owner):
    response = admin_api.post("/api/stores", NEW, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["message"] == "Store created successfully"
    store = Store.objects.get(slug="corner-shop")
    assert store.owner == owner
    assert store.twilio_numbers == ["+14155550101"]
    assert StoreSettings.objects.filter(store=store).exists()
    assert AuditEntry.objects.get(store=store).action == "create"


def test_owner_and_agent_cannot_create_stores(owner_api, agent_api, store):
    assert owner_api.post("/api/stores", NEW, format="json").status_code == 403
    assert agent_api.post("/api/stores", NEW, format="json").status_code == 403
    assert not Store.objects.filter(slug="corner-shop").exists()


@pytest.mark.parametrize(
    "change,field",
    [
        ({"slug": "main-street"}, "slug"),
        ({"slug": "Not a slug!"}, "slug"),
        ({"timezone": "Europe/Atlantis"}, "timezone"),
        ({"owner": "nobody"}, "owner"),
        ({"twilio_numbers": ["+15005550007"]}, "twilio_numbers"),
        ({"twilio_numbers": ["twelve"]}, "twilio_numbers"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_store_is_refused_naming_the_field(admin_api, store, other_store, change, field):
    response = admin_api.post("/api/stores", {**NEW, **change}, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]
    assert Store.objects.count() == 2
    assert not AuditEntry.objects.exists()


def test_lists_show_only_visible_stores(admin_api, owner_api, agent_api, bot_api, store, other_store):
    def slugs(client):
        response = client.get("/api/stores")
        assert response.status_code == 200
        return [row["slug"] for row in response.json()]

    assert slugs(admin_api) == ["harbor-deli", "main-street"]
    assert slugs(owner_api) == ["main-street"]
    assert slugs(agent_api) == ["main-street"]
    assert slugs(bot_api) == ["main-street"]
    assert admin_api.get("/api/stores")["X-Total-Count"] == "2"


def test_owner_changes_their_store_but_not_its_owner(owner_api, store, other_owner):
    renamed = owner_api.patch("/api/stores/main-street", {"name": "Main St. Market", "language": "es"}, format="json")
    handed_over = owner_api.put("/api/stores/main-street", {"owner": "oscar"}, format="json")

    assert renamed.status_code == 200
    assert handed_over.status_code == 400
    assert "owner" in handed_over.json()["fields"]
    store.refresh_from_db()
    assert (store.name, store.language, store.owner.username) == ("Main St. Market", "es", "olivia")


def test_admin_hands_a_store_to_another_owner(admin_api, store, other_owner):
    response = admin_api.put("/api/stores/main-street", {"owner": "oscar"}, format="json")

    assert response.status_code == 200
    assert Store.objects.get(pk=store.pk).owner == other_owner
    assert AuditEntry.objects.get(store=store).changes["owner"] == ["olivia", "oscar"]


def test_another_owners_store_is_404(owner_api, agent_api, store, other_store):
    assert owner_api.get("/api/stores/harbor-deli").status_code == 404
    assert owner_api.patch("/api/stores/harbor-deli", {"name": "Mine"}, format="json").status_code == 404
    assert agent_api.patch("/api/stores/main-street", {"name": "Mine"}, format="json").status_code == 403
    assert Store.objects.get(pk=other_store.pk).name == "Harbor Deli"
    assert Store.objects.get(pk=store.pk).name == "Main Street Market"


def test_a_store_keeps_its_own_number(admin_api, store):
    response = admin_api.patch("/api/stores/main-street", {"twilio_numbers": ["+15005550006", "+15005550099"]}, format="json")

    assert response.status_code == 200, response.content
    assert Store.objects.get(pk=store.pk).twilio_numbers == ["+15005550006", "+15005550099"]
