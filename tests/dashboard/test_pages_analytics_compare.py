"""/analytics/: each figure beside the previous period's, the conversion and unanswered-transfer rates, the
calls behind each bar, point and slice, and Today by hour (before: this period's figures only, charts that
opened nothing, and Today as a one-point line)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest

from tests.calls.factories import freeze_now, make_call
from tests.dashboard.pages import signed_in

# 14:00 in New York (the store's zone), a Tuesday.
NOW = datetime(2025, 6, 10, 18, 0, tzinfo=dt_timezone.utc)


@pytest.fixture
def week(store, other_store, monkeypatch):
    freeze_now(monkeypatch, NOW)
    n = iter(range(1000))

    def call(ago: timedelta, status: str = "success", **fields):
        return make_call(store, f"C-{next(n)}", start_time=NOW - ago, end_time=NOW - ago + timedelta(seconds=60), duration=60, status=status, **fields)

    # This week (the last 7 days up to now): 6 calls, 2 converted, 2 transfers of which 1 unanswered.
    call(timedelta(hours=1), outcome="converted")
    call(timedelta(hours=2), outcome="Converted")
    call(timedelta(hours=3), outcome="transferred to Pharmacy", metadata={"transferTo": "Pharmacy", "dialStatus": "completed"})
    call(timedelta(days=1), "missed", outcome="Bakery did not answer", metadata={"transferTo": "Bakery", "dialStatus": "no-answer"})
    call(timedelta(days=2), "failed")
    call(timedelta(days=3))
    # The week before, up to the same point: 3 calls (one more an hour later than "now" a week ago, not counted).
    call(timedelta(days=7, hours=1), outcome="converted")
    call(timedelta(days=8), "missed")
    call(timedelta(days=9), metadata={"transferTo": "Deli", "dialStatus": "busy"})
    call(timedelta(days=7) - timedelta(hours=1))
    make_call(other_store, "THEIRS", start_time=NOW - timedelta(hours=1), status="success", outcome="converted")


def cards(response) -> dict[str, tuple]:
    return {c["key"]: (c["value"], c["previous"], c["change"], c["good"]) for c in response.context["cards"]}


def test_each_figure_stands_beside_the_previous_periods(owner, week):
    response = signed_in(owner).get("/analytics/", {"period": "7d"})
    found = cards(response)
    assert found["calls"] == (6, 3, "up", None)
    assert found["conversion_rate"] == (33.3, 33.3, "same", None)
    assert found["success_rate"] == (66.7, 66.7, "same", None)
    assert found["failure_rate"] == (16.7, 0.0, "up", False)
    assert found["missed"] == (1, 1, "same", None)
    assert found["unanswered_transfer_rate"] == (50.0, 100.0, "down", True)
    html = response.content.decode()
    assert "Conversion rate" in html and "Unanswered transfers" in html and "the 7 days before" in html


def test_a_slice_or_point_opens_exactly_the_calls_it_counts(owner, week):
    client = signed_in(owner)
    response = client.get("/analytics/", {"period": "7d"})
    links = response.context["links"]
    data = response.context["data"]
    for row in data["statusDistribution"]:
        listed = client.get(links["statuses"][row["_id"]])
        assert listed.context["total"] == row["count"], row
    for i, day in enumerate(data["dailyTrends"]):
        assert client.get(links["days"]["count"][i]).context["total"] == day["count"], day["_id"]
        assert client.get(links["days"]["failed"][i]).context["total"] == day["failed"], day["_id"]
    for i, row in enumerate(data["languageDistribution"]):
        assert client.get(links["languages"][i]).context["total"] == row["count"]
    assert links["hours"] is None  # an hour of the day over a week is no one range of calls
    html = response.content.decode()
    assert json.loads(html.split('<script id="analytics-links" type="application/json">')[1].split("</script>")[0]) == links


def test_today_is_drawn_by_hour_and_each_hour_opens_its_calls(owner, week):
    client = signed_in(owner)
    response = client.get("/analytics/", {"period": "1d"})
    assert response.context["today"] is True
    html = response.content.decode()
    assert "Today by hour" in html and 'data-by-hour="true"' in html
    hours = response.context["data"]["hourlyDistribution"]
    links = response.context["links"]["hours"]
    assert sum(row["count"] for row in hours) == 3
    for row in hours:
        assert client.get(links[row["_id"]]).context["total"] == row["count"], row
    # Today so far against yesterday until this time.
    assert cards(response)["calls"][:2] == (3, 0)


def test_analytics_with_comparison_keeps_a_fixed_query_count(admin_user, week, django_assert_max_num_queries):
    client = signed_in(admin_user)
    client.get("/analytics/")
    # session, user, stores, the analytics (up to 4), the comparison's hourly sums and edges (2), the transfers (1)
    with django_assert_max_num_queries(12):
        client.get("/analytics/", {"period": "90d"})
