"""The call log REST API (seed 000): bots write, staff read, envelope {success, data}."""
from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, StreamingHttpResponse
from django.utils import timezone
from drf_yasg import openapi
from drf_yasg.utils import no_body, swagger_auto_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from callcenter.schema import DONE
from callcenter.validation import validated
from callcenter.permissions import IsAdminOrOwner, IsStaffOrBot, IsStaffUser, role_of
from calls import export, queries, services
from calls.models import Call
from calls.serializers import (
    CallFilterSerializer,
    CallUpdateSerializer,
    CallWriteSerializer,
    TranscriptAppendSerializer,
    call_to_dict,
)
from store.models import Store
from store.tenancy import pick_store, require_store, visible_store_ids

CALL_EXAMPLE = {
    "callId": "TEST123",
    "type": "inbound",
    "caller": "+1234567890",
    "receiver": "+0987654321",
    "startTime": "2025-10-05T10:00:00Z",
    "status": "in-progress",
    "language": "mixed",
}
envelope = openapi.Schema(
    type=openapi.TYPE_OBJECT,
    properties={"success": openapi.Schema(type=openapi.TYPE_BOOLEAN), "data": openapi.Schema(type=openapi.TYPE_OBJECT)},
    example={"success": True, "data": {**CALL_EXAMPLE, "id": 1, "_id": "1", "duration": 0}},
)

list_envelope = openapi.Schema(
    type=openapi.TYPE_OBJECT,
    properties={
        "success": openapi.Schema(type=openapi.TYPE_BOOLEAN),
        "data": openapi.Schema(type=openapi.TYPE_ARRAY, items=openapi.Schema(type=openapi.TYPE_OBJECT)),
        "pagination": openapi.Schema(type=openapi.TYPE_OBJECT),
    },
)


def request_tz(request: Request, store: Store | None = None) -> zoneinfo.ZoneInfo:
    """Naive timestamps and days are read in the store's time zone (or the user's only store's)."""
    store = store or pick_store(request.user, request.query_params.get("store"))
    return store.tzinfo if store else zoneinfo.ZoneInfo(settings.TIME_ZONE)


def visible_store_scope(request: Request) -> list[int] | None:
    """The ids of the stores whose calls the requester may see, narrowed to `?store=<slug>` (None: every store)."""
    slug = request.query_params.get("store")
    return [pick_store(request.user, slug).pk] if slug else visible_store_ids(request.user)


def visible_calls(request: Request) -> QuerySet[Call]:
    """Calls the requester may see, narrowed to `?store=<slug>` when given."""
    return Call.objects.in_stores(visible_store_scope(request))


def get_call(request: Request, ref: str, *, for_update: bool = False) -> Call:
    """A call by database id or callId, among the calls the requester may see; 404 otherwise.

    `for_update`: its row is locked until the caller's transaction ends (the services then need no second read).
    """
    # isascii(): "²" and other Unicode digits pass isdigit() but int() refuses them.
    match = Q(call_id=ref) | Q(pk=int(ref)) if ref.isascii() and ref.isdigit() and len(ref) < 18 else Q(call_id=ref)
    bot_store = getattr(request.user, "bot_store", None)
    if bot_store is not None and not request.query_params.get("store"):
        # A bot key sees one store, read with the key: no tenancy query, no join.
        calls = Call.objects.filter(match, store_id=bot_store.pk).order_by()
        found = list((calls.select_for_update() if for_update else calls)[:2])
        for call in found:
            call.store = bot_store
    else:
        calls = visible_calls(request).filter(match).select_related("store")
        found = list((calls.select_for_update(of=("self",)) if for_update else calls)[:5])
    # The callId wins over a database id of the same digits; among stores, the newest call.
    calls = sorted(found, key=lambda c: (c.call_id != ref, -c.pk))
    if not calls:
        raise Http404("Call log not found")
    return calls[0]


def store_for_write(request: Request, slug: str | None) -> Store:
    """The store a new call belongs to: the bot key's, or the one a person names or has."""
    if role_of(request.user) == "bot":
        return request.user.bot_store
    return require_store(request.user, slug or request.query_params.get("store"))



class CallListCreateView(APIView):
    """GET: the call log, filtered and paged. POST: a bot logs a call (idempotent on callId)."""

    def get_permissions(self):
        return [IsStaffOrBot()] if self.request.method == "POST" else [IsStaffUser()]

    @swagger_auto_schema(query_serializer=CallFilterSerializer, responses={200: list_envelope})
    def get(self, request: Request) -> Response:
        params = validated(CallFilterSerializer, request.query_params.dict(), tz=timezone.get_current_timezone()).validated_data
        store_ids = visible_store_scope(request)
        calls = Call.objects.in_stores(store_ids)
        tz = request_tz(request)
        qs = queries.filter_calls(calls, params, tz)
        total = queries.count_calls(qs, params, store_ids, tz)
        limit, page = params["limit"], params["page"]
        start, end = (page - 1) * limit, page * limit
        # The page's ids come from the index alone, then only those rows are read: a plain OFFSET
        # reads every skipped row. Past the middle, the ids are read from the other end, backwards:
        # the last page of a million calls skips nothing (a skip of 666,000 index entries took 0.28 s).
        if start >= total:
            window = None
        elif start > total - min(end, total):
            window = qs.reverse().values("pk")[total - min(end, total) : total - start]
        else:
            window = qs.values("pk")[start:end]
        rows = [] if window is None else qs.filter(pk__in=window).select_related("store")
        return Response(
            {
                "success": True,
                "data": [call_to_dict(call) for call in rows],
                "pagination": {"current": page, "pages": -(-total // limit), "total": total, "limit": limit},
            }
        )

    @swagger_auto_schema(request_body=CallWriteSerializer, responses={201: envelope, 200: "The callId exists: the existing call"})
    def post(self, request: Request) -> Response:
        slug = request.data.get("store") if isinstance(request.data, dict) else None
        store = store_for_write(request, slug)
        serializer = validated(CallWriteSerializer, request.data, tz=store.tzinfo)
        text = serializer.validated_data.get("transcript")
        call, created = services.create_call(
            store=store, fields=serializer.model_fields(), transcript=services.parse_transcript_text(text) if text else None
        )
        return Response({"success": True, "data": call_to_dict(call)}, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class CallDetailView(APIView):
    """One call: GET with its transcript, PATCH any field, DELETE (admin, owner)."""

    def get_permissions(self):
        method = self.request.method
        if method == "PATCH":
            return [IsStaffOrBot()]
        if method == "DELETE":
            return [IsAdminOrOwner()]
        return [IsStaffUser()]

    @swagger_auto_schema(responses={200: envelope, 404: "Call log not found"})
    def get(self, request: Request, ref: str) -> Response:
        call = get_call(request, ref)
        return Response({"success": True, "data": call_to_dict(call, entries=list(call.entries.all()))})

    @swagger_auto_schema(
        request_body=CallUpdateSerializer,
        responses={200: envelope, 404: "Call log not found"},
        operation_description='Example: `{"endTime": "2025-10-05T10:05:00Z", "status": "success", "duration": 300}`',
    )
    def patch(self, request: Request, ref: str) -> Response:
        # The fields and the transcript land together: a 413 on the append undoes the update.
        # The row is locked as it is found: the services write without reading it again.
        with transaction.atomic():
            call = get_call(request, ref, for_update=True)
            serializer = validated(CallUpdateSerializer, request.data, tz=call.store.tzinfo)
            fields = serializer.model_fields()
            text = serializer.validated_data.get("transcript")
            if fields:
                call = services.update_call(call=call, fields=fields, locked=True)
            if text:
                services.set_transcript(call=call, entries=services.parse_transcript_text(text), locked=True)
        return Response({"success": True, "data": call_to_dict(call)})

    @swagger_auto_schema(responses={200: DONE, 404: "Call log not found"})
    def delete(self, request: Request, ref: str) -> Response:
        services.delete_call(call=get_call(request, ref))
        return Response({"success": True, "message": "Call log deleted successfully"})


class CallTranscriptView(APIView):
    """PATCH: append lines to a call's transcript; answers the whole transcript."""

    permission_classes = [IsStaffOrBot]

    @swagger_auto_schema(
        request_body=TranscriptAppendSerializer,
        operation_description='Example: `{"transcript": "User: Hello\\nBot: Hi there!\\n"}` or `{"entries": [{"speaker": "User", "text": "Hello"}]}`',
        responses={200: envelope, 413: "Append over 64 KB, or transcript past 1 MB"},
    )
    def patch(self, request: Request, ref: str) -> Response:
        call = get_call(request, ref)
        data = validated(TranscriptAppendSerializer, request.data, tz=call.store.tzinfo).validated_data
        entries = services.parse_transcript_text(data.get("transcript") or "")
        entries += [services.EntryIn(speaker=e["speaker"], text=e["text"], at=e.get("at")) for e in data.get("entries", [])]
        if not entries:
            raise serializers.ValidationError({"transcript": ["Nothing to append."]})
        transcript = services.append_transcript(call=call, entries=entries)
        return Response({"success": True, "data": {"callId": call.call_id, "transcript": transcript}})


range_params = [
    openapi.Parameter("startDate", openapi.IN_QUERY, type=openapi.TYPE_STRING, description="YYYY-MM-DD or ISO 8601"),
    openapi.Parameter("endDate", openapi.IN_QUERY, type=openapi.TYPE_STRING, description="YYYY-MM-DD or ISO 8601"),
    openapi.Parameter("store", openapi.IN_QUERY, type=openapi.TYPE_STRING, description="store slug"),
]


class CallStatsView(APIView):
    @swagger_auto_schema(manual_parameters=range_params)
    def get(self, request: Request) -> Response:
        params = {k: request.query_params.get(k) for k in ("startDate", "endDate")}
        return Response({"success": True, "data": queries.call_stats(visible_store_scope(request), params, request_tz(request))})


class ActiveCallsView(APIView):
    def get(self, request: Request) -> Response:
        return Response({"success": True, "data": queries.active_calls_with_transcripts(visible_calls(request))})


class CallAnalyticsView(APIView):
    @swagger_auto_schema(
        manual_parameters=[
            openapi.Parameter("period", openapi.IN_QUERY, type=openapi.TYPE_STRING, enum=list(queries.PERIODS), default="7d"),
            range_params[2],
        ]
    )
    def get(self, request: Request) -> Response:
        period = request.query_params.get("period") or "7d"
        if period not in queries.PERIODS:
            raise serializers.ValidationError({"period": [f"Use one of {', '.join(queries.PERIODS)}."]})
        return Response({"success": True, "data": queries.call_analytics(visible_store_scope(request), period, request_tz(request))})


class CallExportView(APIView):
    """GET: the same filters as the list, streamed as CSV, one row a call."""

    @swagger_auto_schema(query_serializer=CallFilterSerializer, responses={200: "CSV, one row a call"}, produces=["text/csv", "application/json"])
    def get(self, request: Request) -> StreamingHttpResponse:
        params = validated(CallFilterSerializer, request.query_params.dict(), tz=timezone.get_current_timezone()).validated_data
        tz = request_tz(request)
        qs = queries.filter_calls(visible_calls(request), params, tz)
        response = StreamingHttpResponse(export.csv_chunks(qs, tz), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="calls-{timezone.now():%Y%m%d-%H%M}.csv"'
        return response


class CallTerminateView(APIView):
    """POST: hang up a live call; 409 when it has already ended."""

    permission_classes = [IsStaffUser]

    @swagger_auto_schema(request_body=no_body, responses={200: envelope, 409: "Call is not active"})
    def post(self, request: Request, ref: str) -> Response:
        call = services.terminate_call(call=get_call(request, ref))
        return Response({"success": True, "message": "Call terminated", "data": call_to_dict(call)})
