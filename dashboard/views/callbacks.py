"""`/callbacks/`: the calls a store promised to make back, overdue and today's first, and one callback's page
where it is assigned, rescheduled (in the store's zone), marked done with a note or called now. Changes
go through the API's serializer and dashboard.services.save_row, with the API's role rules: owners and
admins change any callback they see, an agent only theirs and unassigned ones."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Q, QuerySet, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from rest_framework import serializers

from callcenter.errors import BadGateway, ServiceUnavailable
from callcenter.models import User
from callcenter.permissions import role_of
from calls.models import ScheduledCallback
from dashboard import forms, services
from dashboard.serializers import ScheduledCallbackSerializer
from dashboard.views.common import add_errors, chosen_store, page, page_tz, staff_required
from dashboard.views.outbound import can_call, call_customer

PAGE_SIZE = 25
ACTIONS = ("assign", "reschedule", "complete", "call")


def callback_rows(request: HttpRequest, store, params: dict[str, str], now: datetime) -> QuerySet[ScheduledCallback]:
    """The callbacks in view, filtered as GET /api/callbacks filters them: overdue, then today's, then later, then done."""
    qs = ScheduledCallback.objects.for_user(request.user) if store is None else ScheduledCallback.objects.in_stores([store.pk])
    for name in ("status", "priority"):
        if params.get(name):
            qs = qs.filter(**{name: params[name]})
    if params.get("overdue") == "true":
        qs = qs.overdue(now)
    if params.get("assigned") == "me":
        qs = qs.filter(assigned_agent=request.user)
    tz = page_tz(store)
    tomorrow = datetime.combine(now.astimezone(tz).date() + timedelta(days=1), time.min, tzinfo=tz)
    scheduled = ScheduledCallback.Status.SCHEDULED
    bucket = Case(
        When(status=scheduled, scheduled_at__lt=now, then=0),
        When(status=scheduled, scheduled_at__lt=tomorrow, then=1),
        When(status=scheduled, then=2),
        default=3,
        output_field=IntegerField(),
    )
    return qs.annotate(bucket=bucket).select_related("store", "customer", "assigned_agent").order_by("bucket", "scheduled_at", "id")


@staff_required
def callback_list(request: HttpRequest) -> HttpResponse:
    store = chosen_store(request)
    form = forms.CallbackFilterForm(request.GET)
    params = form.cleaned_data if form.is_valid() else {}
    now = timezone.now()
    paginator = Paginator(callback_rows(request, store, params, now), PAGE_SIZE)
    page_obj = paginator.get_page(request.GET.get("page"))
    filters = {k: v for k, v in params.items() if v}
    context = {
        "form": form,
        "page_obj": page_obj,
        "callbacks": list(page_obj.object_list),
        "now": now,
        "query": urlencode(filters),
        "filters_on": bool(filters),
    }
    return page(request, "dashboard/callbacks.html", context, store=store)


def get_callback(request: HttpRequest, pk: int, *, for_update: bool = False) -> ScheduledCallback:
    """A callback the user may see (404 otherwise); to change one, an agent must hold it or it must be nobody's."""
    qs = ScheduledCallback.objects.for_user(request.user).select_related("store", "customer", "assigned_agent")
    if for_update and role_of(request.user) == "agent":
        qs = qs.filter(Q(assigned_agent=request.user) | Q(assigned_agent__isnull=True))
    callback = qs.filter(pk=pk).first()
    if callback is None:
        raise Http404("Callback not found")
    return callback


def agent_choices(request: HttpRequest, callback: ScheduledCallback) -> list[tuple[str, str]]:
    """Who a callback may go to: any agent of its store for a manager, only themselves for an agent."""
    if role_of(request.user) == "agent":
        return [(str(request.user.pk), "Me")]
    agents = User.objects.filter(role=User.Role.AGENT, store_id=callback.store_id, is_active=True).order_by("username")
    return [(str(a.pk), a.get_full_name() or a.username) for a in agents]


def callback_forms(request: HttpRequest, callback: ScheduledCallback, data: Any = None, action: str = "") -> dict[str, Any]:
    tz = callback.store.tzinfo
    bound = lambda name: data if action == name else None  # noqa: E731 - only the submitted form is bound
    return {
        "assign_form": forms.CallbackAssignForm(bound("assign"), agents=agent_choices(request, callback),
                                                initial={"assigned_agent": callback.assigned_agent_id or ""}),
        "reschedule_form": forms.CallbackRescheduleForm(bound("reschedule"), initial={"scheduled_at": forms.local_value(callback.scheduled_at, tz)}),
        "complete_form": forms.CallbackCompleteForm(bound("complete"), initial={"notes": callback.notes}),
    }  # fmt: skip


def changes_for(action: str, form: forms.PageForm, callback: ScheduledCallback) -> dict[str, Any] | None:
    """The fields an action changes, as the API takes them; None (with errors on the form) when refused."""
    if not form.is_valid():
        return None
    if action == "assign":
        return {"assigned_agent": form.cleaned_data["assigned_agent"] or None}
    if action == "reschedule":
        try:
            when = forms.parse_local(form.cleaned_data["scheduled_at"], callback.store.tzinfo, current=callback.scheduled_at)
        except ValueError as exc:
            form.add_error("scheduled_at", str(exc))
            return None
        return {"scheduled_at": when}
    return {"status": ScheduledCallback.Status.COMPLETED, "notes": form.cleaned_data["notes"]}


@require_http_methods(["GET", "POST"])
@staff_required
def callback_detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if request.method == "POST" and action not in ACTIONS:
        raise Http404("No such action")
    callback = get_callback(request, pk, for_update=bool(action))
    if action == "call":
        return call_now(request, callback)
    context = callback_forms(request, callback, request.POST, action)
    if action and save_action(request, callback, action, context[f"{action}_form"]):
        return redirect("pages:callback-detail", pk=callback.pk)
    may_change = role_of(request.user) != "agent" or callback.assigned_agent_id in (None, request.user.pk)
    context.update(callback=callback, may_change=may_change, is_overdue=callback.is_overdue_at(timezone.now()), can_call=can_call(callback.store, callback.customer))
    return page(request, "dashboard/callback_detail.html", context, store=chosen_store(request), status=400 if action else 200)


def save_action(request: HttpRequest, callback: ScheduledCallback, action: str, form: forms.PageForm) -> bool:
    changes = changes_for(action, form, callback)
    if changes is None:
        return False
    if "scheduled_at" in changes and changes["scheduled_at"] == callback.scheduled_at:
        messages.info(request, "The callback keeps its time.")
        return True
    api_data = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in changes.items()}
    serializer = ScheduledCallbackSerializer(callback, data=api_data, partial=True, context={"request": request, "now": timezone.now()})
    if not serializer.is_valid():
        add_errors(form, serializers.ValidationError(serializer.errors))
        return False
    services.save_row(instance=callback, data=serializer.validated_data)
    messages.success(request, {"assign": "Callback assigned.", "reschedule": "Callback rescheduled.", "complete": "Callback marked done."}[action])
    return True


def call_now(request: HttpRequest, callback: ScheduledCallback) -> HttpResponse:
    """Ring the customer through the voice agent (the outbound call service), then show the live call."""
    try:
        call = call_customer(user=request.user, store=callback.store, customer=callback.customer)
    except serializers.ValidationError as exc:
        messages.error(request, "The call was not placed: " + " ".join(str(m) for m in _messages(exc.detail)))
    except (BadGateway, ServiceUnavailable) as exc:
        messages.error(request, f"The call was not placed: {exc.detail}")
    else:
        messages.success(request, f"Calling {callback.customer.name or callback.customer.phone}…")
        return redirect("pages:call-detail", pk=call.pk)
    return redirect("pages:callback-detail", pk=callback.pk)


def _messages(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [m for value in detail.values() for m in _messages(value)]
    if isinstance(detail, (list, tuple)):
        return [m for value in detail for m in _messages(value)]
    return [str(detail)]
