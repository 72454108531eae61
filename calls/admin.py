from django.contrib import admin

from calls.models import Call, TranscriptEntry


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


@admin.register(TranscriptEntry)
class TranscriptEntryAdmin(admin.ModelAdmin):
    list_display = ("call", "seq", "speaker", "text", "at")
    list_filter = ("speaker",)
    search_fields = ("call__call_id", "text")
    raw_id_fields = ("call",)
    list_select_related = ("call",)
    show_full_result_count = False
