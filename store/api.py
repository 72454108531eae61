"""The store back office API (seed 001): GET answers the bare object or list, writes answer
{success, message, data}. Owners and admins write; agents and bot keys read; other stores are 404."""
from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from drf_yasg import openapi
from drf_yasg.utils import swagger_auto_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from callcenter.permissions import IsAdmin, IsAdminOrOwner, role_of
from callcenter.schema import WriteEnvelopeAutoSchema
from callcenter.validation import MAX_OFFSET, PageLimitField, validated
from store import services
from store.models import (
    AuditEntry,
    Coupon,
    Department,
    Faq,
    InventoryItem,
    InventoryWord,
    StaffMember,
    Store,
    StoreSettings,
    VoiceTemplate,
    words_of,
)
from store.serializers import (
    AuditEntrySerializer,
    CouponSerializer,
    DepartmentSerializer,
    FaqSerializer,
    InventoryItemSerializer,
    StaffMemberSerializer,
    StoreInfoSerializer,
    StoreSerializer,
    StoreSettingsSerializer,
    VoiceTemplateSerializer,
)
from store.tenancy import pick_store, require_store, visible_stores

STORE_PARAM = openapi.Parameter("store", openapi.IN_QUERY, "The store's slug (needed when you see several stores).", type=openapi.TYPE_STRING)
PAGE_PARAMS = [
    STORE_PARAM,
    openapi.Parameter("limit", openapi.IN_QUERY, "Rows per page (1-1000, default 100; more is read as 1000).", type=openapi.TYPE_INTEGER),
    openapi.Parameter("offset", openapi.IN_QUERY, "Rows to skip.", type=openapi.TYPE_INTEGER, minimum=0, maximum=MAX_OFFSET),
]
SEARCH_PARAMS = [
    openapi.Parameter("q", openapi.IN_QUERY, "Words of a name, SKU or alias (any word, case and accents ignored).", type=openapi.TYPE_STRING),
    openapi.Parameter("department", openapi.IN_QUERY, "A department's name.", type=openapi.TYPE_STRING),
]


class ReadStaffOrBotWriteOwner(BasePermission):
    """Reads: any staff role or the store's bot key. Writes: admins and owners."""

    message = "Your role may read this store's data but not change it."

    def has_permission(self, request: Request, view: Any) -> bool:
        role = role_of(request.user)
        if request.method in SAFE_METHODS:
            return role in {"admin", "user", "agent", "bot"}
        return role in IsAdminOrOwner.roles


class PageSerializer(serializers.Serializer):
    limit = PageLimitField(maximum=1000, default=100)
    offset = serializers.IntegerField(min_value=0, max_value=MAX_OFFSET, default=0)


def store_from(request: Request) -> Store:
    return require_store(request.user, request.query_params.get("store"))


def store_for_options(request: Request) -> Store:
    """For DRF's OPTIONS metadata, which checks the object behind PUT: the store named or the only one, else 404."""
    store = pick_store(request.user, request.query_params.get("store"))
    if store is None:
        raise Http404("Name the store (?store=<slug>).")
    return store


def written(message: str, data: dict[str, Any]) -> Response:
    return Response({"success": True, "message": message, "data": data})


def paged(request: Request, rows: QuerySet, serializer_class: type[serializers.Serializer], **context: Any) -> Response:
    """One page of `rows` as a bare list (as seed 001 answered), with the total in X-Total-Count."""
    page = validated(PageSerializer, request.query_params.dict()).validated_data
    total = rows.count()
    items = rows[page["offset"] : page["offset"] + page["limit"]]
    response = Response(serializer_class(items, many=True, context=context).data)
    response["X-Total-Count"] = str(total)
    return response


class StoreRowsView(GenericAPIView):
    """GET a store's rows (paged); POST adds one. Subclasses name the model and serializer."""

    swagger_schema = WriteEnvelopeAutoSchema
    permission_classes = [ReadStaffOrBotWriteOwner]
    model: type = Department
    label = "Row"
    related: tuple[str, ...] = ()

    def get_queryset(self) -> QuerySet:
        return self.model.objects.none()

    def rows(self, request: Request, store: Store) -> QuerySet:
        return self.model.objects.filter(store=store).select_related(*self.related)

    @swagger_auto_schema(manual_parameters=PAGE_PARAMS)
    def get(self, request: Request) -> Response:
        store = store_from(request)
        return paged(request, self.rows(request, store), self.serializer_class, store=store)

    @swagger_auto_schema(manual_parameters=[STORE_PARAM])
    def post(self, request: Request) -> Response:
        store = store_from(request)
        data = validated(self.serializer_class, request.data, tz=store.tzinfo, context={"store": store}).validated_data
        row = services.save_record(actor=request.user, store=store, instance=self.model(), data=data)
        return written(f"{self.label} added successfully", self.serializer_class(row, context={"store": store}).data)


class StoreRowView(GenericAPIView):
    """GET, PUT/PATCH (both change only the fields sent, as seed 001's PUT did) and DELETE one row."""

    swagger_schema = WriteEnvelopeAutoSchema
    permission_classes = [ReadStaffOrBotWriteOwner]
    model: type = Department
    label = "Row"
    related: tuple[str, ...] = ()

    def get_queryset(self) -> QuerySet:
        return self.model.objects.none()

    def get_row(self, request: Request, pk: str):
        stores = visible_stores(request.user)
        slug = request.query_params.get("store")
        if slug:
            stores = stores.filter(slug=slug)
        row = self.model.objects.filter(pk=pk, store__in=stores).select_related("store", *self.related).first()
        if row is None:
            raise Http404(f"{self.label} not found")
        return row

    @swagger_auto_schema(manual_parameters=[STORE_PARAM])
    def get(self, request: Request, pk: str) -> Response:
        row = self.get_row(request, pk)
        return Response(self.serializer_class(row, context={"store": row.store}).data)

    @swagger_auto_schema(manual_parameters=[STORE_PARAM])
    def put(self, request: Request, pk: str) -> Response:
        row = self.get_row(request, pk)
        store = row.store
        data = validated(self.serializer_class, request.data, tz=store.tzinfo, instance=row, partial=True, context={"store": store}).validated_data
        row = services.save_record(actor=request.user, store=store, instance=row, data=data)
        return written(f"{self.label} updated successfully", self.serializer_class(row, context={"store": store}).data)

    @swagger_auto_schema(manual_parameters=[STORE_PARAM])
    def patch(self, request: Request, pk: str) -> Response:
        return self.put(request, pk)

    @swagger_auto_schema(manual_parameters=[STORE_PARAM])
    def delete(self, request: Request, pk: str) -> Response:
        row = self.get_row(request, pk)
        services.delete_record(actor=request.user, store=row.store, instance=row)
        return Response({"success": True, "message": f"{self.label} deleted successfully"})


def search_inventory(rows: QuerySet, *, store: Store, q: str) -> QuerySet:
    """Items with a word of their name, SKU or aliases starting with any word of `q` (folded)."""
    words = words_of(q)
    if not words:
        return rows
    starts = Q()
    for word in words:
        starts |= Q(word__startswith=word)
    return rows.filter(pk__in=InventoryWord.objects.filter(starts, store=store).values("item_id"))


class DepartmentsView(StoreRowsView):
    model, serializer_class, label = Department, DepartmentSerializer, "Department"


class DepartmentView(StoreRowView):
    model, serializer_class, label = Department, DepartmentSerializer, "Department"


class InventoryView(StoreRowsView):
    model, serializer_class, label, related = InventoryItem, InventoryItemSerializer, "Item", ("department",)

    def rows(self, request: Request, store: Store) -> QuerySet:
        rows = super().rows(request, store)
        if request.query_params.get("department"):
            rows = rows.filter(department__name__iexact=request.query_params["department"])
        return search_inventory(rows, store=store, q=request.query_params.get("q", ""))

    @swagger_auto_schema(manual_parameters=PAGE_PARAMS + SEARCH_PARAMS)
    def get(self, request: Request) -> Response:
        return super().get(request)


class InventoryItemView(StoreRowView):
    model, serializer_class, label, related = InventoryItem, InventoryItemSerializer, "Item", ("department",)


class CouponsView(StoreRowsView):
    model, serializer_class, label, related = Coupon, CouponSerializer, "Coupon", ("department", "item")


class CouponView(StoreRowView):
    model, serializer_class, label, related = Coupon, CouponSerializer, "Coupon", ("department", "item")


class VoiceTemplatesView(StoreRowsView):
    model, serializer_class, label = VoiceTemplate, VoiceTemplateSerializer, "Voice template"

    @swagger_auto_schema(manual_parameters=[STORE_PARAM], operation_description="A `variation_number` the prompt already has becomes the next free one; the message says so.")
    def post(self, request: Request) -> Response:
        store = store_from(request)
        data = validated(self.serializer_class, request.data, tz=store.tzinfo, context={"store": store, "next_free_variation": True}).validated_data
        row, asked = services.add_voice_template(actor=request.user, store=store, data=data)
        moved = f" as variation {row.variation_number} (variation {asked} was taken)" if asked else ""
        return written(f"Voice template added successfully{moved}", self.serializer_class(row, context={"store": store}).data)


class VoiceTemplateView(StoreRowView):
    model, serializer_class, label = VoiceTemplate, VoiceTemplateSerializer, "Voice template"


class StaffView(StoreRowsView):
    model, serializer_class, label, related = StaffMember, StaffMemberSerializer, "Staff member", ("department",)


class StaffMemberView(StoreRowView):
    model, serializer_class, label, related = StaffMember, StaffMemberSerializer, "Staff member", ("department",)


class FaqsView(StoreRowsView):
    """The store's knowledge base: questions callers ask and the answers the voice agent speaks."""

    model, serializer_class, label = Faq, FaqSerializer, "FAQ"


class FaqView(StoreRowView):
    model, serializer_class, label = Faq, FaqSerializer, "FAQ"


class OneObjectAutoSchema(WriteEnvelopeAutoSchema):
    """The path has no id, but GET answers one object, not a list."""

    def is_list_view(self) -> bool:
        return False


class StoreObjectView(GenericAPIView):
    """GET, and PUT/PATCH (only the fields sent), the one object a store has of a kind; subclasses say which."""

    swagger_schema = OneObjectAutoSchema
    permission_classes = [ReadStaffOrBotWriteOwner]
    queryset = Store.objects.none()
    message = "Updated successfully"

    def object_of(self, store: Store):
        raise NotImplementedError

    def get_object(self) -> Store:
        return store_for_options(self.request)

    @swagger_auto_schema(manual_parameters=[STORE_PARAM])
    def get(self, request: Request) -> Response:
        return Response(self.serializer_class(self.object_of(store_from(request))).data)

    @swagger_auto_schema(manual_parameters=[STORE_PARAM])
    def put(self, request: Request) -> Response:
        store = store_from(request)
        current = self.object_of(store)
        data = validated(self.serializer_class, request.data, instance=current, partial=True).validated_data
        services.save_record(actor=request.user, store=store, instance=current, data=data)
        return written(self.message, self.serializer_class(current).data)

    @swagger_auto_schema(manual_parameters=[STORE_PARAM])
    def patch(self, request: Request) -> Response:
        return self.put(request)


class StoreInfoView(StoreObjectView):
    """The store's info (seed 001's store_info.json, plus time zone and opening hours)."""

    serializer_class = StoreInfoSerializer
    message = "Store information updated successfully"

    def object_of(self, store: Store) -> Store:
        return store


class SettingsView(StoreObjectView):
    """The voice agent's settings for the store."""

    serializer_class = StoreSettingsSerializer
    message = "Settings updated successfully"

    def object_of(self, store: Store) -> StoreSettings:
        return services.settings_of(store)


class StoresView(GenericAPIView):
    """GET the stores you may see; POST (admin) creates one."""

    swagger_schema = WriteEnvelopeAutoSchema
    serializer_class = StoreSerializer
    queryset = Store.objects.none()

    def get_permissions(self) -> list[BasePermission]:
        return [IsAdmin()] if self.request.method == "POST" else [ReadStaffOrBotWriteOwner()]

    @swagger_auto_schema(manual_parameters=PAGE_PARAMS[1:])
    def get(self, request: Request) -> Response:
        return paged(request, visible_stores(request.user).select_related("owner").order_by("name", "id"), StoreSerializer)

    def post(self, request: Request) -> Response:
        data = validated(StoreSerializer, request.data).validated_data
        store = services.save_store(actor=request.user, store=Store(), data=data)
        return written("Store created successfully", StoreSerializer(store).data)


class StoreView(GenericAPIView):
    """GET one store by slug; PUT/PATCH change it (admin; an owner their own, but not its owner)."""

    swagger_schema = WriteEnvelopeAutoSchema
    permission_classes = [ReadStaffOrBotWriteOwner]
    serializer_class = StoreSerializer
    queryset = Store.objects.none()

    def get_object(self) -> Store:
        return self.get_store(self.request, self.kwargs["slug"])

    def get_store(self, request: Request, slug: str) -> Store:
        store = visible_stores(request.user).select_related("owner").filter(slug=slug).first()
        if store is None:
            raise Http404("Store not found")
        return store

    def get(self, request: Request, slug: str) -> Response:
        return Response(StoreSerializer(self.get_store(request, slug)).data)

    def put(self, request: Request, slug: str) -> Response:
        store = self.get_store(request, slug)
        data = validated(StoreSerializer, request.data, instance=store, partial=True).validated_data
        if "owner" in data and data["owner"] != store.owner and role_of(request.user) != "admin":
            raise serializers.ValidationError({"owner": ["Only a platform admin can change a store's owner."]})
        services.save_store(actor=request.user, store=store, data=data)
        return written("Store updated successfully", StoreSerializer(store).data)

    def patch(self, request: Request, slug: str) -> Response:
        return self.put(request, slug)


class AuditLogFilter(PageSerializer):
    model = serializers.ChoiceField(choices=["store", "department", "inventoryitem", "coupon", "voicetemplate", "staffmember", "faq", "storesettings"], required=False)
    action = serializers.ChoiceField(choices=AuditEntry.Action.choices, required=False)


class AuditLogView(GenericAPIView):
    """GET /api/audit-log: every change to store data, newest first (admin; owners their stores)."""

    permission_classes = [IsAdminOrOwner]
    serializer_class = AuditEntrySerializer
    queryset = AuditEntry.objects.none()

    @swagger_auto_schema(query_serializer=AuditLogFilter, manual_parameters=[STORE_PARAM])
    def get(self, request: Request) -> Response:
        params = validated(AuditLogFilter, request.query_params.dict()).validated_data
        stores = visible_stores(request.user)
        if request.query_params.get("store"):
            stores = [require_store(request.user, request.query_params["store"])]
        rows = AuditEntry.objects.filter(store__in=stores).select_related("store")
        rows = rows.filter(**{key: params[key] for key in ("model", "action") if key in params})
        return paged(request, rows, AuditEntrySerializer)
