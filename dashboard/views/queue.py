"""The waiting-callers panel of /live/: who waits and for how long against their store's service level,
which agent is on what; an agent sets their own status and takes the next caller or callback. Writes go
through the API's serializers and dashboard.services.save_row, as PATCH /api/queue and /api/agent-profiles."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from callcenter.permissions import role_of
from calls.models import AgentProfile, QueueEntry, ScheduledCallback
from dashboard import forms, services
from dashboard.queries import service_levels
from dashboard.serializers import AgentStatusSerializer
from dashboard.views.common import roles_required
from store.models import Store

agent_required = roles_required("agent")
# The panel lists this many waiting callers (the longest waits first after priority).
SHOWN = 50


def queue_panel(request: HttpRequest, store: Store | None, now: datetime) -> dict[str, Any]:
    """What the panel shows (four queries: waiting callers, their stores' levels, agents, the agents' callers)."""
    waiting_qs = QueueEntry.objects.for_user(request.user) if store is None else QueueEntry.objects.in_stores([store.pk])
    waiting_qs = waiting_qs.filter(status=QueueEntry.Status.WAITING).select_related("store", "customer", "assigned_agent")
    waiting = list(waiting_qs.order_by("-priority", "enqueued_at", "id")[:SHOWN])
    levels = service_levels(sorted({e.store_id for e in waiting}))
    rows = [
        {"entry": e, "waited": e.wait_seconds(now), "level": levels[e.store_id], "late": e.wait_seconds(now) > levels[e.store_id]}
        for e in waiting
    ]
    profiles = AgentProfile.objects.for_user(request.user).select_related("user__store")
    if store is not None:
        profiles = profiles.filter(user__store=store)
    profiles = list(profiles.order_by("user__username"))
    handling = {
        e.assigned_agent_id: e
        for e in QueueEntry.objects.filter(status=QueueEntry.Status.ASSIGNED, assigned_agent__in=[p.user_id for p in profiles]).order_by("assigned_at")
    }
    mine = next((p for p in profiles if p.user_id == request.user.pk), None)
    if mine is None and role_of(request.user) == "agent":
        mine = AgentProfile.objects.filter(user=request.user).first()
    return {
        "waiting": rows,
        "agents": [{"profile": p, "handling": handling.get(p.user_id)} for p in profiles],
        "is_agent": role_of(request.user) == "agent",
        "my_profile": mine,
        "status_form": forms.AgentStatusForm(initial={"status": mine.status}) if mine else None,
    }


@require_POST
@agent_required
def set_status(request: HttpRequest) -> HttpResponse:
    profile = AgentProfile.objects.filter(user=request.user).first()
    if profile is None:
        messages.error(request, "You have no agent profile yet: ask your store's owner to set one up.")
        return redirect("pages:live")
    serializer = AgentStatusSerializer(profile, data={"status": request.POST.get("status", "")})
    if not serializer.is_valid():
        messages.error(request, "Status: " + " ".join(str(m) for m in serializer.errors.get("status", [])))
        return redirect("pages:live")
    services.save_row(instance=profile, data=serializer.validated_data)
    messages.success(request, f"Your status is {profile.get_status_display().lower()}.")
    return redirect("pages:live")


@require_POST
@agent_required
def take_next(request: HttpRequest) -> HttpResponse:
    """The next caller of the agent's store (routed to them or to nobody, highest priority, longest wait), else the next callback."""
    with transaction.atomic():
        entry = (
            QueueEntry.objects.select_for_update()
            .filter(store_id=request.user.store_id, status=QueueEntry.Status.WAITING)
            .filter(Q(assigned_agent=request.user) | Q(assigned_agent__isnull=True))
            .order_by("-priority", "enqueued_at", "id")
            .first()
        )
        if entry is not None:
            services.save_row(instance=entry, data={"status": QueueEntry.Status.ASSIGNED, "assigned_agent": request.user})
    if entry is not None:
        messages.success(request, f"You have the caller {entry.caller or 'with a hidden number'}.")
        return redirect(f"/calls/{entry.call_id}/" if entry.call_id else "/live/")
    return take_next_callback(request)


def take_next_callback(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        callback = (
            ScheduledCallback.objects.select_for_update()
            .filter(store_id=request.user.store_id, status=ScheduledCallback.Status.SCHEDULED)
            .filter(Q(assigned_agent=request.user) | Q(assigned_agent__isnull=True))
            .order_by("scheduled_at", "id")
            .first()
        )
        if callback is not None and callback.assigned_agent_id is None:
            services.save_row(instance=callback, data={"assigned_agent": request.user})
    if callback is None:
        messages.info(request, "Nobody is waiting and no callback is due.")
        return redirect("pages:live")
    messages.success(request, "Nobody is waiting: here is your next callback.")
    return redirect("pages:callback-detail", pk=callback.pk)


