"""GET /api/audit-log: who changed what in which store, before and after; admins and owners only."""
from __future__ import annotations

from store.models import AuditEntry, Department
from store.services import save_record


def _changes(client) -> None:
    created = client.post("/api/departments", {"name": "Deli", "phone_extension": "104"}, format="json").json()["data"]
    client.patch(f"/api/departments/{created['id']}", {"name": "Deli & Cheese"}, format="json")
    client.delete(f"/api/departments/{created['id']}")


def test_owner_sees_every_change_to_their_store_newest_first(owner_api, store):
    _changes(owner_api)

    response = owner_api.get("/api/audit-log")

    assert response.status_code == 200
    rows = response.json()
    assert response["X-Total-Count"] == "3"
    assert [row["action"] for row in rows] == ["delete", "update", "create"]
    assert {row["actor"] for row in rows} == {"olivia"}
    assert {row["store"] for row in rows} == {"main-street"}
    assert rows[1]["changes"] == {"name": ["Deli", "Deli & Cheese"]}
    assert rows[0]["changes"]["phone_extension"] == ["104", None]
    assert rows[2]["model"] == "department"


def test_owner_never_sees_another_stores_changes(owner_api, other_owner_api, store, other_store):
    _changes(other_owner_api)
    save_record(actor=None, store=store, instance=Department(), data={"name": "Mine"})

    mine = owner_api.get("/api/audit-log")

    assert [row["object_repr"] for row in mine.json()] == ["Mine"]
    assert mine["X-Total-Count"] == "1"
    assert owner_api.get("/api/audit-log", {"store": "harbor-deli"}).status_code == 404


def test_admin_sees_all_stores_and_filters(admin_api, owner_api, other_owner_api, store, other_store):
    _changes(owner_api)
    _changes(other_owner_api)

    everything = admin_api.get("/api/audit-log")
    deletes_there = admin_api.get("/api/audit-log", {"store": "harbor-deli", "action": "delete"})

    assert everything["X-Total-Count"] == "6"
    assert [(row["store"], row["actor"]) for row in deletes_there.json()] == [("harbor-deli", "oscar")]


def test_agents_and_bots_cannot_read_the_audit_log(agent_api, bot_api, store):
    assert agent_api.get("/api/audit-log").status_code == 403
    assert bot_api.get("/api/audit-log").status_code == 403


def test_a_change_that_changes_nothing_is_not_logged(owner_api, store):
    dept = save_record(actor=None, store=store, instance=Department(), data={"name": "Deli"})

    response = owner_api.put(f"/api/departments/{dept.pk}", {"name": "Deli"}, format="json")

    assert response.status_code == 200
    assert AuditEntry.objects.filter(store=store).count() == 1


def test_bad_filter_is_refused(owner_api, store):
    response = owner_api.get("/api/audit-log", {"action": "explode"})

    assert response.status_code == 400
    assert "action" in response.json()["fields"]
