"""Django admin changes to calls go through the call services: live events, and the same rules."""
from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from calls import events
from calls.models import Call
from tests.calls.factories import make_call


@pytest.fixture
def sent(monkeypatch) -> list[tuple[int, dict]]:
    recorded: list[tuple[int, dict]] = []
    monkeypatch.setattr(events, "_send", lambda store_id, message: recorded.append((store_id, message)))
    return recorded


@pytest.fixture
def staff(client, admin_user):
    client.force_login(admin_user)
    return client


def test_terminate_action_hangs_up_live_calls_and_announces_it(staff, store, sent, django_capture_on_commit_callbacks):
    live = make_call(store, "ADMIN-LIVE", status="in-progress")
    done = make_call(store, "ADMIN-DONE", status="success")

    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(reverse("admin:calls_call_changelist"), {"action": "terminate_calls", "_selected_action": [live.pk, done.pk]})

    assert response.status_code == 302
    assert Call.objects.get(pk=live.pk).status == "terminated"
    assert Call.objects.get(pk=done.pk).status == "success"
    assert [(store_id, m["type"], m["callId"]) for store_id, m in sent] == [(store.pk, "callTerminated", "ADMIN-LIVE")]


def test_deleting_a_live_call_in_admin_announces_it(staff, store, sent, django_capture_on_commit_callbacks):
    live = make_call(store, "ADMIN-DEL", status="in-progress")

    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(reverse("admin:calls_call_delete", args=[live.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Call.objects.filter(pk=live.pk).exists()
    assert [m["type"] for _, m in sent] == ["callTerminated"]


def test_a_change_saved_in_admin_sends_call_updated_and_keeps_the_rules(rf, admin_user, store, sent, django_capture_on_commit_callbacks):
    call = make_call(store, "ADMIN-EDIT", status="in-progress")
    model_admin = admin.site._registry[Call]
    request = rf.post("/")
    request.user = admin_user
    form_class = model_admin.get_form(request, call)
    data = {**{f: getattr(call, f) for f in form_class.base_fields if f != "store"}, "store": store.pk, "outcome": "answered", "status": "success"}
    data["metadata"] = "{}"
    # The admin splits date and time into two inputs.
    data.update(start_time_0=call.start_time.date().isoformat(), start_time_1=call.start_time.time().isoformat(), end_time_0="", end_time_1="")
    form = form_class(data=data, instance=Call.objects.get(pk=call.pk))
    assert form.is_valid(), form.errors

    with django_capture_on_commit_callbacks(execute=True):
        model_admin.save_model(request, form.instance, form, change=True)

    saved = Call.objects.get(pk=call.pk)
    assert (saved.status, saved.outcome) == ("success", "answered")
    # An ended call is announced as updated, then as ended, as the API's PATCH does.
    assert [m["type"] for _, m in sent] == ["callUpdated", "callTerminated"]
    assert sent[0][1]["data"]["outcome"] == "answered"
