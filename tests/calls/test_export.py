"""GET /api/calls/export: the list's filters, every page, streamed as CSV."""
from __future__ import annotations

import csv
import io
import random
import zoneinfo
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from calls import export, queries
from calls.models import Call
from tests.calls.factories import make_call, make_calls

UTC = dt_timezone.utc
HEADER = [
    "callId", "store", "type", "caller", "receiver", "startTime", "endTime", "status", "language",
    "duration", "interruptionCount", "satisfaction", "outcome", "audioFile",
]  # fmt: skip


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.content if not response.streaming else ""
    assert response.streaming is True
    assert response.is_async is True  # an async generator: ASGI streams it instead of buffering it whole
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    # streaming_content is an async generator; iterating the response itself consumes it
    # synchronously (Django warns, pytest.ini silences it), as the sync test client must.
    return list(csv.reader(io.StringIO(b"".join(response).decode())))


def listed_call_ids(client, params: dict) -> list[str]:
    """Every callId the list gives for `params`, walking all its pages."""
    ids, page = [], 1
    while True:
        response = client.get("/api/calls", {**params, "limit": 100, "page": page})
        assert response.status_code == 200
        ids += [row["callId"] for row in response.json()["data"]]
        if page >= response.json()["pagination"]["pages"]:
            return ids
        page += 1


def test_export_is_a_streamed_csv_attachment_with_a_header(owner_api, store):
    make_call(store, "CA-one", type="outbound", caller="+15551230000", receiver="+18005550006",
              start_time=utc(2025, 6, 10, 14), end_time=utc(2025, 6, 10, 14, 5), status="success", language="hi",
              duration=300, interruption_count=2, satisfaction="positive", outcome='said "thanks", left',
              audio_file="https://example.com/rec.mp3")  # fmt: skip
    make_call(store, "CA-two", start_time=utc(2025, 6, 10, 13), status="in-progress")

    response = owner_api.get("/api/calls/export")

    assert response["Content-Disposition"].startswith('attachment; filename="calls-')
    assert response["Content-Disposition"].endswith('.csv"')
    assert read_csv(response) == [
        HEADER,
        # times in the store's zone (New York, UTC-4 in June)
        ["CA-one", "main-street", "outbound", "+15551230000", "+18005550006", "2025-06-10T10:00:00-04:00",
         "2025-06-10T10:05:00-04:00", "success", "hi", "300", "2", "positive", 'said "thanks", left', "https://example.com/rec.mp3"],
        ["CA-two", "main-street", "inbound", "", "", "2025-06-10T09:00:00-04:00", "", "in-progress", "en", "0", "0",
         "unknown", "", ""],
    ]  # fmt: skip


# --- a cell a spreadsheet would run (OWASP "CSV injection") gets a single quote before it ----------

GUARDED = [
    # (value written by a bot or a caller, the cell in the export) for a text column
    ("=1+2", "'=1+2"), ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'), ("+1+2", "'+1+2"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("=", "'="), ("'=1", "'=1"), (" =1", " =1"),
    ("a=1", "a=1"), ("", ""),
]  # fmt: skip
PHONES = [
    # a phone number column keeps exactly an E.164 number; anything else starting with + is guarded
    ("+15551234567", "+15551234567"), ("+442071838750", "+442071838750"), ("+0123", "'+0123"), ("+1", "'+1"),
    ("+1555123456789012", "'+1555123456789012"), ("+15551234567\n", "'+15551234567\n"), ("+1555 1234", "'+1555 1234"),
    ("+١٢٣٤٥", "'+١٢٣٤٥"), ("=1+2", "'=1+2"), ("-5", "'-5"), ("15551234567", "15551234567"),
]  # fmt: skip


def hostile_calls(store) -> list[tuple[str, str, str, str]]:
    """A call per hostile value, in export order: the cells of its callId, text columns, number columns and language."""
    expected = []
    phones = PHONES * 2
    for i, (text, text_cell) in enumerate(GUARDED + GUARDED[::-1]):
        phone, phone_cell = phones[i % len(phones)]
        # The guard only ever adds a quote in front: the callId text + i reads text_cell + i.
        short = len(text) <= 12  # the language column's length
        make_call(store, f"{text}{i}", caller=phone, receiver=phone, outcome=text, audio_file=text, language=text if short else "en",
                  start_time=utc(2025, 6, 10, 14) - timedelta(minutes=i))  # fmt: skip
        expected.append((f"{text_cell}{i}", text_cell, phone_cell, text_cell if short else "en"))
    return expected


def test_export_guards_every_text_cell_a_spreadsheet_would_run_as_a_formula(owner_api, store):
    expected = hostile_calls(store)

    rows = read_csv(owner_api.get("/api/calls/export", {"sortBy": "startTime", "sortOrder": "desc"}))[1:]

    # callId; caller and receiver; language; outcome and audioFile
    assert [(row[0], row[3], row[4], row[8], row[12], row[13]) for row in rows] == [
        (call_cell, phone_cell, phone_cell, language_cell, text_cell, text_cell) for call_cell, text_cell, phone_cell, language_cell in expected
    ]
    plain_numbers = {cell for _, cell in PHONES if cell[:1] == "+"}
    assert not [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and cell not in plain_numbers]


def test_the_python_writer_guards_formulas(store):
    expected = hostile_calls(store)
    tz = zoneinfo.ZoneInfo("UTC")

    body = b"".join(export.python_chunks(queries.filter_calls(Call.objects.all(), {"sortBy": "startTime", "sortOrder": "desc"}, tz), tz))

    rows = list(csv.reader(io.StringIO(body.decode(), newline="")))[1:]
    assert [(row[0], row[3], row[12]) for row in rows] == [(call_cell, phone_cell, text_cell) for call_cell, text_cell, phone_cell, _ in expected]


@pytest.mark.postgres
def test_postgres_copy_guards_formulas_with_the_same_bytes_as_the_python_writer(store):
    expected = hostile_calls(store)
    tz = zoneinfo.ZoneInfo("America/New_York")
    qs = queries.filter_calls(Call.objects.all(), {"sortBy": "startTime", "sortOrder": "desc"}, tz)

    copied = b"".join(export.copy_chunks(qs, tz))

    rows = list(csv.reader(io.StringIO(copied.decode(), newline="")))[1:]
    assert [(row[3], row[4], row[12], row[13]) for row in rows] == [(p, p, t, t) for _, t, p, _ in expected]
    assert copied == b"".join(export.python_chunks(qs, tz))


def test_export_of_no_calls_is_the_header_alone(owner_api, store):
    assert read_csv(owner_api.get("/api/calls/export/")) == [HEADER]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"status": "failed"},
        {"type": "outbound", "language": "hi"},
        {"search": "00012"},
        {"startDate": "2025-06-09", "endDate": "2025-06-09"},
        {"startDate": "2025-06-09T23:00:00Z", "sortBy": "duration", "sortOrder": "asc"},
        {"sortBy": "caller", "sortOrder": "asc", "status": "success"},
    ],
)
def test_export_has_exactly_the_rows_of_the_list_with_the_same_filters_on_every_page(owner_api, store, params):
    # 260 calls, one every 11 minutes back from 10 June 16:00 UTC: two days of New York time, many pages.
    make_calls(store, 260, statuses=("success", "failed", "missed", "in-progress"), languages=("en", "hi", "mixed"),
               types=("inbound", "outbound"), step=timedelta(minutes=-11), durations=(30, 90, 15, 400, 7))  # fmt: skip

    rows = read_csv(owner_api.get("/api/calls/export", params))

    expected = listed_call_ids(owner_api, params)
    assert len(expected) > 1
    assert rows[0] == HEADER
    assert [row[0] for row in rows[1:]] == expected


def test_export_streams_in_chunks(owner_api, store, monkeypatch):
    monkeypatch.setattr(export, "EXPORT_CHUNK", 4)
    make_calls(store, 10)

    response = owner_api.get("/api/calls/export")

    chunks = list(response)
    assert len(chunks) == 3  # 4 + 4 + 2 rows, the header with the first
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode())))
    assert rows[0] == HEADER
    assert [row[0] for row in rows[1:]] == [f"main-street-{i:05d}" for i in range(10)]


def test_export_ignores_pages_and_limits(owner_api, store):
    make_calls(store, 30)

    rows = read_csv(owner_api.get("/api/calls/export", {"page": 2, "limit": 5}))

    assert len(rows) == 31


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "done"}, "status"),
        ({"startDate": "soon"}, "startDate"),
        ({"startDate": "2025-06-10", "endDate": "2025-06-09"}, "endDate"),
        ({"endDate": "9999-12-31"}, "endDate"),
    ],
)
def test_export_rejects_bad_filters_as_json(owner_api, store, params, field):
    response = owner_api.get("/api/calls/export", params)

    assert response.status_code == 400
    assert response.streaming is False
    body = response.json()
    assert (body["success"], body["error"], list(body["fields"])) == (False, "validation_error", [field])


def test_export_is_for_staff_only(api, bot_api, agent_api, store):
    make_calls(store, 2)

    assert api.get("/api/calls/export").status_code == 401
    assert bot_api.get("/api/calls/export").status_code == 403
    assert len(read_csv(agent_api.get("/api/calls/export"))) == 3


# --- PostgreSQL writes the rows itself (COPY): the same bytes as the Python writer ---------------

ZONES = ["America/New_York", "Asia/Kolkata", "UTC", "Europe/London", "Australia/Lord_Howe", "Asia/Kathmandu", "America/St_Johns", "Pacific/Chatham"]
AWKWARD = ["", "plain", "a,b", 'say "hi"', '"', "line\nbreak", "cr\rhere", "crlf\r\n", ",", " padded ", "\\.", "\\", "é ü 😀", "'quote'", "tab\tin"]
# What a spreadsheet would run as a formula (OWASP), and numbers that look like one but are plain E.164.
HOSTILE = ["=1+2", '=HYPERLINK("http://x","y")', "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=", "+", "-", "@", "'=1",
           "+15551234567", "+442071838750", "+0123", "+1555123456789012", "+15551234567\n", "+1555 1234", "+١٢٣٤٥", " =1"]


def varied_calls(store, other_store, count: int = 400) -> None:
    """Calls with every awkward value: empty and special fields, no end time, microseconds, DST edges, 1970 and 2099."""
    rng = random.Random(8)
    moments = [utc(2025, 3, 9, 6, 59, 59), utc(2025, 3, 9, 7), utc(2025, 11, 2, 5, 30), utc(2025, 11, 2, 6, 0, 0, 500000),
               utc(1970, 1, 1), utc(1971, 6, 1, 12, 0, 0, 1), utc(2099, 12, 31, 23, 59, 59, 999999), utc(2025, 10, 5, 15, 45)]  # fmt: skip
    for i in range(count):
        start = moments[i] if i < len(moments) else utc(1970, 1, 1) + timedelta(seconds=rng.randrange(4_100_000_000), microseconds=rng.choice([0, 0, 1, rng.randrange(10**6)]))
        make_call(store if i % 3 else other_store, f"call-{i}{rng.choice(AWKWARD)}", type=rng.choice(["inbound", "outbound"]),
                  caller=rng.choice(AWKWARD + HOSTILE), receiver=rng.choice(AWKWARD + HOSTILE), start_time=start,
                  end_time=None if i % 4 == 0 else start + timedelta(seconds=rng.randrange(4000), microseconds=rng.choice([0, 7])),
                  status=rng.choice(["success", "in-progress", "failed"]), language=rng.choice(["en", "hi", ""]),
                  duration=rng.randrange(5000), interruption_count=rng.randrange(3), satisfaction=rng.choice(["positive", "unknown"]),
                  outcome=rng.choice(AWKWARD + HOSTILE), audio_file=rng.choice(AWKWARD + HOSTILE))  # fmt: skip


@pytest.mark.postgres
@pytest.mark.parametrize("zone", ZONES)
def test_postgres_copy_writes_the_same_bytes_as_the_python_writer(store, other_store, zone, monkeypatch):
    varied_calls(store, other_store)
    monkeypatch.setattr(export, "EXPORT_CHUNK", 64)
    tz = zoneinfo.ZoneInfo(zone)
    qs = queries.filter_calls(Call.objects.all(), {"sortBy": "endTime", "sortOrder": "asc"}, tz)

    copied, written = list(export.copy_chunks(qs, tz)), list(export.python_chunks(qs, tz))

    assert b"".join(copied) == b"".join(written)
    assert [len(chunk) for chunk in copied] == [len(chunk) for chunk in written]  # the same rows in each chunk
    rows = list(csv.reader(io.StringIO(b"".join(copied).decode(), newline="")))
    assert len(rows) == 401 and rows[0] == HEADER
    assert any("\n" in field for row in rows for field in row) and any(row[6] == "" for row in rows)


def test_a_zone_with_offset_seconds_is_exported_by_python():
    # Monrovia was -00:44:30 until 1972: isoformat() writes the seconds, to_char()'s TZH:TZM cannot.
    assert export.whole_minute_offsets("Africa/Monrovia") is False
    assert all(export.whole_minute_offsets(zone) for zone in ZONES)


@pytest.mark.postgres
def test_postgres_export_over_http_is_one_copy(owner_api, store, other_store, django_assert_max_num_queries):
    varied_calls(store, other_store, count=60)

    with CaptureQueriesContext(connection) as queries_run:
        body = b"".join(owner_api.get("/api/calls/export", {"search": "call-"}))

    tz = zoneinfo.ZoneInfo("America/New_York")
    expected = b"".join(export.python_chunks(queries.filter_calls(Call.objects.filter(store=store), {"search": "call-"}, tz), tz))
    assert body == expected
    assert body.count(b"\r\n") >= 41  # the header and 40 calls of the owner's store, some with line breaks inside
    *_, copy, reset = [q["sql"] for q in queries_run.captured_queries]
    assert copy.startswith("COPY (SELECT ") and "set_config('TimeZone', 'America/New_York', true)" in copy
    # Inside the test's transaction the zone is put back (in autocommit the COPY's end does it): the
    # timestamps read for `expected` above would be hours off otherwise.
    assert reset == "SELECT set_config('TimeZone', 'UTC', false)"


@pytest.mark.postgres
def test_an_export_abandoned_mid_copy_leaves_the_connection_usable(store):
    make_calls(store, 3000)
    tz = zoneinfo.ZoneInfo("UTC")
    chunks = export.copy_chunks(queries.filter_calls(Call.objects.all(), {}, tz), tz)

    first = next(chunks)
    chunks.close()  # what the ASGI handler does when the client hangs up

    assert first.startswith(b"callId,") and first.count(b"\r\n") == export.EXPORT_CHUNK + 1
    assert Call.objects.count() == 3000
