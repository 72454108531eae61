"""/live/ (drawn by static/js/live.js from /ws/calls/) and /analytics/ (GET /api/calls/analytics's figures, charted)."""
from __future__ import annotations

import json
from datetime import datetime
from datetime import timezone as dt_timezone

from tests.calls.factories import freeze_now, make_calls
from tests.dashboard.pages import signed_in


def test_the_live_page_loads_its_script_and_names_the_picked_store(owner, store):
    response = signed_in(owner).get("/live/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'src="/static/js/live.js"' in html
    assert 'data-store="main-street"' in html
    assert 'id="terminate-dialog"' in html


def test_analytics_embeds_the_apis_figures_for_the_period(owner, store, other_store, monkeypatch):
    freeze_now(monkeypatch, datetime(2025, 6, 10, 18, 0, tzinfo=dt_timezone.utc))
    make_calls(store, 10, statuses=("success", "failed"), languages=("en", "hi"))
    make_calls(other_store, 7)
    client = signed_in(owner)
    response = client.get("/analytics/", {"period": "30d"})
    html = response.content.decode()
    data = json.loads(html.split('<script id="analytics-data" type="application/json">')[1].split("</script>")[0])
    api = client.get("/api/calls/analytics", {"period": "30d"}).json()["data"]
    assert data == api
    assert data["totalStats"]["totalCalls"] == 10 and data["timezone"] == "America/New_York"
    assert len(data["dailyTrends"]) == 30 and len(data["hourlyDistribution"]) == 24
    assert "vendor/chart.js-4.6.1/chart.umd.js" in html
    # The same figures as tables, for screen readers.
    assert "<caption>Calls per day</caption>" in html


def test_an_unknown_period_falls_back_to_a_week(owner, store):
    response = signed_in(owner).get("/analytics/", {"period": "5y"})
    assert response.context["period"] == "7d" and len(response.context["data"]["dailyTrends"]) == 7


def test_analytics_query_count_is_fixed(admin_user, store, other_store, django_assert_max_num_queries):
    make_calls(store, 200, statuses=("success", "failed", "missed"))
    make_calls(other_store, 200)
    client = signed_in(admin_user)
    client.get("/analytics/")
    with django_assert_max_num_queries(10):
        client.get("/analytics/", {"period": "90d"})
