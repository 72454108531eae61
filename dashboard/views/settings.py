"""`/settings/...` (admins and owners): the voice agent's settings, users and roles, and the bots' API keys."""
from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework import serializers

from callcenter import services as user_services
from callcenter.models import ApiKey, User
from callcenter.permissions import role_of
from callcenter.serializers import UserWriteSerializer, user_stores
from callcenter.validation import validated
from dashboard import forms
from dashboard.views.common import add_errors, manager_required, page, working_store
from store import services as store_services
from store.serializers import StoreSettingsSerializer
from store.tenancy import visible_stores

SETTINGS_TABS = [("voice", "Voice agent", "/settings/"), ("users", "Users", "/settings/users/"), ("keys", "API keys", "/settings/api-keys/")]


def settings_context(tab: str) -> dict[str, Any]:
    return {"settings_tabs": SETTINGS_TABS, "settings_tab": tab}


@require_http_methods(["GET", "POST"])
@manager_required
def voice_settings(request: HttpRequest) -> HttpResponse:
    """The store's voice agent settings (PUT /api/settings's rules)."""
    store = working_store(request)
    current = store_services.settings_of(store)
    if request.method == "POST":
        form = forms.VoiceSettingsForm(request.POST)
        if form.is_valid():
            try:
                data = validated(StoreSettingsSerializer, form.api_data(), instance=current, partial=True).validated_data
                store_services.save_record(actor=request.user, store=store, instance=current, data=data)
                messages.success(request, f"Voice agent settings of {store.name} saved.")
                return redirect(f"{request.path}?store={store.slug}")
            except (serializers.ValidationError, DjangoValidationError) as exc:
                add_errors(form, exc)
        messages.error(request, "The settings were not saved: see the errors below.")
    else:
        form = forms.VoiceSettingsForm(initial=forms.VoiceSettingsForm.initial_from(StoreSettingsSerializer(current).data))
    context = {"form": form, "working_store": store, **settings_context("voice")}
    return page(request, "dashboard/settings_voice.html", context, store=store, all_stores=False, status=400 if form.errors else 200)


def user_form(request: HttpRequest, *args: Any, **kwargs: Any) -> forms.UserForm:
    """Admins give any role and store; owners make agents of their own stores."""
    stores = [(s.slug, s.name) for s in visible_stores(request.user).order_by("name")]
    roles = None if role_of(request.user) == "admin" else [User.Role.AGENT]
    return forms.UserForm(*args, stores=stores, roles=roles, **kwargs)


def save_user(request: HttpRequest, form: forms.UserForm, user: User | None) -> User | None:
    """POST/PUT /api/users's serializer and callcenter.services; None (errors on the form) when refused.
    The serializer checks what the form could read even when the form refused a field: every error at once."""
    form_ok = form.is_valid()
    try:
        data = validated(UserWriteSerializer, form.api_data(), instance=user, context={"actor": request.user}).validated_data
        if not form_ok:
            return None
        if user is None:
            return user_services.create_user(actor=request.user, data=data)
        return user_services.update_user(actor=request.user, user=user, data=data)
    except (serializers.ValidationError, DjangoValidationError) as exc:
        add_errors(form, exc)
        return None


@require_http_methods(["GET", "POST"])
@manager_required
def users(request: HttpRequest) -> HttpResponse:
    """Everyone (admin) or the owner's agents, and a form to add one."""
    if request.method == "POST":
        form = user_form(request, request.POST)
        if (user := save_user(request, form, None)) is not None:
            messages.success(request, f"User {user.username} created.")
            return redirect("pages:users")
        messages.error(request, "The user was not created: see the errors below.")
    else:
        form = user_form(request, initial={"isActive": True, "role": User.Role.AGENT})
    people = [{"user": user, "stores": user_stores(user)} for user in user_services.manageable_users(request.user)]
    context = {"form": form, "people": people, **settings_context("users")}
    return page(request, "dashboard/settings_users.html", context, status=400 if form.errors else 200)


def get_user(request: HttpRequest, pk: int) -> User:
    user = user_services.manageable_users(request.user).filter(pk=pk).first()
    if user is None:
        raise Http404("User not found")
    return user


@require_http_methods(["GET", "POST"])
@manager_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_user(request, pk)
    if request.method == "POST":
        form = user_form(request, request.POST)
        if save_user(request, form, user) is not None:
            messages.success(request, f"User {user.username} saved.")
            return redirect("pages:users")
        messages.error(request, "The user was not saved: see the errors below.")
    else:
        initial = {"username": user.username, "email": user.email, "firstName": user.first_name, "lastName": user.last_name,
                   "role": user.role, "stores": user_stores(user), "isActive": user.is_active}  # fmt: skip
        form = user_form(request, initial=initial)
    context = {"form": form, "person": user, **settings_context("users")}
    return page(request, "dashboard/settings_user.html", context, status=400 if form.errors else 200)


@require_POST
@manager_required
def user_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_user(request, pk)
    try:
        user_services.delete_user(actor=request.user, user=user)
        messages.success(request, f"User {user.username} deleted.")
    except DjangoValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("pages:users")


@require_http_methods(["GET", "POST"])
@manager_required
def api_keys(request: HttpRequest) -> HttpResponse:
    """The store's bot keys; a new key is shown once, on the answer to the POST that made it, never again."""
    store = working_store(request)
    new_key = None
    form = forms.ApiKeyForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            key, new_key = store_services.create_api_key(store=store, name=form.cleaned_data["name"], created_by=request.user)
            messages.success(request, f"API key {key.name} created. Copy it now: it is not shown again.")
            form = forms.ApiKeyForm()
        else:
            messages.error(request, "The key was not created: see the errors below.")
    keys = ApiKey.objects.filter(store=store).select_related("created_by")
    context = {"form": form, "keys": keys, "new_key": new_key, "working_store": store, **settings_context("keys")}
    response = page(request, "dashboard/settings_keys.html", context, store=store, all_stores=False, status=400 if form.errors else 200)
    if new_key:
        response["Cache-Control"] = "no-store"
    return response


@require_POST
@manager_required
def api_key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    key = ApiKey.objects.filter(pk=pk, store__in=visible_stores(request.user)).select_related("store").first()
    if key is None:
        raise Http404("API key not found")
    store_services.revoke_api_key(key=key)
    messages.success(request, f"API key {key.name} revoked: bots using it are refused from now on.")
    return redirect(f"/settings/api-keys/?store={key.store.slug}")
