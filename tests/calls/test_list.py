"""GET /api/calls (filters, sort, pages, errors), GET /api/calls/<id or callId> and GET /api/calls/active."""
from __future__ import annotations

from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest

from calls.models import Call
from tests.calls.factories import BASE_TIME, add_entries, make_call, make_calls

UTC = dt_timezone.utc


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def z(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def call_ids(response) -> list[str]:
    return [row["callId"] for row in response.json()["data"]]


def assert_validation_error(response, field: str) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"success", "error", "message", "fields"}
    assert body["success"] is False
    assert body["error"] == "validation_error"
    assert list(body["fields"]) == [field]
    assert body["fields"][field] and all(isinstance(m, str) and m for m in body["fields"][field])
    assert body["message"].startswith(f"{field}: ")


# --- the envelope ---------------------------------------------------------------------------


def test_list_answers_envelope_with_every_call_field(owner_api, store):
    make_call(
        store,
        "CA-envelope",
        type="outbound",
        caller="+15551230000",
        receiver="+18005550006",
        start_time=utc(2025, 6, 10, 14, 0),
        end_time=utc(2025, 6, 10, 14, 5),
        status="success",
        language="hi",
        duration=300,
        interruption_count=2,
        satisfaction="positive",
        audio_file="https://example.com/rec.mp3",
        metadata={"userAgent": "bot/1.0", "location": "NYC"},
        outcome="resolved",
    )
    call = Call.objects.get(call_id="CA-envelope")

    response = owner_api.get("/api/calls")

    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "data": [
            {
                "_id": str(call.pk),
                "id": call.pk,
                "callId": "CA-envelope",
                "store": "main-street",
                "type": "outbound",
                "caller": "+15551230000",
                "receiver": "+18005550006",
                "startTime": "2025-06-10T14:00:00Z",
                "endTime": "2025-06-10T14:05:00Z",
                "status": "success",
                "language": "hi",
                "duration": 300,
                "interruptionCount": 2,
                "satisfaction": "positive",
                "audioFile": "https://example.com/rec.mp3",
                "metadata": {"userAgent": "bot/1.0", "location": "NYC"},
                "outcome": "resolved",
                "transcriptEntryCount": 0,
                "createdAt": z(call.created_at),
                "updatedAt": z(call.updated_at),
            }
        ],
        "pagination": {"current": 1, "pages": 1, "total": 1, "limit": 20},
    }


def test_list_of_no_calls_is_empty_with_zero_pages(owner_api, store):
    response = owner_api.get("/api/calls")

    assert response.status_code == 200
    assert response.json() == {"success": True, "data": [], "pagination": {"current": 1, "pages": 0, "total": 0, "limit": 20}}


def test_list_answers_the_same_with_a_trailing_slash(owner_api, store):
    make_calls(store, 3)

    bare, slashed = owner_api.get("/api/calls", {"limit": 2}), owner_api.get("/api/calls/", {"limit": 2})

    assert bare.status_code == slashed.status_code == 200
    assert bare.json() == slashed.json()
    assert call_ids(slashed) == ["main-street-00000", "main-street-00001"]


def test_list_needs_authentication(api, store):
    make_calls(store, 1)

    response = api.get("/api/calls")

    assert response.status_code == 401
    assert response.json() == {
        "success": False,
        "error": "not_authenticated",
        "message": "Authentication credentials were not provided.",
        "fields": {},
    }


def test_bot_key_may_not_read_the_list(bot_api, store):
    make_calls(store, 1)

    response = bot_api.get("/api/calls/")

    assert response.status_code == 403
    assert response.json() == {"success": False, "error": "permission_denied", "message": "Your role may not do this.", "fields": {}}


@pytest.mark.parametrize("client_name", ["admin_api", "owner_api", "agent_api"])
def test_every_staff_role_reads_the_list(request, client_name, store):
    make_calls(store, 2)

    response = request.getfixturevalue(client_name).get("/api/calls")

    assert response.status_code == 200
    assert call_ids(response) == ["main-street-00000", "main-street-00001"]


# --- filters --------------------------------------------------------------------------------


@pytest.fixture
def three_calls(store) -> None:
    """alpha (newest), beta, gamma (oldest): every filterable field differs somewhere."""
    make_call(store, "CA-alpha", type="inbound", status="success", language="en", caller="+15551110000",
              receiver="+18005550006", start_time=utc(2025, 6, 10, 15))  # fmt: skip
    make_call(store, "bot-beta-7", type="outbound", status="failed", language="hi", caller="+15552220000",
              receiver="+18005550007", start_time=utc(2025, 6, 10, 14))  # fmt: skip
    make_call(store, "CA-gamma", type="inbound", status="in-progress", language="mixed", caller="+442071234567",
              receiver="+18005550006", start_time=utc(2025, 6, 10, 13))  # fmt: skip


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["CA-alpha", "bot-beta-7", "CA-gamma"]),
        ({"type": "outbound"}, ["bot-beta-7"]),
        ({"type": "inbound"}, ["CA-alpha", "CA-gamma"]),
        ({"status": "failed"}, ["bot-beta-7"]),
        ({"status": "in-progress"}, ["CA-gamma"]),
        ({"status": "missed"}, []),
        ({"language": "mixed"}, ["CA-gamma"]),
        ({"language": "hi"}, ["bot-beta-7"]),
        ({"caller": "+15551110000"}, ["CA-alpha"]),
        ({"caller": "+1555"}, []),  # caller is an exact match; search finds parts
        ({"receiver": "+18005550006"}, ["CA-alpha", "CA-gamma"]),
        ({"search": "2220"}, ["bot-beta-7"]),  # part of the caller
        ({"search": "+44"}, ["CA-gamma"]),
        ({"search": "5550007"}, ["bot-beta-7"]),  # part of the receiver
        ({"search": "+1800555000"}, ["CA-alpha", "bot-beta-7", "CA-gamma"]),
        ({"search": "gamma"}, ["CA-gamma"]),  # part of the callId
        ({"search": "GAMMA"}, ["CA-gamma"]),
        ({"search": "CA-"}, ["CA-alpha", "CA-gamma"]),
        ({"search": "beta-7"}, ["bot-beta-7"]),
        ({"search": "nothing-like-it"}, []),
        ({"type": "inbound", "status": "success"}, ["CA-alpha"]),
        ({"type": "inbound", "language": "hi"}, []),
        ({"search": "CA-", "receiver": "+18005550006", "status": "in-progress"}, ["CA-gamma"]),
    ],
)
def test_list_filters(owner_api, three_calls, params, expected):
    response = owner_api.get("/api/calls", params)

    assert response.status_code == 200
    assert call_ids(response) == expected
    assert response.json()["pagination"]["total"] == len(expected)


def test_empty_filter_parameters_count_as_absent(owner_api, three_calls):
    # A history page's form sends every field, the unset ones empty.
    params = {k: "" for k in ("type", "status", "language", "caller", "receiver", "search", "startDate", "endDate", "sortBy", "sortOrder")}

    response = owner_api.get("/api/calls", params)

    assert response.status_code == 200, response.content
    assert call_ids(response) == ["CA-alpha", "bot-beta-7", "CA-gamma"]


@pytest.fixture
def day_edges(store) -> None:
    """Calls either side of both edges of 10 June 2025 in New York (UTC-4 in June)."""
    make_call(store, "before", start_time=utc(2025, 6, 10, 3, 59, 59))  # 9 June 23:59:59 in New York
    make_call(store, "first", start_time=utc(2025, 6, 10, 4, 0, 0))  # 10 June 00:00:00
    make_call(store, "last", start_time=utc(2025, 6, 11, 3, 59, 59))  # 10 June 23:59:59
    make_call(store, "after", start_time=utc(2025, 6, 11, 4, 0, 0))  # 11 June 00:00:00


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"startDate": "2025-06-10"}, ["after", "last", "first"]),
        ({"endDate": "2025-06-10"}, ["last", "first", "before"]),  # a bare end date includes its whole day
        ({"startDate": "2025-06-10", "endDate": "2025-06-10"}, ["last", "first"]),
        ({"startDate": "2025-06-09", "endDate": "2025-06-11"}, ["after", "last", "first", "before"]),
        ({"startDate": "2025-06-11", "endDate": "2025-06-11"}, ["after"]),
        ({"startDate": "2025-06-10T12:00:00Z"}, ["after", "last"]),
        ({"startDate": "2025-06-11T03:59:59+00:00"}, ["after", "last"]),
        ({"startDate": "2025-06-10T23:59:59"}, ["after", "last"]),  # no offset: New York time
        ({"endDate": "2025-06-10T04:00:00Z"}, ["first", "before"]),
        ({"endDate": "2025-06-10T00:00:00"}, ["first", "before"]),  # no offset: New York time
        ({"endDate": "2025-06-10T00:00:00-04:00"}, ["first", "before"]),
        ({"startDate": "2025-06-10T05:00:00+01:00", "endDate": "2025-06-11T04:00:00.000Z"}, ["after", "last", "first"]),
    ],
)
def test_list_date_range_in_the_store_time_zone(owner_api, day_edges, params, expected):
    response = owner_api.get("/api/calls", params)

    assert response.status_code == 200, response.content
    assert call_ids(response) == expected


def test_bare_date_is_a_day_in_each_store_own_time_zone(other_owner_api, other_store):
    # London is UTC+1 in June: 23:30 UTC on 9 June is already 10 June there.
    make_call(other_store, "london-late", start_time=utc(2025, 6, 9, 23, 30))
    make_call(other_store, "london-early", start_time=utc(2025, 6, 9, 22, 59))

    response = other_owner_api.get("/api/calls", {"startDate": "2025-06-10", "endDate": "2025-06-10"})

    assert response.status_code == 200
    assert call_ids(response) == ["london-late"]


def test_the_widest_date_range_holds_every_call(owner_api, day_edges):
    response = owner_api.get("/api/calls", {"startDate": "1970-01-01", "endDate": "2099-12-31"})

    assert response.status_code == 200
    assert call_ids(response) == ["after", "last", "first", "before"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "done"}, "status"),
        ({"status": "IN-PROGRESS"}, "status"),
        ({"type": "sideways"}, "type"),
        ({"language": "not a language"}, "language"),
        ({"startDate": "yesterday"}, "startDate"),
        ({"startDate": "2025-02-30"}, "startDate"),
        ({"startDate": "2025-06-10T25:00:00"}, "startDate"),
        ({"endDate": "10/06/2025"}, "endDate"),
        ({"startDate": "2025-06-11", "endDate": "2025-06-10"}, "endDate"),
        ({"startDate": "2025-06-10T12:00:00Z", "endDate": "2025-06-10T11:59:59Z"}, "endDate"),
        ({"startDate": "0001-01-01"}, "startDate"),  # year 1 and 9999 overflowed into a 500
        ({"endDate": "9999-12-31"}, "endDate"),
        ({"startDate": "9999-12-31T23:00:00"}, "startDate"),
        ({"endDate": "1969-12-31T23:59:59Z"}, "endDate"),
        ({"limit": "0"}, "limit"),
        ({"limit": "-5"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
        ({"page": "99999999999999999999"}, "page"),  # its OFFSET overflowed the database's integer: a 500
        ({"page": "10000001"}, "page"),
        ({"sortBy": "callerId"}, "sortBy"),
        ({"sortBy": "start_time"}, "sortBy"),
        ({"sortOrder": "up"}, "sortOrder"),
    ],
)
def test_list_rejects_bad_parameters_naming_the_field(owner_api, three_calls, params, field):
    assert_validation_error(owner_api.get("/api/calls", params), field)


def test_bad_parameter_message_is_one_sentence_about_it(owner_api, store):
    response = owner_api.get("/api/calls", {"status": "done"})

    assert response.status_code == 400
    assert response.json() == {
        "success": False,
        "error": "validation_error",
        "message": 'status: "done" is not a valid choice.',
        "fields": {"status": ['"done" is not a valid choice.']},
    }


# --- pages ----------------------------------------------------------------------------------


@pytest.fixture
def forty_five(store) -> None:
    make_calls(store, 45)  # main-street-00000 is the newest


@pytest.mark.parametrize(
    ("params", "first", "count", "pagination"),
    [
        ({}, 0, 20, {"current": 1, "pages": 3, "total": 45, "limit": 20}),
        ({"page": 2}, 20, 20, {"current": 2, "pages": 3, "total": 45, "limit": 20}),
        ({"page": 3}, 40, 5, {"current": 3, "pages": 3, "total": 45, "limit": 20}),
        ({"page": 4}, 45, 0, {"current": 4, "pages": 3, "total": 45, "limit": 20}),
        ({"limit": 10, "page": 5}, 40, 5, {"current": 5, "pages": 5, "total": 45, "limit": 10}),
        ({"limit": 1, "page": 45}, 44, 1, {"current": 45, "pages": 45, "total": 45, "limit": 1}),
        ({"limit": 100}, 0, 45, {"current": 1, "pages": 1, "total": 45, "limit": 100}),
        ({"limit": 45}, 0, 45, {"current": 1, "pages": 1, "total": 45, "limit": 45}),
        ({"limit": 100, "page": 10_000_000}, 45, 0, {"current": 10_000_000, "pages": 1, "total": 45, "limit": 100}),
    ],
)
def test_list_pages(owner_api, forty_five, params, first, count, pagination):
    response = owner_api.get("/api/calls", params)

    assert response.status_code == 200
    assert call_ids(response) == [f"main-street-{i:05d}" for i in range(first, first + count)]
    assert response.json()["pagination"] == pagination


def test_limit_100_is_the_most_one_page_holds(owner_api, store):
    make_calls(store, 150)

    first, second = owner_api.get("/api/calls", {"limit": 100}), owner_api.get("/api/calls", {"limit": 100, "page": 2})

    assert first.status_code == second.status_code == 200
    assert call_ids(first) == [f"main-street-{i:05d}" for i in range(100)]
    assert call_ids(second) == [f"main-street-{i:05d}" for i in range(100, 150)]
    assert second.json()["pagination"] == {"current": 2, "pages": 2, "total": 150, "limit": 100}


@pytest.mark.parametrize("limit", ["101", "1000", "99999999999999999999"])
def test_a_limit_above_100_is_read_as_100_not_refused(owner_api, store, limit):
    make_calls(store, 150)

    # The original dashboard's client asks for `limit=1000` and pages by what `pagination` says.
    response = owner_api.get("/api/calls", {"limit": limit})

    assert response.status_code == 200
    assert call_ids(response) == [f"main-street-{i:05d}" for i in range(100)]
    assert response.json()["pagination"] == {"current": 1, "pages": 2, "total": 150, "limit": 100}


def test_pages_keep_a_stable_order_when_start_times_tie(owner_api, store):
    make_calls(store, 7, step=timedelta(0))  # all start at the same moment
    pks = list(Call.objects.order_by("-id").values_list("call_id", flat=True))

    pages = [call_ids(owner_api.get("/api/calls", {"limit": 3, "page": page})) for page in (1, 2, 3)]

    assert pages == [pks[0:3], pks[3:6], pks[6:7]]


# --- sort -----------------------------------------------------------------------------------


@pytest.fixture
def sortable(store) -> None:
    """Each sort field puts X, Y and Z in a different order; Y is live and has no end time yet."""
    make_call(store, "X", start_time=utc(2025, 6, 10, 10), end_time=utc(2025, 6, 10, 10, 5), duration=300,
              status="success", caller="+15550000002", receiver="+18000000001")  # fmt: skip
    make_call(store, "Y", start_time=utc(2025, 6, 10, 11), end_time=None, duration=0,
              status="in-progress", caller="+15550000003", receiver="+18000000003")  # fmt: skip
    make_call(store, "Z", start_time=utc(2025, 6, 10, 9), end_time=utc(2025, 6, 10, 10, 30), duration=5400,
              status="failed", caller="+15550000001", receiver="+18000000002")  # fmt: skip
    for call_id, created in (("Y", utc(2025, 6, 10, 11)), ("Z", utc(2025, 6, 10, 12)), ("X", utc(2025, 6, 10, 13))):
        Call.objects.filter(call_id=call_id).update(created_at=created)


@pytest.mark.parametrize(
    ("sort_by", "ascending"),
    [
        ("startTime", ["Z", "X", "Y"]),
        ("endTime", ["X", "Z", "Y"]),  # a call that has not ended sorts after every end time
        ("duration", ["Y", "X", "Z"]),
        ("createdAt", ["Y", "Z", "X"]),
        ("status", ["Z", "Y", "X"]),  # failed, in-progress, success
        ("caller", ["Z", "X", "Y"]),
        ("receiver", ["X", "Z", "Y"]),
    ],
)
def test_list_sorts_by_each_allowed_field_both_ways(owner_api, sortable, sort_by, ascending):
    asc = owner_api.get("/api/calls", {"sortBy": sort_by, "sortOrder": "asc"})
    desc = owner_api.get("/api/calls", {"sortBy": sort_by, "sortOrder": "desc"})
    default_order = owner_api.get("/api/calls", {"sortBy": sort_by})

    assert asc.status_code == desc.status_code == default_order.status_code == 200
    assert call_ids(asc) == ascending
    assert call_ids(desc) == ascending[::-1]
    assert call_ids(default_order) == ascending[::-1]


def test_list_is_newest_first_by_default(owner_api, sortable):
    response = owner_api.get("/api/calls", {"sortOrder": "asc"})

    assert call_ids(response) == ["Z", "X", "Y"]
    assert call_ids(owner_api.get("/api/calls")) == ["Y", "X", "Z"]


# --- one call -------------------------------------------------------------------------------


@pytest.fixture
def talked(store) -> Call:
    call = make_call(store, "CA-talk", status="success", start_time=utc(2025, 6, 10, 14), end_time=utc(2025, 6, 10, 14, 2),
                     duration=120, caller="+15551230000", language="mixed")  # fmt: skip
    add_entries(call, [("User", "Hello"), ("Bot", "Hi there! How can I help?"), ("", "(caller hung up)")], at=utc(2025, 6, 10, 14))
    return Call.objects.get(pk=call.pk)


@pytest.mark.parametrize("ref", ["pk", "callId", "pk/", "callId/"])
def test_one_call_has_its_transcript_and_entries(owner_api, talked, ref):
    path = {"pk": str(talked.pk), "callId": "CA-talk"}[ref.rstrip("/")] + ("/" if ref.endswith("/") else "")

    response = owner_api.get(f"/api/calls/{path}")

    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    data = body["data"]
    assert (data["id"], data["_id"], data["callId"], data["store"]) == (talked.pk, str(talked.pk), "CA-talk", "main-street")
    assert (data["status"], data["duration"], data["language"], data["transcriptEntryCount"]) == ("success", 120, "mixed", 3)
    assert data["transcript"] == "User: Hello\nBot: Hi there! How can I help?\n(caller hung up)\n"
    assert data["entries"] == [
        {"speaker": "User", "text": "Hello", "at": "2025-06-10T14:00:00Z"},
        {"speaker": "Bot", "text": "Hi there! How can I help?", "at": "2025-06-10T14:00:01Z"},
        {"speaker": "", "text": "(caller hung up)", "at": "2025-06-10T14:00:02Z"},
    ]


def test_one_call_without_entries_has_an_empty_transcript(agent_api, store):
    call = make_call(store, "CA-silent", status="ringing")

    response = agent_api.get(f"/api/calls/{call.pk}")

    assert response.status_code == 200
    assert (response.json()["data"]["transcript"], response.json()["data"]["entries"]) == ("", [])


def test_a_call_id_wins_over_a_database_id_of_the_same_digits(owner_api, store):
    by_pk = make_call(store, "CA-first", start_time=utc(2025, 6, 10, 9))
    by_call_id = make_call(store, str(by_pk.pk), start_time=utc(2025, 6, 10, 8))

    response = owner_api.get(f"/api/calls/{by_pk.pk}")

    assert response.status_code == 200
    assert response.json()["data"]["id"] == by_call_id.pk
    assert owner_api.get("/api/calls/CA-first").json()["data"]["id"] == by_pk.pk


@pytest.mark.parametrize("ref", ["CA-nope", "999999", "0", "99999999999999999999999", "%C2%B2", "%D9%A1"])
def test_unknown_call_is_404_call_log_not_found(owner_api, store, ref):
    make_call(store, "CA-here")

    response = owner_api.get(f"/api/calls/{ref}")

    assert response.status_code == 404
    assert response.json() == {"success": False, "error": "not_found", "message": "Call log not found", "fields": {}}


def test_bot_key_may_not_read_one_call(bot_api, talked):
    response = bot_api.get(f"/api/calls/{talked.pk}")

    assert response.status_code == 403
    assert response.json()["error"] == "permission_denied"


def test_anonymous_may_not_read_one_call(api, talked):
    response = api.get("/api/calls/CA-talk")

    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


# --- live calls -----------------------------------------------------------------------------


def test_active_lists_only_live_calls_newest_first(owner_api, store):
    starts = {"queued": 12, "ringing": 11, "in-progress": 13, "success": 14, "failed": 15, "missed": 16, "terminated": 17}
    for status, hour in starts.items():
        make_call(store, f"live-{status}", status=status, start_time=utc(2025, 6, 10, hour))
    make_call(store, "live-older", status="in-progress", start_time=utc(2025, 6, 9, 23))

    response = owner_api.get("/api/calls/active")

    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert call_ids(response) == ["live-in-progress", "live-queued", "live-ringing", "live-older"]
    first = body["data"][0]
    assert (first["status"], first["startTime"], first["endTime"], first["store"]) == ("in-progress", "2025-06-10T13:00:00Z", None, "main-street")
    assert first["transcript"] == ""  # no line yet


def test_active_calls_carry_their_transcript_as_the_original_live_page_reads_it(owner_api, store, other_store):
    talking = make_call(store, "live-talking", status="in-progress", start_time=utc(2025, 6, 10, 12))
    add_entries(talking, [("User", "Hello"), ("Bot", "Hi there!")])
    make_call(store, "live-silent", status="ringing", start_time=utc(2025, 6, 10, 11))
    ended = make_call(store, "ended", status="success", start_time=utc(2025, 6, 10, 10))
    add_entries(ended, [("User", "Bye")])
    add_entries(make_call(other_store, "theirs", status="in-progress"), [("User", "Not yours")])

    calls = owner_api.get("/api/calls/active").json()["data"]

    # The original page: `calls.map(call => <Transcript text={call.transcript} />)`.
    assert {call["callId"]: call["transcript"] for call in calls} == {"live-talking": "User: Hello\nBot: Hi there!\n", "live-silent": ""}


def test_active_with_no_live_call_is_empty(agent_api, store):
    make_calls(store, 3, statuses=("success", "failed", "terminated"))

    response = agent_api.get("/api/calls/active/")

    assert response.status_code == 200
    assert response.json() == {"success": True, "data": []}


def test_active_is_for_staff_only(bot_api, api, store):
    make_calls(store, 1, statuses=("in-progress",))

    assert bot_api.get("/api/calls/active").status_code == 403
    assert api.get("/api/calls/active").status_code == 401


def test_base_time_is_what_the_factory_uses(store):
    # Guards the other tests' arithmetic: make_calls counts back a minute a call from BASE_TIME.
    calls = make_calls(store, 2)
    assert [c.start_time for c in calls] == [BASE_TIME, BASE_TIME - timedelta(minutes=1)]
