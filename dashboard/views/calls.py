"""Live calls, the call history with its filters and CSV link, one call with its transcript, and hang-up."""
from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST
from rest_framework import serializers

from callcenter.errors import BadGateway, Conflict, ServiceUnavailable
from calls import queries, services
from calls.models import Call
from calls.serializers import SORT_FIELDS, CallFilterSerializer
from dashboard.forms import CallFilterForm
from dashboard.views.common import add_errors, chosen_store, page, page_tz, staff_required
from dashboard.views.outbound import twilio_configured
from dashboard.views.queue import queue_panel

PAGE_SIZE = 25
COLUMNS = [
    # (label, sortBy or None)
    ("Started", "startTime"),
    ("Caller", "caller"),
    ("Receiver", "receiver"),
    ("Type", None),
    ("Status", "status"),
    ("Outcome", None),
    ("Transfer", None),
    ("Summary", None),
    ("Language", None),
    ("Duration", "duration"),
]


def visible_calls(request: HttpRequest, store):
    """The calls of the chosen store (chosen_store checked it is visible), else of every store the user may see."""
    return Call.objects.for_user(request.user) if store is None else Call.objects.in_stores([store.pk])


@staff_required
def live(request: HttpRequest) -> HttpResponse:
    """The page draws itself from /ws/calls/ (static/js/live.js): snapshot, then events."""
    store = chosen_store(request)
    context = {"live_store": store.slug if store else "", **queue_panel(request, store, timezone.now()), "can_start_call": twilio_configured()}
    return page(request, "dashboard/live.html", context, store=store)


@staff_required
def call_list(request: HttpRequest) -> HttpResponse:
    """The history: GET /api/calls's filters and sort, validated by its serializer, a page of rows and the total."""
    store = chosen_store(request)
    form = CallFilterForm(request.GET)
    form.is_valid()
    raw = {k: v for k, v in request.GET.items() if k in (*CallFilterForm.base_fields, "sortBy", "sortOrder", "page")}
    serializer = CallFilterSerializer(data={**raw, "limit": PAGE_SIZE})
    calls, total, params = [], 0, {"page": 1, "sortBy": "startTime", "sortOrder": "desc"}
    if serializer.is_valid():
        params = serializer.validated_data
        try:
            qs = queries.filter_calls(visible_calls(request, store), params, page_tz(store))
            total = qs.count()
            first = (params["page"] - 1) * PAGE_SIZE
            calls = queries.with_summaries(list(qs.select_related("store")[first : first + PAGE_SIZE]))
        except DjangoValidationError as exc:
            add_errors(form, exc)
    else:
        add_errors(form, serializers.ValidationError(serializer.errors))
    filters = {k: v for k, v in raw.items() if k not in ("page", "sortBy", "sortOrder") and v}
    if store is not None:
        filters["store"] = store.slug
    pages = max(-(-total // PAGE_SIZE), 1)
    context = {
        "form": form,
        "calls": calls,
        "total": total,
        "page_number": params["page"],
        "pages": pages,
        "columns": sort_links(filters, params),
        "export_url": "/api/calls/export?" + urlencode({**filters, "sortBy": params["sortBy"], "sortOrder": params["sortOrder"]}),
        "prev_url": page_link(filters, params, params["page"] - 1) if params["page"] > 1 else None,
        "next_url": page_link(filters, params, params["page"] + 1) if params["page"] < pages else None,
        "languages": ["en", "es", "hi", "mixed"],
    }
    return page(request, "dashboard/calls.html", context, store=store)


def page_link(filters: dict[str, str], params: dict, number: int) -> str:
    return "?" + urlencode({**filters, "sortBy": params["sortBy"], "sortOrder": params["sortOrder"], "page": number})


def sort_links(filters: dict[str, str], params: dict) -> list[dict[str, str | None]]:
    """Each column's header: a link that sorts by it (again: the other way), and its aria-sort."""
    out = []
    for label, key in COLUMNS:
        current = key is not None and key == params["sortBy"]
        order = "asc" if current and params["sortOrder"] == "desc" else "desc"
        out.append(
            {
                "label": label,
                "url": "?" + urlencode({**filters, "sortBy": key, "sortOrder": order}) if key in SORT_FIELDS else None,
                "aria_sort": ("ascending" if params["sortOrder"] == "asc" else "descending") if current else None,
            }
        )
    return out


def get_call(request: HttpRequest, pk: int) -> Call:
    """A call the user may see (whatever store is picked), else 404."""
    call = Call.objects.for_user(request.user).select_related("store", "ai_agent").filter(pk=pk).first()
    if call is None:
        raise Http404("Call not found")
    return call


@staff_required
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_call(request, pk)
    # A bot sets audioFile freely: only a web address becomes a player and a link (never javascript:).
    recording = call.audio_file if call.audio_file.startswith(("https://", "http://", "/")) else ""
    context = {"call": call, "entries": list(call.entries.all()), "recording": recording}
    return page(request, "dashboard/call_detail.html", context, store=chosen_store(request))


@require_POST
@staff_required
def terminate(request: HttpRequest, pk: int) -> HttpResponse:
    """Hang up a live call (the same service as POST /api/calls/<id>/terminate)."""
    call = get_call(request, pk)
    try:
        services.terminate_call(call=call)
        messages.success(request, f"The call from {call.caller or 'an unknown number'} was hung up.")
    except Conflict:
        messages.warning(request, "The call had already ended.")
    except (BadGateway, ServiceUnavailable) as exc:
        messages.error(request, f"The call could not be hung up: {exc.detail}")
    return redirect("pages:call-detail", pk=call.pk)
