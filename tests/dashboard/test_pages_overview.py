"""`/`: today's four cards, the role's figures, alerts and quick actions (the comprehensive dashboard), recent calls."""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tests.calls.factories import make_call, make_calls
from tests.dashboard.pages import signed_in


def test_today_cards_count_only_todays_calls_of_the_users_stores(owner, store, other_store):
    now = timezone.now()
    make_call(store, "T1", start_time=now - timedelta(minutes=30), status="success", duration=100, end_time=now - timedelta(minutes=28))
    make_call(store, "T2", start_time=now - timedelta(minutes=20), status="failed", duration=20, end_time=now - timedelta(minutes=19))
    make_call(store, "LIVE", start_time=now - timedelta(minutes=2), status="in-progress")
    make_call(store, "OLD", start_time=now - timedelta(days=3), status="success", duration=500)
    make_call(other_store, "X", start_time=now - timedelta(minutes=5), status="in-progress")
    response = signed_in(owner).get("/")
    cards = response.context["cards"]
    # "Today" is the store's day: a call at 00:30 New York time may be "yesterday" in UTC and vice versa.
    local_midnight = now.astimezone(store.tzinfo).replace(hour=0, minute=0, second=0, microsecond=0)
    expected_today = sum(1 for minutes in (30, 20, 2) if now - timedelta(minutes=minutes) >= local_midnight)
    assert cards["calls_today"] == expected_today
    assert cards["live_now"] == 1
    html = response.content.decode()
    assert "Main Street Market" in html and "Harbor Deli" not in html
    assert [call.call_id for call in response.context["recent"]] == ["LIVE", "T2", "T1", "OLD"]


def test_each_role_gets_its_own_figures_alerts_and_actions(owner, store, agent, admin_user):
    owner_page = signed_in(owner).get("/")
    assert owner_page.context["board"]["dashboard_type"] == "user_comprehensive"
    assert "Customers" in [label for label, _ in owner_page.context["figures"]]
    assert any(alert["id"] == "no_subscription" for alert in owner_page.context["alerts"])
    # API links with a page of their own lead to the page.
    urls = {action["id"]: action["url"] for action in owner_page.context["actions"]}
    assert urls["call_history"] == "/calls/"

    agent_page = signed_in(agent).get("/")
    assert agent_page.context["board"]["dashboard_type"] == "agent_comprehensive"
    assert "My queue" in [label for label, _ in agent_page.context["figures"]]
    assert {action["id"]: action["url"] for action in agent_page.context["actions"]}["live_calls"] == "/live/"

    admin_page = signed_in(admin_user).get("/")
    assert admin_page.context["board"]["dashboard_type"] == "admin_comprehensive"
    assert {action["id"]: action["url"] for action in admin_page.context["actions"]}["view_all_users"] == "/settings/users/"


def test_picking_a_store_narrows_the_admins_overview_and_is_remembered(admin_user, store, other_store):
    make_calls(store, 2)
    make_calls(other_store, 3)
    client = signed_in(admin_user)
    assert len(client.get("/").context["recent"]) == 5
    assert {c.store_id for c in client.get("/?store=harbor-deli").context["recent"]} == {other_store.pk}
    assert {c.store_id for c in client.get("/calls/").context["calls"]} == {other_store.pk}
    assert len(client.get("/?store=").context["recent"]) == 5


def test_overview_query_count_does_not_grow_with_calls(owner, store, django_assert_max_num_queries):
    make_calls(store, 400, statuses=("success", "failed", "in-progress"), start=timezone.now() - timedelta(minutes=1))
    client = signed_in(owner)
    client.get("/")
    with django_assert_max_num_queries(30):
        response = client.get("/")
    assert response.context["cards"]["live_now"] > 0
