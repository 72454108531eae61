from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from callcenter.errors import Conflict
from calls import services
from calls.models import (
    AgentProfile,
    Call,
    CallHour,
    CallLanguageHour,
    Customer,
    CustomerHour,
    QueueEntry,
    ScheduledCallback,
    TranscriptEntry,
)


class TranscriptEntryInline(admin.TabularInline):
    model = TranscriptEntry
    extra = 0
    fields = ("seq", "speaker", "text", "at")
    readonly_fields = fields
    can_delete = False


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ("call_id", "store", "type", "status", "caller", "receiver", "start_time", "duration", "language")
    list_filter = ("status", "type", "language", "satisfaction", "store", "start_time")
    search_fields = ("call_id", "caller", "receiver", "outcome")
    date_hierarchy = "start_time"
    list_select_related = ("store",)
    readonly_fields = ("transcript_entry_count", "transcript_chars", "created_at", "updated_at")
    inlines = [TranscriptEntryInline]
    show_full_result_count = False  # no COUNT(*) over millions of calls on every page
    actions = ["terminate_calls"]

    # Writes go through the call services, like the API's, so the live dashboard hears them.
    def save_model(self, request: HttpRequest, obj: Call, form, change: bool) -> None:
        fields = {name: form.cleaned_data[name] for name in form.changed_data if name != "store"} if change else {}
        if not change:
            data = {name: value for name, value in form.cleaned_data.items() if name != "store"}
            created, _ = services.create_call(store=form.cleaned_data["store"], fields=data)
            obj.pk = created.pk
        elif fields:
            try:
                services.update_call(call=Call.objects.get(pk=obj.pk), fields=fields)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)

    def delete_model(self, request: HttpRequest, obj: Call) -> None:
        services.delete_call(call=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Call]) -> None:
        for call in queryset:
            services.delete_call(call=call)

    @admin.action(description="Hang up the selected live calls")
    def terminate_calls(self, request: HttpRequest, queryset: QuerySet[Call]) -> None:
        ended = 0
        for call in queryset.select_related("store"):
            try:
                services.terminate_call(call=call)
                ended += 1
            except Conflict:
                continue
        self.message_user(request, f"{ended} call(s) hung up; {queryset.count() - ended} had already ended.")


@admin.register(TranscriptEntry)
class TranscriptEntryAdmin(admin.ModelAdmin):
    list_display = ("call", "seq", "speaker", "text", "at")
    list_filter = ("speaker",)
    search_fields = ("call__call_id", "text")
    raw_id_fields = ("call",)
    list_select_related = ("call",)
    show_full_result_count = False


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("phone", "name", "store", "interest_level", "do_not_call", "first_call_at", "created_at")
    list_filter = ("interest_level", "do_not_call", "store")
    search_fields = ("phone", "name", "email")
    list_select_related = ("store",)
    readonly_fields = ("first_call_at", "created_at", "updated_at")
    show_full_result_count = False


@admin.register(ScheduledCallback)
class ScheduledCallbackAdmin(admin.ModelAdmin):
    list_display = ("customer", "store", "scheduled_at", "priority", "status", "assigned_agent", "reason")
    list_filter = ("status", "priority", "store", "scheduled_at")
    search_fields = ("customer__phone", "customer__name", "reason")
    list_select_related = ("customer", "store", "assigned_agent")
    raw_id_fields = ("customer",)
    readonly_fields = ("completed_at", "created_at", "updated_at")


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "status", "employee_id", "status_changed_at")
    list_filter = ("status", "user__store")
    search_fields = ("user__username", "user__email", "employee_id")
    list_select_related = ("user",)
    readonly_fields = ("status_changed_at", "created_at")


@admin.register(QueueEntry)
class QueueEntryAdmin(admin.ModelAdmin):
    list_display = ("caller", "store", "status", "priority", "assigned_agent", "enqueued_at", "assigned_at", "ended_at")
    list_filter = ("status", "store", "enqueued_at")
    search_fields = ("caller", "call__call_id", "customer__name")
    list_select_related = ("store", "assigned_agent")
    raw_id_fields = ("call", "customer")
    show_full_result_count = False


class ReadOnlyTotalsAdmin(admin.ModelAdmin):
    """Read only: database triggers keep these totals; a hand edit would make the dashboard lie."""

    list_filter = ("hour",)
    search_fields = ("=store_id",)
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CallHour)
class CallHourAdmin(ReadOnlyTotalsAdmin):
    list_display = ("store_id", "hour", "ai_agent_key", "calls", "success", "converted", "live", "billed_minutes")


@admin.register(CallLanguageHour)
class CallLanguageHourAdmin(ReadOnlyTotalsAdmin):
    list_display = ("store_id", "hour", "language", "calls")


@admin.register(CustomerHour)
class CustomerHourAdmin(ReadOnlyTotalsAdmin):
    list_display = ("store_id", "hour", "customers", "hot", "warm", "cold", "converted", "do_not_call")
