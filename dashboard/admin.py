from django.contrib import admin

from dashboard.models import BillingRecord, Subscription, SubscriptionPlan


@admin.register(SubscriptionPlan)
class SubscriptionPlanAdmin(admin.ModelAdmin):
    list_display = ("name", "plan_type", "price", "call_minutes_limit", "agents_allowed", "analytics_access", "advanced_analytics", "is_active")
    list_filter = ("plan_type", "is_active", "analytics_access", "advanced_analytics")
    search_fields = ("name",)


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("store", "plan", "status", "current_period_start", "current_period_end", "cancel_at_period_end")
    list_filter = ("status", "plan", "cancel_at_period_end", "current_period_end")
    search_fields = ("store__name", "store__slug", "plan__name")
    list_select_related = ("store", "plan")
    readonly_fields = ("cancelled_at", "created_at", "updated_at")


@admin.register(BillingRecord)
class BillingRecordAdmin(admin.ModelAdmin):
    list_display = ("store", "amount", "currency", "status", "description", "created_at", "paid_at")
    list_filter = ("status", "currency", "created_at")
    search_fields = ("store__name", "store__slug", "description")
    list_select_related = ("store",)
    raw_id_fields = ("subscription",)
