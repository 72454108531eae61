"""The business data's API: each role's rights, tenancy (another store's row is a 404), validation writing nothing."""
from __future__ import annotations

from datetime import timedelta

import pytest

from calls.models import AgentProfile, Customer, QueueEntry, ScheduledCallback
from dashboard.models import BillingRecord, Subscription, SubscriptionPlan
from tests.conftest import client_for
from tests.dashboard.conftest import NOW
from voice.models import AIAgent


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return sorted(row["id"] for row in response.json())


def assert_error(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["success"] is False and body["error"] and body["message"]
    if field:
        assert field in body["fields"], body
    return body


# --- every route: tenancy, paging, both path forms -------------------------------------------------

ROUTES = {
    "subscriptions": lambda b: b["subscription"],
    "billing": lambda b: BillingRecord.objects.filter(store__slug="main-street").first(),
    "customers": lambda b: b["customers"][0],
    "callbacks": lambda b: ScheduledCallback.objects.filter(store__slug="main-street").first(),
    "queue": lambda b: QueueEntry.objects.filter(store__slug="main-street").first(),
    "ai-agents": lambda b: b["ava"],
}


# Owners only read subscriptions and billing: a write is a 403 whatever the row.
READ_ONLY_FOR_OWNERS = {"subscriptions", "billing"}


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_another_stores_row_is_a_404_for_every_verb(business, other_owner_api, route):
    row = ROUTES[route](business)

    for method in ("get", "patch", "put", "delete"):
        response = getattr(other_owner_api, method)(f"/api/{route}/{row.pk}", {}, format="json")
        assert_error(response, 403 if method != "get" and route in READ_ONLY_FOR_OWNERS else 404)
    assert type(row).objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_another_stores_row_is_a_404_for_the_admin_narrowed_to_a_store(business, admin_api, route):
    row = ROUTES[route](business)

    assert_error(admin_api.get(f"/api/{route}/{row.pk}", {"store": "harbor-deli"}), 404)


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_lists_hold_only_the_requesters_stores(business, owner_api, other_owner_api, route):
    mine, theirs = owner_api.get(f"/api/{route}"), other_owner_api.get(f"/api/{route}")

    assert set(ids(mine)).isdisjoint(ids(theirs))
    assert {row["store"] for row in mine.json()} == {"main-street"}
    assert mine["X-Total-Count"] == str(len(mine.json()))


@pytest.mark.parametrize("path", ["/api/customers", "/api/customers/", "/api/plans", "/api/plans/"])
def test_paths_answer_with_and_without_a_slash(business, owner_api, path):
    assert owner_api.get(path).status_code == 200


def test_lists_page_with_limit_and_offset(business, owner_api):
    response = owner_api.get("/api/customers", {"limit": 2, "offset": 1})

    assert len(response.json()) == 2
    assert response["X-Total-Count"] == "5"
    assert_error(owner_api.get("/api/customers", {"limit": 0}), 400, "limit")


def test_the_admin_sees_every_store_and_narrows_with_store(business, admin_api):
    assert len(ids(admin_api.get("/api/customers"))) == 6
    assert len(ids(admin_api.get("/api/customers", {"store": "harbor-deli"}))) == 1


def test_anonymous_is_401(api, business):
    assert_error(api.get("/api/customers"), 401)


# --- plans --------------------------------------------------------------------------------------


def test_everyone_reads_offered_plans_only_the_admin_changes_them(business, owner_api, agent_api, admin_api):
    SubscriptionPlan.objects.create(name="Retired", price=1, is_active=False)

    assert [p["name"] for p in owner_api.get("/api/plans").json()] == ["Basic", "Pro"]
    assert len(agent_api.get("/api/plans").json()) == 2
    assert len(admin_api.get("/api/plans").json()) == 3
    assert_error(owner_api.post("/api/plans", {"name": "Cheap", "price": "1.00"}, format="json"), 403)
    created = admin_api.post("/api/plans", {"name": "Gold", "price": "199.00", "call_minutes_limit": 5000, "agents_allowed": 5}, format="json")
    assert created.status_code == 201 and SubscriptionPlan.objects.filter(name="Gold").exists()


def test_a_plan_in_use_cannot_be_deleted(business, admin_api):
    pro = SubscriptionPlan.objects.get(name="Pro")

    assert_error(admin_api.delete(f"/api/plans/{pro.pk}"), 400, "plan")
    assert SubscriptionPlan.objects.filter(pk=pro.pk).exists()


# --- subscriptions and billing -------------------------------------------------------------------


def test_owner_reads_their_subscriptions_with_minutes_used(business, owner_api):
    rows = {row["status"]: row for row in owner_api.get("/api/subscriptions").json()}

    assert set(rows) == {"active", "cancelled"}
    assert (rows["active"]["minutes_used"], rows["active"]["minutes_limit"], rows["active"]["days_remaining"]) == (7, 8, 4)
    detail = owner_api.get(f"/api/subscriptions/{business['subscription'].pk}").json()
    assert detail["minutes_used"] == 7


def test_subscriptions_expiring_within_days(business, admin_api):
    assert [row["store"] for row in admin_api.get("/api/subscriptions", {"expiring_within_days": 7}).json()] == ["main-street"]
    assert_error(admin_api.get("/api/subscriptions", {"expiring_within_days": "soon"}), 400, "expiring_within_days")


def test_only_the_admin_writes_subscriptions_and_a_store_has_one_running(business, owner_api, admin_api, other_store):
    body = {"store": "harbor-deli", "plan": SubscriptionPlan.objects.get(name="Pro").pk, "current_period_start": "2025-07-01T00:00:00Z", "current_period_end": "2025-08-01T00:00:00Z"}

    assert_error(owner_api.post("/api/subscriptions", body, format="json"), 403)
    assert_error(admin_api.post("/api/subscriptions", body, format="json"), 400, "store")
    assert Subscription.objects.filter(store=other_store).count() == 1
    assert_error(admin_api.post("/api/subscriptions", {**body, "current_period_end": "2025-06-01T00:00:00Z", "status": "cancelled"}, format="json"), 400, "current_period_end")


def test_cancelling_a_subscription_stamps_when(business, admin_api, now):
    sub = business["subscription"]

    response = admin_api.patch(f"/api/subscriptions/{sub.pk}", {"status": "cancelled"}, format="json")

    assert response.status_code == 200
    sub.refresh_from_db()
    assert sub.status == "cancelled" and sub.cancelled_at == NOW


def test_billing_owner_reads_admin_records(business, owner_api, admin_api, now):
    assert [row["status"] for row in owner_api.get("/api/billing", {"status": "failed"}).json()] == ["failed"]
    assert_error(owner_api.get("/api/billing", {"status": "lost"}), 400, "status")
    body = {"subscription": business["subscription"].pk, "amount": "49.00", "status": "paid"}
    assert_error(owner_api.post("/api/billing", body, format="json"), 403)

    response = admin_api.post("/api/billing", body, format="json")

    assert response.status_code == 201
    record = BillingRecord.objects.get(pk=response.json()["id"])
    assert (record.store.slug, record.paid_at) == ("main-street", NOW)


# --- customers -----------------------------------------------------------------------------------


def test_owner_adds_and_changes_customers_agents_only_read(business, owner_api, agent_api, store):
    response = owner_api.post("/api/customers", {"phone": "+15557770000", "name": "Lee", "interest_level": "warm"}, format="json")

    assert response.status_code == 201
    customer = Customer.objects.get(phone="+15557770000")
    assert customer.store == store and response.json()["store"] == "main-street"
    assert owner_api.patch(f"/api/customers/{customer.pk}", {"interest_level": "converted"}, format="json").json()["interest_level"] == "converted"
    assert len(agent_api.get("/api/customers").json()) == 6
    assert_error(agent_api.post("/api/customers", {"phone": "+15557770001"}, format="json"), 403)
    assert_error(agent_api.delete(f"/api/customers/{customer.pk}"), 403)


def test_a_customers_number_is_unique_in_its_store_only(business, owner_api, other_owner_api):
    assert_error(owner_api.post("/api/customers", {"phone": "+15550000001"}, format="json"), 400, "phone")
    assert other_owner_api.post("/api/customers", {"phone": "+15550000001"}, format="json").status_code == 201
    assert_error(owner_api.post("/api/customers", {"phone": "hello"}, format="json"), 400, "phone")
    assert Customer.objects.filter(phone="+15550000001").count() == 2


def test_customer_filters(business, owner_api):
    assert len(owner_api.get("/api/customers", {"interest_level": "hot"}).json()) == 2
    assert len(owner_api.get("/api/customers", {"do_not_call": "true"}).json()) == 1
    assert [c["name"] for c in owner_api.get("/api/customers", {"q": "dan"}).json()] == ["Dana"]
    assert_error(owner_api.get("/api/customers", {"interest_level": "lukewarm"}), 400, "interest_level")


def test_an_owner_of_several_stores_names_one_when_adding(business, owner_api, owner):
    from store.models import Store

    Store.objects.create(name="Second", slug="second", owner=owner)

    assert_error(owner_api.post("/api/customers", {"phone": "+15551112222"}, format="json"), 400, "store")
    assert owner_api.post("/api/customers", {"phone": "+15551112222", "store": "second"}, format="json").status_code == 201
    assert_error(owner_api.post("/api/customers", {"phone": "+15551112223", "store": "harbor-deli"}, format="json"), 404)


# --- callbacks -------------------------------------------------------------------------------------


def test_owner_schedules_a_callback_for_their_own_customer_and_agent(business, owner_api, agent, now):
    c1, o1 = business["customers"][0], business["customers"][5]
    body = {"customer": c1.pk, "scheduled_at": "2025-07-02T15:00:00Z", "reason": "quote", "priority": "high", "assigned_agent": agent.pk}

    response = owner_api.post("/api/callbacks", body, format="json")

    assert response.status_code == 201
    assert response.json()["store"] == "main-street" and response.json()["is_overdue"] is False
    assert_error(owner_api.post("/api/callbacks", {**body, "customer": o1.pk}, format="json"), 400, "customer")


def test_a_callback_is_assigned_to_an_agent_of_its_store(business, owner_api, owner):
    body = {"customer": business["customers"][0].pk, "scheduled_at": "2025-07-02T15:00:00Z", "assigned_agent": owner.pk}

    assert_error(owner_api.post("/api/callbacks", body, format="json"), 400, "assigned_agent")
    assert ScheduledCallback.objects.count() == 6


def test_overdue_and_assigned_filters(business, owner_api, agent_api):
    overdue = owner_api.get("/api/callbacks", {"overdue": "true"}).json()

    assert [(c["customer_phone"], c["is_overdue"]) for c in overdue] == [("+15550000001", True)]
    assert len(agent_api.get("/api/callbacks", {"assigned": "me"}).json()) == 2


def test_an_agent_completes_their_callback_but_not_a_colleagues(business, agent_api, now):
    mine = ScheduledCallback.objects.get(customer__phone="+15550000001")
    colleagues = ScheduledCallback.objects.get(customer__phone="+15550000005")

    response = agent_api.patch(f"/api/callbacks/{mine.pk}", {"status": "completed", "notes": "done"}, format="json")

    assert response.status_code == 200
    mine.refresh_from_db()
    assert (mine.status, mine.completed_at) == ("completed", NOW)
    assert_error(agent_api.patch(f"/api/callbacks/{colleagues.pk}", {"status": "completed"}, format="json"), 404)
    assert_error(agent_api.delete(f"/api/callbacks/{mine.pk}"), 403)


# --- queue ----------------------------------------------------------------------------------------


def test_the_stores_bot_queues_a_caller_and_an_agent_takes_it(business, bot_api, agent_api, agent, now):
    response = bot_api.post("/api/queue", {"caller": "+15553334444", "priority": 2}, format="json")

    assert response.status_code == 201, response.content
    entry = QueueEntry.objects.get(caller="+15553334444")
    assert entry.store.slug == "main-street" and entry.enqueued_at == NOW

    taken = agent_api.patch(f"/api/queue/{entry.pk}", {"status": "assigned", "assigned_agent": agent.pk}, format="json")

    assert taken.status_code == 200
    entry.refresh_from_db()
    assert (entry.status, entry.assigned_at, entry.assigned_agent) == ("assigned", NOW, agent)
    assert_error(agent_api.delete(f"/api/queue/{entry.pk}"), 403)


def test_a_queue_entry_cannot_point_at_another_stores_call(business, owner_api):
    x1 = business["calls"]["X1"]

    assert_error(owner_api.post("/api/queue", {"call": x1.pk}, format="json"), 400, "call")


def test_waiting_queue_lists_wait_times(business, agent_api):
    rows = agent_api.get("/api/queue", {"status": "waiting"}).json()

    assert sorted(row["wait_seconds"] for row in rows) == [30, 120, 300]


# --- agent profiles -------------------------------------------------------------------------------


def test_owner_makes_a_profile_for_their_agent_not_anothers(business, owner_api, agent2, other_store):
    from callcenter.models import User

    stranger = User.objects.create_user("sid", password=None, role=User.Role.AGENT, store=other_store)

    assert owner_api.post("/api/agent-profiles", {"user": agent2.pk, "status": "busy"}, format="json").status_code == 201
    assert_error(owner_api.post("/api/agent-profiles", {"user": stranger.pk}, format="json"), 400, "user")
    assert_error(owner_api.post("/api/agent-profiles", {"user": agent2.pk}, format="json"), 400, "user")


def test_an_agent_sets_their_own_status_only(business, agent_api, agent, agent2, now):
    other = AgentProfile.objects.create(user=agent2, status="offline")
    mine = AgentProfile.objects.get(user=agent)

    response = agent_api.patch(f"/api/agent-profiles/{mine.pk}", {"status": "break", "employee_id": "HACK"}, format="json")

    assert response.status_code == 200 and response.json()["status"] == "break"
    mine.refresh_from_db()
    assert (mine.status, mine.employee_id, mine.status_changed_at) == ("break", "EMP-7", NOW)
    assert [p["id"] for p in agent_api.get("/api/agent-profiles").json()] == [mine.pk]
    assert_error(agent_api.patch(f"/api/agent-profiles/{other.pk}", {"status": "busy"}, format="json"), 404)


# --- AI agents ------------------------------------------------------------------------------------


def test_ai_agents_carry_figures_counted_from_calls(business, owner_api, agent_api):
    rows = {row["name"]: row for row in owner_api.get("/api/ai-agents").json()}

    assert rows["Ava"]["performance"]["calls_handled"] == 4 and rows["Ava"]["performance"]["successful_conversions"] == 2
    assert rows["Max"]["performance"]["calls_handled"] == 0
    assert [row["name"] for row in owner_api.get("/api/ai-agents", {"training": "incomplete"}).json()] == ["Max"]
    assert owner_api.get(f"/api/ai-agents/{business['ava'].pk}").json()["performance"]["calls_handled"] == 4
    assert len(agent_api.get("/api/ai-agents").json()) == 2


def test_owner_creates_an_ai_agent_in_their_store(business, owner_api, agent_api, store):
    body = {"name": "Zoe", "personality_type": "calm", "training_level": 30, "working_hours_start": "08:00", "working_hours_end": "20:00"}

    response = owner_api.post("/api/ai-agents", body, format="json")

    assert response.status_code == 201
    assert response.json()["performance"]["calls_handled"] == 0
    assert AIAgent.objects.get(name="Zoe").store == store
    assert_error(owner_api.post("/api/ai-agents", {**body, "training_level": 150}, format="json"), 400, "training_level")
    assert_error(agent_api.post("/api/ai-agents", body, format="json"), 403)


def test_every_list_takes_a_fixed_number_of_queries(business, owner_api, store, django_assert_max_num_queries):
    Customer.objects.bulk_create(Customer(store=store, phone=f"+1666{i:07d}", created_at=NOW - timedelta(minutes=i)) for i in range(1500))
    ScheduledCallback.objects.bulk_create(ScheduledCallback(store=store, customer=c, scheduled_at=NOW) for c in Customer.objects.filter(store=store)[:1000])
    for route in ("customers", "callbacks", "queue", "ai-agents", "subscriptions", "billing", "plans", "agent-profiles"):
        with django_assert_max_num_queries(6):
            assert owner_api.get(f"/api/{route}", {"limit": 1000}).status_code == 200


def test_a_limit_above_1000_is_read_as_1000_not_refused(owner_api, store):
    Customer.objects.bulk_create(Customer(store=store, phone=f"+1555{n:07d}") for n in range(1001))

    response = owner_api.get("/api/customers", {"limit": 1001})

    assert response.status_code == 200
    assert len(response.json()) == 1000
    assert response["X-Total-Count"] == "1001"
