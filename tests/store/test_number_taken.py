"""A Twilio number routes to one store; refusing one that another store answers names no other store."""
from __future__ import annotations

from store.models import Store


def test_a_number_another_store_answers_is_refused_without_naming_that_store(owner_api, store, other_store):
    response = owner_api.patch("/api/stores/main-street", {"twilio_numbers": ["+15005550006", "+15005550007"]}, format="json")

    assert response.status_code == 400, response.content
    body = response.content.decode()
    assert response.json()["fields"]["twilio_numbers"] == ["+15005550007 is already in use by another store."]
    assert "Harbor" not in body and "harbor-deli" not in body and other_store.owner.username not in body
    assert Store.objects.get(pk=store.pk).twilio_numbers == ["+15005550006"]


def test_the_admin_creating_a_store_is_told_the_same(admin_api, store, other_store):
    response = admin_api.post(
        "/api/stores", {"name": "Corner Shop", "slug": "corner-shop", "owner": "olivia", "twilio_numbers": ["+15005550007"]}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["fields"]["twilio_numbers"] == ["+15005550007 is already in use by another store."]
    assert not Store.objects.filter(slug="corner-shop").exists()
