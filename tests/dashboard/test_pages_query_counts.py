"""The business pages' query counts with thousands of rows, for the views the per-page tests do not pin: an admin
on All stores (rows of several stores, each naming its store), a customer with thousands of calls and callbacks,
an agent's queue panel. Each is the same at 3,000 rows as at 30: no query per row."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from calls.models import AgentProfile, Call, Customer, QueueEntry, ScheduledCallback
from tests.calls.factories import make_calls
from tests.dashboard.pages import signed_in


def fill(stores, rows: int, agent) -> Customer:
    now = timezone.now()
    first = None
    for s, store in enumerate(stores):
        customers = Customer.objects.bulk_create(Customer(store=store, phone=f"+1555{s}{i:06d}", name=f"C{s}-{i}") for i in range(rows))
        first = first or customers[0]
        ScheduledCallback.objects.bulk_create(
            ScheduledCallback(store=store, customer=customers[i % rows], scheduled_at=now + timedelta(minutes=i - rows // 2),
                              assigned_agent=agent if (i % 2 and s == 0) else None)
            for i in range(rows)
        )  # fmt: skip
        QueueEntry.objects.bulk_create(QueueEntry(store=store, caller=f"+1555{s}{i:06d}", enqueued_at=now - timedelta(seconds=i)) for i in range(rows))
    return first


@pytest.mark.parametrize("rows", [30, 3000])
@pytest.mark.parametrize(
    ("path", "queries"),
    # Each: session, user, the picked store, ..., the picker's stores, and the pick remembered (savepoint, UPDATE, release).
    [
        # + count, page of rows (store, customer and agent joined)
        ("/callbacks/?store=", 9),
        ("/callbacks/?store=&overdue=true&priority=medium", 9),
        # + count, page of rows (store joined)
        ("/customers/?store=&q=555", 9),
        # + waiting callers, their stores' service levels, agents, the agents' callers
        ("/live/?store=", 11),
    ],
)
def test_an_admin_on_all_stores(admin_user, store, other_store, agent, django_assert_num_queries, rows, path, queries):
    fill([store, other_store], rows, agent)
    AgentProfile.objects.create(user=agent, status="available")
    client = signed_in(admin_user)
    client.get(path)
    with django_assert_num_queries(queries):
        response = client.get(path)
    assert response.status_code == 200
    assert response.context["show_store"]


@pytest.mark.parametrize("rows", [30, 3000])
def test_a_customer_with_thousands_of_calls_and_callbacks(owner, store, agent, django_assert_num_queries, rows):
    customer = fill([store], rows, agent)
    calls = make_calls(store, rows, prefix="MINE-")
    Call.objects.filter(pk__in=[c.pk for c in calls]).update(caller=customer.phone)
    client = signed_in(owner)
    client.get(f"/customers/{customer.pk}/")
    # Nine whatever the history: session, user, the customer, the store pick and picker, the calls' count,
    # the latest calls, the callbacks (agent joined), and the rest of the page's frame.
    with django_assert_num_queries(9):
        response = client.get(f"/customers/{customer.pk}/")
    assert response.context["call_count"] == rows


@pytest.mark.parametrize("rows", [30, 3000])
def test_an_agents_queue_panel(agent, store, other_store, django_assert_num_queries, rows):
    fill([store, other_store], rows, agent)
    AgentProfile.objects.create(user=agent, status="available")
    client = signed_in(agent)
    client.get("/live/")
    # session, user, their store, waiting callers, their store's level, the visible stores, agents, the agents' callers, the picker
    with django_assert_num_queries(9):
        response = client.get("/live/")
    assert len(response.context["waiting"]) == min(rows, 50)
    assert {row["entry"].store_id for row in response.context["waiting"]} == {store.pk}
