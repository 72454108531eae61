"""Another store's calls: 404 by id or callId on every verb, absent from every list, count and export."""
from __future__ import annotations

import csv
import io
from datetime import datetime
from datetime import timezone as dt_timezone

import pytest

from calls.models import Call, TranscriptEntry
from tests.calls.factories import add_entries, freeze_now, make_call, make_calls

NOT_FOUND = {"success": False, "error": "not_found", "message": "Call log not found", "fields": {}}
STORE_NOT_FOUND = {"success": False, "error": "not_found", "message": "Store not found", "fields": {}}
MINE = ["main-street-00000", "main-street-00001", "main-street-00002"]
THEIRS = ["harbor-deli-00000", "harbor-deli-00001", "harbor-deli-00002", "harbor-deli-00003"]


@pytest.fixture
def calls(store, other_store, monkeypatch) -> None:
    """Main Street: 3 calls, 2 live. Harbor Deli: 4 calls, 3 live. Both on 10 June 2025."""
    freeze_now(monkeypatch, datetime(2025, 6, 11, 12, tzinfo=dt_timezone.utc))
    make_calls(store, 3, statuses=("in-progress", "success", "ringing"))
    make_calls(other_store, 4, statuses=("in-progress", "queued", "ringing", "failed"))


@pytest.fixture
def foreign(other_store) -> Call:
    """A live Harbor Deli call with a line of transcript."""
    call = make_call(other_store, "harbor-live", status="in-progress", outcome="")
    add_entries(call, [("User", "private words")])
    return Call.objects.get(pk=call.pk)


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["callId"] for row in response.json()["data"]]


def export_ids(response) -> list[str]:
    assert response.status_code == 200
    return [row[0] for row in list(csv.reader(io.StringIO(b"".join(response).decode())))[1:]]


# --- one foreign call, every verb -----------------------------------------------------------

ACTIONS = {
    "get": ("get", "/api/calls/{ref}", None),
    "patch": ("patch", "/api/calls/{ref}", {"status": "success", "outcome": "taken over"}),
    "delete": ("delete", "/api/calls/{ref}", None),
    "terminate": ("post", "/api/calls/{ref}/terminate", None),
    "transcript": ("patch", "/api/calls/{ref}/transcript", {"transcript": "Intruder: hello\n"}),
}
# (client, action, status): a role that may not use the verb at all is refused before any lookup.
CASES = [
    *[("owner_api", action, 404) for action in ACTIONS],
    ("agent_api", "get", 404),
    ("agent_api", "patch", 404),
    ("agent_api", "delete", 403),
    ("agent_api", "terminate", 404),
    ("agent_api", "transcript", 404),
    ("bot_api", "patch", 404),
    ("bot_api", "transcript", 404),
    ("bot_api", "get", 403),
    ("bot_api", "delete", 403),
    ("bot_api", "terminate", 403),
]


@pytest.mark.parametrize("by", ["pk", "callId"])
@pytest.mark.parametrize(("client_name", "action", "expected"), CASES)
def test_foreign_call_is_not_found_and_left_untouched(request, foreign, client_name, action, expected, by):
    client = request.getfixturevalue(client_name)
    method, path, body = ACTIONS[action]
    ref = foreign.pk if by == "pk" else foreign.call_id

    response = getattr(client, method)(path.format(ref=ref), body, format="json")

    assert response.status_code == expected
    if expected == 404:
        assert response.json() == NOT_FOUND
    else:
        assert response.json()["error"] == "permission_denied"
    after = Call.objects.get(pk=foreign.pk)
    assert (after.status, after.outcome, after.end_time, after.transcript_entry_count) == ("in-progress", "", None, 1)
    assert list(TranscriptEntry.objects.filter(call=foreign).values_list("text", flat=True)) == ["private words"]


@pytest.mark.parametrize(("client_name", "action"), [(c, a) for c, a, status in CASES if status == 404])
def test_foreign_call_is_not_found_with_a_trailing_slash_either(request, foreign, client_name, action):
    method, path, body = ACTIONS[action]

    response = getattr(request.getfixturevalue(client_name), method)(path.format(ref=foreign.pk) + "/", body, format="json")

    assert response.status_code == 404
    assert Call.objects.get(pk=foreign.pk).status == "in-progress"


def test_admin_reads_and_ends_any_store_call(admin_api, foreign):
    assert admin_api.get(f"/api/calls/{foreign.call_id}").json()["data"]["transcript"] == "User: private words\n"

    response = admin_api.post(f"/api/calls/{foreign.pk}/terminate")

    assert response.status_code == 200
    assert Call.objects.get(pk=foreign.pk).status == "terminated"


def test_shared_call_id_resolves_to_the_requester_own_store(owner_api, other_owner_api, store, other_store):
    mine = make_call(store, "SHARED-1", status="in-progress")
    theirs = make_call(other_store, "SHARED-1", status="in-progress")

    got = owner_api.get("/api/calls/SHARED-1")
    patched = owner_api.patch("/api/calls/SHARED-1", {"outcome": "mine"}, format="json")
    deleted = other_owner_api.delete("/api/calls/SHARED-1")

    assert (got.status_code, got.json()["data"]["id"], got.json()["data"]["store"]) == (200, mine.pk, "main-street")
    assert (patched.status_code, patched.json()["data"]["id"]) == (200, mine.pk)
    assert deleted.status_code == 200
    assert Call.objects.get(pk=mine.pk).outcome == "mine"
    assert not Call.objects.filter(pk=theirs.pk).exists()


# --- lists, counts and exports --------------------------------------------------------------


@pytest.mark.parametrize(
    ("client_name", "expected"),
    [("owner_api", MINE), ("agent_api", MINE), ("other_owner_api", THEIRS), ("admin_api", None)],
)
def test_list_shows_only_the_requester_stores(request, calls, client_name, expected):
    response = request.getfixturevalue(client_name).get("/api/calls", {"limit": 100})

    if expected is None:  # the admin: both stores
        assert sorted(ids(response)) == sorted(MINE + THEIRS)
    else:
        assert sorted(ids(response)) == expected
    assert response.json()["pagination"]["total"] == len(expected or MINE + THEIRS)


def test_searching_for_a_foreign_call_finds_nothing(owner_api, agent_api, calls):
    for client in (owner_api, agent_api):
        response = client.get("/api/calls", {"search": "harbor"})
        assert (ids(response), response.json()["pagination"]["total"]) == ([], 0)
        assert ids(client.get("/api/calls", {"receiver": "+1800002" + "0000"})) == []


@pytest.mark.parametrize("path", ["/api/calls", "/api/calls/stats", "/api/calls/analytics", "/api/calls/active", "/api/calls/export"])
@pytest.mark.parametrize("client_name", ["owner_api", "agent_api"])
def test_naming_a_foreign_store_is_404(request, calls, path, client_name):
    response = request.getfixturevalue(client_name).get(path, {"store": "harbor-deli"})

    assert response.status_code == 404
    assert response.json() == STORE_NOT_FOUND


def test_admin_narrows_to_one_store_by_slug(admin_api, calls):
    assert sorted(ids(admin_api.get("/api/calls", {"store": "harbor-deli"}))) == THEIRS
    assert sorted(ids(admin_api.get("/api/calls/active", {"store": "main-street"}))) == ["main-street-00000", "main-street-00002"]
    assert admin_api.get("/api/calls/stats", {"store": "harbor-deli"}).json()["data"]["totalCalls"] == 4
    assert sorted(export_ids(admin_api.get("/api/calls/export", {"store": "harbor-deli"}))) == THEIRS


@pytest.mark.parametrize(
    ("client_name", "total", "live", "failed"),
    [("owner_api", 3, 2, 0), ("agent_api", 3, 2, 0), ("other_owner_api", 4, 3, 1), ("admin_api", 7, 5, 1)],
)
def test_stats_and_analytics_count_only_visible_calls(request, calls, client_name, total, live, failed):
    client = request.getfixturevalue(client_name)

    stats = client.get("/api/calls/stats", {"startDate": "2025-06-01", "endDate": "2025-06-11"}).json()["data"]
    analytics = client.get("/api/calls/analytics", {"period": "7d"}).json()["data"]

    assert (stats["totalCalls"], stats["activeCalls"], stats["failedCalls"]) == (total, live, failed)
    assert sum(row["count"] for row in stats["dailyTrends"]) == total
    assert (analytics["totalStats"]["totalCalls"], analytics["totalStats"]["activeCalls"]) == (total, live)
    assert sum(row["count"] for row in analytics["hourlyDistribution"]) == total
    assert sum(row["count"] for row in analytics["statusDistribution"]) == total
    assert sum(row["count"] for row in analytics["languageDistribution"]) == total


@pytest.mark.parametrize(
    ("client_name", "expected"),
    [
        ("owner_api", ["main-street-00000", "main-street-00002"]),
        ("agent_api", ["main-street-00000", "main-street-00002"]),
        ("other_owner_api", ["harbor-deli-00000", "harbor-deli-00001", "harbor-deli-00002"]),
        ("admin_api", ["harbor-deli-00000", "harbor-deli-00001", "harbor-deli-00002", "main-street-00000", "main-street-00002"]),
    ],
)
def test_active_shows_only_visible_live_calls(request, calls, client_name, expected):
    assert sorted(ids(request.getfixturevalue(client_name).get("/api/calls/active"))) == expected


@pytest.mark.parametrize(
    ("client_name", "expected"),
    [("owner_api", MINE), ("agent_api", MINE), ("other_owner_api", THEIRS), ("admin_api", sorted(MINE + THEIRS))],
)
def test_export_holds_only_visible_calls(request, calls, client_name, expected):
    assert sorted(export_ids(request.getfixturevalue(client_name).get("/api/calls/export"))) == expected


def test_agent_of_another_store_sees_only_that_store(calls, other_store):
    from callcenter.models import User
    from tests.conftest import client_for

    harbor_agent = User.objects.create_user("hana", "hana@example.com", "agent-pass-456", role=User.Role.AGENT, store=other_store)
    client = client_for(harbor_agent)

    assert sorted(ids(client.get("/api/calls", {"limit": 100}))) == THEIRS
    assert client.get("/api/calls/main-street-00000").status_code == 404
    assert client.get("/api/calls/stats", {"startDate": "2025-06-01"}).json()["data"]["totalCalls"] == 4


def test_person_without_a_store_sees_no_call(calls):
    from callcenter.models import User
    from tests.conftest import client_for

    storeless_agent = User.objects.create_user("sam", "sam@example.com", "agent-pass-789", role=User.Role.AGENT)
    client = client_for(storeless_agent)

    assert ids(client.get("/api/calls")) == []
    assert client.get("/api/calls/main-street-00000").status_code == 404
    assert client.get("/api/calls/stats").json()["data"]["totalCalls"] == 0
    assert export_ids(client.get("/api/calls/export")) == []
