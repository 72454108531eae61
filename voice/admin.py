from django.contrib import admin

from voice.models import AIAgent


@admin.register(AIAgent)
class AIAgentAdmin(admin.ModelAdmin):
    list_display = ("name", "store", "status", "training_level", "personality_type", "voice", "working_hours_start", "working_hours_end")
    list_filter = ("status", "personality_type", "store")
    search_fields = ("name", "store__name", "store__slug")
    list_select_related = ("store",)
    readonly_fields = ("created_at", "updated_at")
