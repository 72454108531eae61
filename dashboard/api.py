"""The comprehensive dashboard (seed 004) and the business data's REST API: plans, subscriptions, billing,
customers, callbacks, the call queue, agent profiles and AI agents. Another store's row is a 404."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from drf_yasg import openapi
from drf_yasg.utils import swagger_auto_schema
from rest_framework import serializers, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from callcenter.permissions import IsStaffUser, role_of
from callcenter.validation import MAX_OFFSET, PageLimitField, validated
from calls import services as call_services
from calls.models import AgentProfile, Customer, QueueEntry, ScheduledCallback
from dashboard import examples, queries, services
from dashboard.comprehensive import comprehensive_dashboard
from dashboard.models import BillingRecord, Subscription, SubscriptionPlan
from dashboard.serializers import (
    AgentProfileSerializer,
    AgentStatusSerializer,
    AIAgentSerializer,
    BillingRecordSerializer,
    CustomerSerializer,
    QueueEntrySerializer,
    ScheduledCallbackSerializer,
    SubscriptionPlanSerializer,
    SubscriptionSerializer,
)
from store.models import Store
from store.tenancy import pick_store, require_store
from voice.models import AIAgent

STORE_PARAM = openapi.Parameter("store", openapi.IN_QUERY, "A store's slug: only its figures (404 for a store you may not see).", type=openapi.TYPE_STRING)
ROLE_PARAM = openapi.Parameter("role", openapi.IN_QUERY, "Ignored: the dashboard is always the signed-in user's own role's.", type=openapi.TYPE_STRING)


class ComprehensiveDashboardAPIView(APIView):
    """Everything a role's dashboard shows, in one answer and a fixed number of queries."""

    permission_classes = [IsStaffUser]

    @swagger_auto_schema(
        operation_summary="Comprehensive dashboard for the signed-in user's role",
        operation_description=examples.DESCRIPTION,
        manual_parameters=[STORE_PARAM, ROLE_PARAM],
        responses={200: examples.RESPONSE, 401: "Not signed in", 403: "A bot key (people only)", 404: "?store= names a store you may not see"},
        tags=["dashboard"],
    )
    def get(self, request: Request) -> Response:
        return Response(comprehensive_dashboard(request.user, store_slug=request.query_params.get("store"), now=timezone.now()))


# --- the business data ---------------------------------------------------------------------------


class RolesPerAction(BasePermission):
    """The roles each kind of request allows, named by the view: read, create, update, delete."""

    message = "Your role may not do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            kind = "read"
        else:
            kind = {"POST": "create", "PUT": "update", "PATCH": "update", "DELETE": "delete"}.get(request.method, "delete")
        return role_of(request.user) in view.roles[kind]


class PageSerializer(serializers.Serializer):
    limit = PageLimitField(maximum=1000, default=100)
    offset = serializers.IntegerField(min_value=0, max_value=MAX_OFFSET, default=0)


PEOPLE = {"admin", "user", "agent"}
MANAGERS = {"admin", "user"}
ADMIN = {"admin"}


def flag(params: dict[str, str], name: str) -> bool | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if value.lower() in ("1", "true", "yes"):
        return True
    if value.lower() in ("0", "false", "no"):
        return False
    raise serializers.ValidationError({name: ["Use true or false."]})


def choice(params: dict[str, str], name: str, choices: list[str]) -> str | None:
    value = params.get(name)
    if value and value not in choices:
        raise serializers.ValidationError({name: [f"'{value}' is not one of {', '.join(choices)}."]})
    return value or None


class BusinessViewSet(viewsets.ModelViewSet):
    """Plain CRUD over one store-scoped model: lists are paged (`limit`, `offset`, `X-Total-Count`), `?store=` narrows."""

    permission_classes = [RolesPerAction]
    roles: dict[str, set[str]] = {"read": PEOPLE, "create": MANAGERS, "update": MANAGERS, "delete": MANAGERS}
    model: type = Customer
    lookup_value_regex = "[0-9]+"
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        qs = self.model.objects.for_user(self.request.user)
        slug = self.request.query_params.get("store")
        if slug:
            qs = qs.filter(**{self.store_lookup: pick_store(self.request.user, slug)})
        return self.narrow(qs, self.request.query_params) if self.action == "list" else qs

    store_lookup = "store"

    def narrow(self, qs: QuerySet, params: dict[str, str]) -> QuerySet:
        return qs

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": timezone.now()}

    def store_context(self) -> dict[str, Any]:
        """The row's store, for serializers whose checks need it (a new row's, or the changed row's)."""
        if getattr(self, "swagger_fake_view", False):
            return {}
        if self.request.method == "POST":
            return {"store": self.write_store()}
        if self.kwargs.get("pk") and self.request.method in ("PUT", "PATCH"):
            return {"store": self.get_object().store}
        return {}

    def write_store(self) -> Store:
        """The store a new row belongs to: `store` in the body or the query, or the requester's only store."""
        slug = self.request.data.get("store") if isinstance(self.request.data, dict) else None
        return require_store(self.request.user, slug or self.request.query_params.get("store"))

    @swagger_auto_schema(manual_parameters=[STORE_PARAM, openapi.Parameter("limit", openapi.IN_QUERY, type=openapi.TYPE_INTEGER), openapi.Parameter("offset", openapi.IN_QUERY, type=openapi.TYPE_INTEGER, minimum=0, maximum=MAX_OFFSET)])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = validated(PageSerializer, request.query_params.dict()).validated_data
        rows = self.get_queryset()
        total = rows.count()
        items = list(rows[page["offset"] : page["offset"] + page["limit"]])
        response = Response(self.get_serializer(items, many=True, context=self.page_context(items)).data)
        response["X-Total-Count"] = str(total)
        return response

    def page_context(self, items: list) -> dict[str, Any]:
        return self.get_serializer_context()

    def perform_create(self, serializer: serializers.Serializer) -> None:
        serializer.instance = services.save_row(instance=self.model(), data=serializer.validated_data, store=self.write_store())

    def perform_update(self, serializer: serializers.Serializer) -> None:
        serializer.instance = services.save_row(instance=serializer.instance, data=serializer.validated_data)


class SubscriptionPlanViewSet(BusinessViewSet):
    """Plans: everyone signed in reads the offered ones; the platform admin manages them (and sees retired ones)."""

    model, serializer_class = SubscriptionPlan, SubscriptionPlanSerializer
    roles = {"read": PEOPLE, "create": ADMIN, "update": ADMIN, "delete": ADMIN}

    def get_queryset(self) -> QuerySet:
        qs = SubscriptionPlan.objects.all()
        return qs if role_of(self.request.user) == "admin" else qs.filter(is_active=True)

    def perform_create(self, serializer: serializers.Serializer) -> None:
        serializer.instance = services.save_row(instance=SubscriptionPlan(), data=serializer.validated_data)

    def perform_destroy(self, instance: SubscriptionPlan) -> None:
        if instance.subscriptions.exists():
            raise serializers.ValidationError({"plan": ["Stores subscribe to this plan: retire it (is_active false) instead."]})
        instance.delete()


class SubscriptionViewSet(BusinessViewSet):
    """Subscriptions: owners see their stores'; the admin manages them. `?status=`, `?expiring_within_days=`."""

    model, serializer_class = Subscription, SubscriptionSerializer
    roles = {"read": MANAGERS, "create": ADMIN, "update": ADMIN, "delete": ADMIN}

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("plan", "store")

    def narrow(self, qs: QuerySet, params: dict[str, str]) -> QuerySet:
        status = choice(params, "status", Subscription.Status.values)
        if status:
            qs = qs.filter(status=status)
        if params.get("expiring_within_days"):
            days = validated(ExpiringSerializer, params.dict()).validated_data["expiring_within_days"]
            now = timezone.now()
            qs = qs.filter(status__in=Subscription.LIVE_STATUSES, current_period_end__gt=now, current_period_end__lte=now + timedelta(days=days))
        return qs

    def page_context(self, items: list) -> dict[str, Any]:
        return {**self.get_serializer_context(), "minutes": queries.minutes_used(items)}

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if self.kwargs.get("pk") and "minutes" not in context:
            sub = Subscription.objects.for_user(self.request.user).filter(pk=self.kwargs["pk"]).first() if str(self.kwargs["pk"]).isdigit() else None
            context["minutes"] = queries.minutes_used([sub]) if sub else {}
        context.setdefault("minutes", {})
        return context

    def perform_create(self, serializer: serializers.Serializer) -> None:
        serializer.instance = services.save_row(instance=Subscription(), data=serializer.validated_data)


class ExpiringSerializer(serializers.Serializer):
    expiring_within_days = serializers.IntegerField(min_value=0, max_value=366)


class BillingRecordViewSet(BusinessViewSet):
    """Billing history: owners see their stores' charges; the admin records and changes them. `?status=`."""

    model, serializer_class = BillingRecord, BillingRecordSerializer
    roles = {"read": MANAGERS, "create": ADMIN, "update": ADMIN, "delete": ADMIN}

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("store")

    def narrow(self, qs: QuerySet, params: dict[str, str]) -> QuerySet:
        status = choice(params, "status", BillingRecord.Status.values)
        return qs.filter(status=status) if status else qs

    def perform_create(self, serializer: serializers.Serializer) -> None:
        serializer.instance = services.create_billing_record(data=serializer.validated_data)


class CustomerViewSet(BusinessViewSet):
    """Customers (a caller becomes one on their first call): owners manage, agents read. `?interest_level=`, `?do_not_call=`, `?q=`."""

    model, serializer_class = Customer, CustomerSerializer
    roles = {"read": PEOPLE, "create": MANAGERS, "update": MANAGERS, "delete": MANAGERS}

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("store")

    def narrow(self, qs: QuerySet, params: dict[str, str]) -> QuerySet:
        level = choice(params, "interest_level", Customer.Interest.values)
        if level:
            qs = qs.filter(interest_level=level)
        dnc = flag(params, "do_not_call")
        if dnc is not None:
            qs = qs.filter(do_not_call=dnc)
        if params.get("q"):
            qs = qs.filter(Q(phone__icontains=params["q"]) | Q(name__icontains=params["q"]))
        return qs

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), **self.store_context()}


class CallbackViewSet(BusinessViewSet):
    """Scheduled callbacks: owners manage them; agents see their store's and update theirs and unassigned ones.
    `?status=`, `?priority=`, `?overdue=true`, `?assigned=me`."""

    model, serializer_class = ScheduledCallback, ScheduledCallbackSerializer
    roles = {"read": PEOPLE, "create": MANAGERS, "update": PEOPLE, "delete": MANAGERS}

    def get_queryset(self) -> QuerySet:
        qs = super().get_queryset().select_related("store", "customer")
        if role_of(self.request.user) == "agent" and self.request.method not in SAFE_METHODS:
            qs = qs.filter(Q(assigned_agent=self.request.user) | Q(assigned_agent__isnull=True))
        return qs

    def narrow(self, qs: QuerySet, params: dict[str, str]) -> QuerySet:
        for name, choices in (("status", ScheduledCallback.Status.values), ("priority", ScheduledCallback.Priority.values)):
            value = choice(params, name, choices)
            if value:
                qs = qs.filter(**{name: value})
        if flag(params, "overdue"):
            qs = qs.overdue(timezone.now())
        if params.get("assigned") == "me":
            qs = qs.filter(assigned_agent=self.request.user)
        return qs

    def perform_create(self, serializer: serializers.Serializer) -> None:
        data = serializer.validated_data
        # One service makes every callback (the voice agent's too): it sends callbackCreated after the commit.
        serializer.instance = call_services.create_callback(store=data["customer"].store, **data)


class QueueViewSet(BusinessViewSet):
    """The call queue: staff and the store's bot add and move callers; owners remove entries. `?status=`, `?assigned=me`."""

    model, serializer_class = QueueEntry, QueueEntrySerializer
    roles = {"read": PEOPLE | {"bot"}, "create": PEOPLE | {"bot"}, "update": PEOPLE | {"bot"}, "delete": MANAGERS}

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("store")

    def narrow(self, qs: QuerySet, params: dict[str, str]) -> QuerySet:
        status = choice(params, "status", QueueEntry.Status.values)
        if status:
            qs = qs.filter(status=status)
        if params.get("assigned") == "me":
            qs = qs.filter(assigned_agent=self.request.user)
        return qs

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), **self.store_context()}


class AgentProfileViewSet(BusinessViewSet):
    """Agents' profiles: owners manage their stores' agents; an agent sees and sets the status of their own."""

    model, serializer_class = AgentProfile, AgentProfileSerializer
    roles = {"read": PEOPLE, "create": MANAGERS, "update": PEOPLE, "delete": MANAGERS}
    store_lookup = "user__store"

    def get_queryset(self) -> QuerySet:
        qs = super().get_queryset().select_related("user__store")
        return qs.filter(user=self.request.user) if role_of(self.request.user) == "agent" else qs

    def narrow(self, qs: QuerySet, params: dict[str, str]) -> QuerySet:
        status = choice(params, "status", AgentProfile.Status.values)
        return qs.filter(status=status) if status else qs

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if role_of(self.request.user) == "agent" and self.request.method not in SAFE_METHODS:
            return AgentStatusSerializer
        return AgentProfileSerializer

    def perform_create(self, serializer: serializers.Serializer) -> None:
        serializer.instance = services.save_row(instance=AgentProfile(), data=serializer.validated_data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        super().update(request, *args, **kwargs)
        return Response(AgentProfileSerializer(self.get_object(), context=self.get_serializer_context()).data)


class AIAgentViewSet(BusinessViewSet):
    """AI agents: owners manage their stores' agents, agents read them; figures are counted from calls. `?status=`, `?training=incomplete`."""

    model, serializer_class = AIAgent, AIAgentSerializer
    roles = {"read": PEOPLE, "create": MANAGERS, "update": MANAGERS, "delete": MANAGERS}

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("store").order_by("store_id", "created_at", "id")

    def narrow(self, qs: QuerySet, params: dict[str, str]) -> QuerySet:
        status = choice(params, "status", AIAgent.Status.values)
        if status:
            qs = qs.filter(status=status)
        if params.get("training") == "incomplete":
            qs = qs.filter(training_level__lt=AIAgent.READY_TRAINING_LEVEL)
        return qs

    def page_context(self, items: list) -> dict[str, Any]:
        return {**self.get_serializer_context(), "performance": queries.ai_agent_performance([agent.pk for agent in items])}

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        pk = self.kwargs.get("pk")
        context.setdefault("performance", queries.ai_agent_performance([int(pk)]) if pk and str(pk).isdigit() else {})
        return context
