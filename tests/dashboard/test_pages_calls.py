"""/calls/ (history), /calls/<id>/ (one call) and hanging up from the page."""
from __future__ import annotations

from datetime import datetime
from datetime import timezone as dt_timezone
from urllib.parse import parse_qs, urlsplit

from calls.models import Call
from tests.calls.factories import add_entries, make_call, make_calls
from tests.dashboard.pages import field_errors, has_csrf_field, signed_in
from tests.voice.webhooks import sent  # noqa: F401 (fixture)


def rows(response) -> list[str]:
    return [call.call_id for call in response.context["calls"]]


def test_history_lists_only_the_users_calls_newest_first(owner, store, other_store):
    make_calls(store, 3)
    make_calls(other_store, 2)
    response = signed_in(owner).get("/calls/")
    assert response.status_code == 200
    assert rows(response) == ["main-street-00000", "main-street-00001", "main-street-00002"]
    assert response.context["total"] == 3
    assert "harbor-deli" not in response.content.decode()


def test_filters_search_and_sort_are_the_apis(owner, store):
    make_calls(store, 12, statuses=("success", "missed", "failed"), languages=("en", "hi"), durations=(30, 90))
    client = signed_in(owner)
    missed = client.get("/calls/", {"status": "missed"})
    assert {c.status for c in missed.context["calls"]} == {"missed"} and missed.context["total"] == 4
    hindi = client.get("/calls/", {"language": "hi", "type": "inbound"})
    assert {c.language for c in hindi.context["calls"]} == {"hi"}
    found = client.get("/calls/", {"search": "00007"})
    assert rows(found) == ["main-street-00007"]
    longest = client.get("/calls/", {"sortBy": "duration", "sortOrder": "desc", "status": "success"})
    assert [c.duration for c in longest.context["calls"]] == sorted([c.duration for c in longest.context["calls"]], reverse=True)


def test_dates_are_days_in_the_stores_zone(owner, store):
    # 03:30 UTC on June 11 is 23:30 on June 10 in New York.
    make_call(store, "LATE", start_time=datetime(2025, 6, 11, 3, 30, tzinfo=dt_timezone.utc))
    response = signed_in(owner).get("/calls/", {"startDate": "2025-06-10", "endDate": "2025-06-10"})
    assert rows(response) == ["LATE"]


def test_a_bad_filter_is_shown_next_to_its_field(owner, store):
    make_calls(store, 2)
    client = signed_in(owner)
    response = client.get("/calls/", {"startDate": "2025-06-10", "endDate": "2025-06-01"})
    assert field_errors(response, "endDate") == ["endDate is before startDate."]
    assert response.context["calls"] == []
    response = client.get("/calls/", {"startDate": "yesterday"})
    assert "is not a date" in field_errors(response, "startDate")[0]
    response = client.get("/calls/", {"status": "lost"})
    assert field_errors(response, "status")


def test_pagination_and_the_csv_link_keep_the_filters(owner, store):
    make_calls(store, 60, statuses=("success", "failed"))
    response = signed_in(owner).get("/calls/", {"status": "success", "page": 2})
    assert response.context["page_number"] == 2 and response.context["pages"] == 2
    assert len(response.context["calls"]) == 5
    export = parse_qs(urlsplit(response.context["export_url"]).query)
    assert urlsplit(response.context["export_url"]).path == "/api/calls/export"
    assert export == {"status": ["success"], "store": ["main-street"], "sortBy": ["startTime"], "sortOrder": ["desc"]}
    assert "page=3" not in (response.context["next_url"] or "")
    assert "status=success" in response.context["prev_url"]


def test_the_csv_link_exports_exactly_the_filtered_calls(owner, store, other_store):
    make_calls(store, 6, statuses=("success", "missed"))
    make_calls(other_store, 3, statuses=("missed",))
    client = signed_in(owner)
    page = client.get("/calls/", {"status": "missed"})
    export = client.get(page.context["export_url"])
    body = b"".join(export).decode().splitlines()  # iterating the response consumes its async stream
    assert len(body) - 1 == page.context["total"] == 3
    assert all(",missed," in line for line in body[1:])


def test_history_query_count_is_fixed(owner, store, django_assert_max_num_queries):
    make_calls(store, 300, statuses=("success", "missed", "in-progress"))
    client = signed_in(owner)
    client.get("/calls/")  # the session's first read
    # session, user, picked store, page's store list, count, rows, the rows' first transcript lines (summaries)
    with django_assert_max_num_queries(7):
        response = client.get("/calls/", {"status": "success", "search": "+1555", "sortBy": "duration"})
    assert response.context["total"] == 100


def test_admin_history_spans_stores_with_a_fixed_query_count(admin_user, store, other_store, django_assert_max_num_queries):
    make_calls(store, 150)
    make_calls(other_store, 150)
    client = signed_in(admin_user)
    client.get("/calls/")
    with django_assert_max_num_queries(7):
        response = client.get("/calls/")
    assert response.context["total"] == 300 and response.context["show_store"]


def test_a_call_shows_its_transcript_outcome_and_recording(owner, store):
    call = make_call(store, "CALL-1", caller="+15551112222", status="success", outcome="answered", satisfaction="positive",
                     audio_file="https://api.twilio.com/recordings/RE1.mp3", duration=42)  # fmt: skip
    add_entries(call, [("Caller", "Do you have milk?"), ("Agent", "Yes, aisle 3.")])
    response = signed_in(owner).get(f"/calls/{call.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Do you have milk?" in html and "from-caller" in html and "from-agent" in html
    assert '<audio controls preload="none" src="https://api.twilio.com/recordings/RE1.mp3"' in html
    assert "answered" in html and "satisfaction-positive" in html


def test_a_recording_that_is_not_a_web_address_is_no_link(owner, store):
    call = make_call(store, "CALL-2", audio_file="javascript:alert(1)", status="success")
    html = signed_in(owner).get(f"/calls/{call.pk}/").content.decode()
    assert "<audio" not in html and 'href="javascript:' not in html


def test_another_stores_call_is_a_404(owner, store, other_store):
    theirs = make_call(other_store, "THEIRS", status="in-progress")
    client = signed_in(owner)
    assert client.get(f"/calls/{theirs.pk}/").status_code == 404
    assert client.post(f"/calls/{theirs.pk}/terminate/").status_code == 404
    assert Call.objects.get(pk=theirs.pk).status == "in-progress"


def test_hang_up_a_live_call_from_its_page(agent, store, sent, django_capture_on_commit_callbacks):
    call = make_call(store, "LIVE-1", status="in-progress")
    client = signed_in(agent, csrf=True)
    page = client.get(f"/calls/{call.pk}/")
    assert has_csrf_field(page)
    token = page.context["csrf_token"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/calls/{call.pk}/terminate/", {"csrfmiddlewaretoken": str(token)}, follow=True)
    assert response.redirect_chain[-1][0] == f"/calls/{call.pk}/"
    assert "was hung up" in response.content.decode()
    assert Call.objects.get(pk=call.pk).status == "terminated"
    assert [m["type"] for _, m in sent] == ["callTerminated"]


def test_hanging_up_an_ended_call_says_so_and_changes_nothing(owner, store):
    call = make_call(store, "DONE-1", status="success")
    response = signed_in(owner).post(f"/calls/{call.pk}/terminate/", follow=True)
    assert "had already ended" in response.content.decode()
    assert Call.objects.get(pk=call.pk).status == "success"


def test_terminating_needs_the_csrf_token(owner, store):
    call = make_call(store, "LIVE-2", status="in-progress")
    assert signed_in(owner, csrf=True).post(f"/calls/{call.pk}/terminate/").status_code == 403
    assert Call.objects.get(pk=call.pk).status == "in-progress"


def test_history_rows_show_outcome_transfer_and_a_one_line_summary(owner, store):
    """The history showed when, who and how long only: what the call was about meant opening each one."""
    transferred = make_call(store, "T-1", caller="+15551110001", status="success", outcome="transferred to Pharmacy",
                            metadata={"transferTo": "Pharmacy", "dialStatus": "no-answer"})  # fmt: skip
    add_entries(transferred, [("Bot", "Thank you for calling."), ("User", "Can I talk to the pharmacy about my prescription?")])
    summed = make_call(store, "S-1", caller="+15551110002", status="success", outcome="answered", metadata={"summary": "Asked the closing time.\nSecond line."})
    make_call(store, "E-1", caller="+15551110003", status="missed")
    long_line = make_call(store, "L-1", caller="+15551110004", status="success")
    add_entries(long_line, [("Caller", "word " * 60)])

    response = signed_in(owner).get("/calls/")
    by_id = {call.call_id: call for call in response.context["calls"]}
    assert (by_id["T-1"].transfer, by_id["T-1"].summary) == ("Pharmacy (no answer)", "Can I talk to the pharmacy about my prescription?")
    assert (by_id["S-1"].transfer, by_id["S-1"].summary) == ("", "Asked the closing time.")
    assert (by_id["E-1"].transfer, by_id["E-1"].summary) == ("", "")
    assert len(by_id["L-1"].summary) == 100 and by_id["L-1"].summary.endswith("…")
    html = response.content.decode()
    for label in ("Outcome", "Transfer", "Summary"):
        assert f">{label}</th>" in html
    assert "transferred to Pharmacy" in html and "Pharmacy (no answer)" in html
    # The whole row opens the call (static/js/app.js follows a row's data-href).
    assert f'data-href="/calls/{transferred.pk}/"' in html
