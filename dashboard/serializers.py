"""The business data's payloads (seed 004: snake_case): plans, subscriptions, billing, customers, callbacks,
the call queue, agent profiles and AI agents. Validation only; writes happen in dashboard.services."""
from __future__ import annotations

from typing import Any

from rest_framework import serializers

from callcenter.models import User
from calls.models import AgentProfile, Call, Customer, QueueEntry, ScheduledCallback
from dashboard.models import BillingRecord, Subscription, SubscriptionPlan
from store.tenancy import visible_stores
from voice.models import AIAgent


PERFORMANCE_KEYS = ("calls_handled", "successful_calls", "successful_conversions", "conversion_rate", "rated_calls", "positive_calls", "customer_satisfaction")


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A related row by id, among those of the stores the requester may see (another store's id is 'does not exist')."""

    def __init__(self, model: type, *, store_path: str = "store", **kwargs: Any) -> None:
        self.model, self.store_path = model, store_path
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        stores = visible_stores(request.user if request else None)
        return self.model.objects.filter(**{f"{self.store_path}__in": stores})


class SubscriptionPlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = SubscriptionPlan
        fields = ["id", "name", "plan_type", "price", "call_minutes_limit", "agents_allowed", "analytics_access", "advanced_analytics", "is_active", "created_at"]
        read_only_fields = ["created_at"]


class SubscriptionSerializer(serializers.ModelSerializer):
    store = serializers.SlugRelatedField(slug_field="slug", queryset=visible_stores(None))
    plan_name = serializers.CharField(source="plan.name", read_only=True)
    days_remaining = serializers.SerializerMethodField()
    minutes_used = serializers.SerializerMethodField()
    minutes_limit = serializers.IntegerField(source="plan.call_minutes_limit", read_only=True)

    class Meta:
        model = Subscription
        fields = [
            "id", "store", "plan", "plan_name", "status", "current_period_start", "current_period_end", "cancel_at_period_end",
            "cancelled_at", "days_remaining", "minutes_used", "minutes_limit", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["cancelled_at", "created_at", "updated_at"]
        # validate() says which rule failed; DRF's own check of the conditional constraint would not.
        validators: list = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        self.fields["store"].queryset = visible_stores(request.user if request else None)

    def get_days_remaining(self, sub: Subscription) -> int:
        return sub.days_remaining(self.context["now"])

    def get_minutes_used(self, sub: Subscription) -> int:
        return self.context["minutes"].get(sub.pk, 0)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        start = data.get("current_period_start", getattr(self.instance, "current_period_start", None))
        end = data.get("current_period_end", getattr(self.instance, "current_period_end", None))
        if start and end and end <= start:
            raise serializers.ValidationError({"current_period_end": ["The period ends after it starts."]})
        store = data.get("store", getattr(self.instance, "store", None))
        status = data.get("status", getattr(self.instance, "status", Subscription.Status.ACTIVE))
        if store is not None and status in Subscription.LIVE_STATUSES:
            others = Subscription.objects.filter(store=store, status__in=Subscription.LIVE_STATUSES)
            if self.instance is not None:
                others = others.exclude(pk=self.instance.pk)
            if others.exists():
                raise serializers.ValidationError({"store": ["The store already has a running subscription: cancel or end it first."]})
        return data


class BillingRecordSerializer(serializers.ModelSerializer):
    store = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    subscription = ScopedPrimaryKeyField(Subscription)

    class Meta:
        model = BillingRecord
        fields = ["id", "store", "subscription", "amount", "currency", "status", "description", "created_at", "paid_at"]
        extra_kwargs = {"created_at": {"required": False}}


class CustomerSerializer(serializers.ModelSerializer):
    store = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Customer
        fields = ["id", "store", "phone", "name", "email", "interest_level", "do_not_call", "notes", "first_call_at", "created_at", "updated_at"]
        read_only_fields = ["first_call_at", "created_at", "updated_at"]

    def validate_phone(self, value: str) -> str:
        value = value.strip()
        if not any(ch.isdigit() for ch in value):
            raise serializers.ValidationError("A phone number has digits.")
        store = self.context["store"]
        clash = Customer.objects.filter(store=store, phone=value)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError("The store already has a customer with this number.")
        return value


def _check_agent(agent: User | None, store_id: int) -> None:
    if agent is not None and (agent.role != User.Role.AGENT or agent.store_id != store_id):
        raise serializers.ValidationError({"assigned_agent": ["Assign an agent of the same store."]})


class ScheduledCallbackSerializer(serializers.ModelSerializer):
    store = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    customer = ScopedPrimaryKeyField(Customer)
    assigned_agent = ScopedPrimaryKeyField(User, store_path="store", required=False, allow_null=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    customer_phone = serializers.CharField(source="customer.phone", read_only=True)
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = ScheduledCallback
        fields = [
            "id", "store", "customer", "customer_name", "customer_phone", "scheduled_at", "reason", "priority", "status",
            "assigned_agent", "notes", "is_overdue", "completed_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["completed_at", "created_at", "updated_at"]

    def get_is_overdue(self, callback: ScheduledCallback) -> bool:
        return callback.is_overdue_at(self.context["now"])

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        customer = data.get("customer", getattr(self.instance, "customer", None))
        if self.instance is not None and customer is not None and customer.store_id != self.instance.store_id:
            raise serializers.ValidationError({"customer": ["A callback stays with its store's customers."]})
        if customer is not None and "assigned_agent" in data:
            _check_agent(data["assigned_agent"], customer.store_id)
        return data


class QueueEntrySerializer(serializers.ModelSerializer):
    store = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    call = ScopedPrimaryKeyField(Call, required=False, allow_null=True)
    customer = ScopedPrimaryKeyField(Customer, required=False, allow_null=True)
    assigned_agent = ScopedPrimaryKeyField(User, required=False, allow_null=True)
    wait_seconds = serializers.SerializerMethodField()

    class Meta:
        model = QueueEntry
        fields = ["id", "store", "call", "customer", "caller", "priority", "status", "assigned_agent", "enqueued_at", "assigned_at", "ended_at", "wait_seconds"]
        read_only_fields = ["assigned_at", "ended_at"]
        extra_kwargs = {"enqueued_at": {"required": False}}

    def get_wait_seconds(self, entry: QueueEntry) -> int:
        return entry.wait_seconds(self.context["now"])

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        store = self.context["store"]
        for name in ("call", "customer"):
            if data.get(name) is not None and data[name].store_id != store.pk:
                raise serializers.ValidationError({name: ["It belongs to another store."]})
        if "assigned_agent" in data:
            _check_agent(data["assigned_agent"], store.pk)
        return data


class AgentProfileSerializer(serializers.ModelSerializer):
    user = ScopedPrimaryKeyField(User)
    username = serializers.CharField(source="user.username", read_only=True)
    store = serializers.SlugRelatedField(source="user.store", slug_field="slug", read_only=True)

    class Meta:
        model = AgentProfile
        fields = ["id", "user", "username", "store", "status", "employee_id", "status_changed_at", "created_at"]
        read_only_fields = ["status_changed_at", "created_at"]

    def validate_user(self, user: User) -> User:
        if user.role != User.Role.AGENT:
            raise serializers.ValidationError("Only agents have an agent profile.")
        if self.instance is None and AgentProfile.objects.filter(user=user).exists():
            raise serializers.ValidationError("This agent already has a profile.")
        if self.instance is not None and user != self.instance.user:
            raise serializers.ValidationError("A profile stays with its agent.")
        return user


class AgentStatusSerializer(serializers.ModelSerializer):
    """What an agent may change on their own profile."""

    class Meta:
        model = AgentProfile
        fields = ["status"]


class AIAgentSerializer(serializers.ModelSerializer):
    store = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    is_ready_for_calls = serializers.BooleanField(read_only=True)
    performance = serializers.SerializerMethodField()

    class Meta:
        model = AIAgent
        fields = [
            "id", "store", "name", "personality_type", "voice", "language", "status", "training_level", "is_ready_for_calls",
            "working_hours_start", "working_hours_end", "instructions", "performance", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]

    def get_performance(self, agent: AIAgent) -> dict[str, Any]:
        # A new agent has handled no call yet.
        return self.context.get("performance", {}).get(agent.pk) or dict.fromkeys(PERFORMANCE_KEYS, 0)
