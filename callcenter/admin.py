from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from callcenter.models import ApiKey, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "role", "store", "is_active", "last_login")
    list_filter = ("role", "is_active", "is_superuser", "store")
    search_fields = ("username", "email", "first_name", "last_name")
    list_select_related = ("store",)
    fieldsets = BaseUserAdmin.fieldsets + (("Call center", {"fields": ("role", "store")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("Call center", {"fields": ("role", "store")}),)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "store", "created_at", "last_used_at", "revoked_at")
    list_filter = ("store", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "prefix", "store__name")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at", "created_by")
    list_select_related = ("store",)

    def has_add_permission(self, request) -> bool:
        # A key is shown once when made; make them with create_api_key or the settings page.
        return False
