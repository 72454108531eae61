from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction

from callcenter import services
from callcenter.models import ApiKey, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "role", "store", "is_active", "last_login")
    list_filter = ("role", "is_active", "is_superuser", "store")
    search_fields = ("username", "email", "first_name", "last_name")
    list_select_related = ("store",)
    fieldsets = BaseUserAdmin.fieldsets + (("Call center", {"fields": ("role", "store")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("Call center", {"fields": ("role", "store")}),)

    # The same rules as callcenter.services.update_user: a deactivation or a new password ends the
    # person's sign-ins, any change to what they may see closes their live sockets.
    def save_model(self, request, obj: User, form, change: bool) -> None:
        if not change:
            return super().save_model(request, obj, form, change)
        before = services.audience_of(User.objects.get(pk=obj.pk))
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            revoke = before[0] and not obj.is_active
            if revoke or services.audience_of(obj) != before:
                services.end_access(obj, sessions=revoke)

    def user_change_password(self, request, id: str, form_url: str = ""):
        before = User.objects.filter(pk=id).values_list("password", flat=True).first()
        response = super().user_change_password(request, id, form_url)
        user = User.objects.filter(pk=id).first()
        if user is not None and user.password != before:
            services.end_access(user, sessions=True)
        return response

    def delete_model(self, request, obj: User) -> None:
        with transaction.atomic():
            services.end_access(obj, sessions=True)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        with transaction.atomic():
            for user in queryset:
                services.end_access(user, sessions=True)
            super().delete_queryset(request, queryset)


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
