from django.contrib import admin

from store import models, services


@admin.register(models.Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "owner", "timezone", "language", "created_at")
    list_filter = ("timezone", "language")
    search_fields = ("name", "slug", "owner__username")
    prepopulated_fields = {"slug": ("name",)}
    list_select_related = ("owner",)

    def save_model(self, request, obj: models.Store, form, change: bool) -> None:
        before = models.Store.objects.filter(pk=obj.pk).values_list("owner_id", flat=True).first() if change else None
        super().save_model(request, obj, form, change)
        if change and obj.owner_id != before:
            services.close_owner_sockets(before, obj.owner_id)


class StoreRowAdmin(admin.ModelAdmin):
    list_filter = ("store", "is_active")
    list_select_related = ("store",)
    readonly_fields = ("created_at",)


@admin.register(models.Department)
class DepartmentAdmin(StoreRowAdmin):
    list_display = ("name", "store", "phone_extension", "phone", "is_active")
    search_fields = ("name", "phone_extension", "description")


@admin.register(models.InventoryItem)
class InventoryItemAdmin(StoreRowAdmin):
    list_display = ("name", "sku", "store", "department", "price", "stock_quantity", "location", "is_active")
    list_filter = ("store", "is_active", "department__name")
    list_select_related = ("store", "department")
    search_fields = ("name", "sku")
    raw_id_fields = ("department",)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        # As store.services.save_record does: the item is found by its new name, SKU or alias at once.
        if not change or {"name", "sku", "aliases"} & set(form.changed_data):
            services.index_item_words([obj])


@admin.register(models.Coupon)
class CouponAdmin(StoreRowAdmin):
    list_display = ("code", "store", "discount_type", "discount_value", "is_store_wide", "is_active", "expires_at")
    list_filter = ("store", "is_active", "discount_type", "is_store_wide")
    search_fields = ("code", "description")
    raw_id_fields = ("department", "item")


@admin.register(models.VoiceTemplate)
class VoiceTemplateAdmin(StoreRowAdmin):
    list_display = ("template_type", "category", "language", "variation_number", "store", "is_active")
    list_filter = ("store", "is_active", "category", "language")
    search_fields = ("template_type", "text_content")


@admin.register(models.StaffMember)
class StaffMemberAdmin(StoreRowAdmin):
    list_display = ("name", "store", "department", "role", "email", "phone", "is_active")
    list_select_related = ("store", "department")
    search_fields = ("name", "email", "phone", "role")
    raw_id_fields = ("department",)


@admin.register(models.Faq)
class FaqAdmin(StoreRowAdmin):
    list_display = ("question", "store", "is_active", "created_at")
    search_fields = ("question", "answer")


@admin.register(models.StoreSettings)
class StoreSettingsAdmin(admin.ModelAdmin):
    list_display = ("store", "ai_model", "voice", "language", "recording_enabled", "updated_at")
    list_filter = ("recording_enabled", "language")
    search_fields = ("store__name", "store__slug")
    list_select_related = ("store",)


@admin.register(models.AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log is written by the services, never by hand."""

    list_display = ("at", "store", "actor_label", "action", "model", "object_repr")
    list_filter = ("action", "model", "store")
    search_fields = ("actor_label", "object_repr", "object_id")
    list_select_related = ("store",)
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
