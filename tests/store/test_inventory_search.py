"""?q= finds items by any word of their name, SKU or aliases, ignoring case and accents, by index."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from store.models import Department, InventoryItem, InventoryWord
from store.services import index_item_words, save_record


def _item(store, name: str, sku: str, aliases: list[str] | None = None, department=None) -> InventoryItem:
    return save_record(actor=None, store=store, instance=InventoryItem(), data={"name": name, "sku": sku, "price": Decimal("1.00"), "aliases": aliases or [], "department": department})


@pytest.fixture
def shelf(store, other_store) -> None:
    dairy = save_record(actor=None, store=store, instance=Department(), data={"name": "Dairy"})
    _item(store, "Crème Fraîche", "CRM-001", department=dairy)
    _item(store, "Milk (Gallon)", "MLK001", ["whole milk"], department=dairy)
    _item(store, "Jalapeño Peppers", "JAL-7", ["chilli"])
    _item(store, "Cola 2L", "SODA2", ["soda", "pop"])
    _item(other_store, "Creme Brulee", "CRM-001")


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()]


@pytest.mark.parametrize(
    "q,expected",
    [
        ("creme", ["Crème Fraîche"]),
        ("CRÈME", ["Crème Fraîche"]),
        ("fraiche", ["Crème Fraîche"]),
        ("jalapeno", ["Jalapeño Peppers"]),
        ("mlk001", ["Milk (Gallon)"]),
        ("crm", ["Crème Fraîche"]),
        ("soda", ["Cola 2L"]),
        ("whole", ["Milk (Gallon)"]),
        ("mil", ["Milk (Gallon)"]),
        ("gallon of soda", ["Cola 2L", "Milk (Gallon)"]),
        ("peppers please", ["Jalapeño Peppers"]),
        ("zucchini", []),
    ],
)
def test_search_matches_any_word(owner_api, shelf, q, expected):
    response = owner_api.get("/api/inventory", {"q": q})

    assert names(response) == expected
    assert response["X-Total-Count"] == str(len(expected))


def test_search_and_department_filter_combine(owner_api, shelf):
    assert names(owner_api.get("/api/inventory", {"q": "creme milk", "department": "dairy"})) == ["Crème Fraîche", "Milk (Gallon)"]
    assert names(owner_api.get("/api/inventory", {"department": "Dairy", "q": "cola"})) == []


def test_renamed_item_is_found_by_its_new_name_only(owner_api, shelf, store):
    cola = InventoryItem.objects.get(store=store, sku="SODA2")

    owner_api.patch(f"/api/inventory/{cola.pk}", {"name": "Ginger Ale", "aliases": []}, format="json")

    assert names(owner_api.get("/api/inventory", {"q": "ginger"})) == ["Ginger Ale"]
    assert names(owner_api.get("/api/inventory", {"q": "soda"})) == ["Ginger Ale"]  # still its SKU
    assert names(owner_api.get("/api/inventory", {"q": "pop"})) == []


def test_words_of_a_deleted_item_go_with_it(owner_api, shelf, store):
    cola = InventoryItem.objects.get(store=store, sku="SODA2")

    owner_api.delete(f"/api/inventory/{cola.pk}")

    assert not InventoryWord.objects.filter(item_id=cola.pk).exists()


def _many_items(store, count: int) -> None:
    items = InventoryItem.objects.bulk_create(
        [InventoryItem(store=store, name=f"Product {n} Deluxe", sku=f"P{n:06d}", price=Decimal("2.50"), aliases=[f"alias{n}"]) for n in range(count)]
    )
    index_item_words(items)


@pytest.mark.parametrize("count", [10, 2000])
def test_search_and_list_run_a_fixed_number_of_queries(owner_api, store, count, django_assert_max_num_queries):
    _many_items(store, count)

    with django_assert_max_num_queries(6):
        found = owner_api.get("/api/inventory", {"q": "deluxe p000001", "limit": 50})
    with django_assert_max_num_queries(6):
        listed = owner_api.get("/api/inventory", {"limit": 1000})

    assert found["X-Total-Count"] == str(count)
    assert len(found.json()) == min(count, 50)
    assert len(listed.json()) == min(count, 1000)


@pytest.mark.postgres
def test_search_uses_the_word_index_on_postgres(store):
    _many_items(store, 20000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE store_inventoryword")
    from store.api import search_inventory

    query = search_inventory(InventoryItem.objects.filter(store=store), store=store, q="alias1234").order_by("name", "id")[:50]
    plan = query.explain()

    assert "inventory_word_prefix" in plan, plan
