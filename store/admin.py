from django.contrib import admin

from store.models import Store


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "owner", "timezone", "language", "created_at")
    list_filter = ("timezone", "language")
    search_fields = ("name", "slug", "owner__username")
    prepopulated_fields = {"slug": ("name",)}
    list_select_related = ("owner",)
