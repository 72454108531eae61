"""What every page shares: who may open it, which store it looks at, the navigation, and form errors."""
from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework import serializers

from callcenter.permissions import role_of
from store.models import Store
from store.tenancy import pick_store, visible_stores

STAFF = frozenset({"admin", "user", "agent"})
MANAGERS = frozenset({"admin", "user"})
# The store the pages look at, remembered between pages once picked with ?store=<slug>.
STORE_KEY = "dashboard_store"


def roles_required(*roles: str) -> Callable:
    """Sign-in required (else to /login/), then one of `roles` (else 403)."""
    allowed = frozenset(roles)

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        @login_required
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if role_of(request.user) not in allowed:
                raise PermissionDenied("Your role may not open this page.")
            return view(request, *args, **kwargs)

        return checked

    return decorate


staff_required = roles_required(*STAFF)
manager_required = roles_required(*MANAGERS)


def can_manage(request: HttpRequest) -> bool:
    """Admins and owners change store data and settings; agents only read them."""
    return role_of(request.user) in MANAGERS


def chosen_store(request: HttpRequest) -> Store | None:
    """The store picked with ?store=<slug> (remembered), else the remembered one, else the user's only one.

    None means "all the stores I may see" (an admin, or an owner of several). A slug the user may
    not see is a 404, as in the API.
    """
    if "store" in request.GET:
        slug = request.GET["store"].strip()
        store = pick_store(request.user, slug) if slug else None
        request.session[STORE_KEY] = store.slug if store else ""
        return store or pick_store(request.user, None)
    slug = request.session.get(STORE_KEY)
    if slug:
        store = visible_stores(request.user).filter(slug=slug).first()
        if store is not None:
            return store
    return pick_store(request.user, None)


def working_store(request: HttpRequest) -> Store:
    """The one store a store, settings or simulator page works on: the chosen one, else the first visible
    (and, with "All stores" picked among several, the page says which one it opened)."""
    store = chosen_store(request)
    if store is not None:
        return store
    first_two = list(visible_stores(request.user).order_by("name", "id")[:2])
    if not first_two:
        raise Http404("You have no store yet.")
    if len(first_two) > 1 and request.method == "GET":
        messages.info(request, f"“All stores” is picked, and this page works on one store at a time: it opened {first_two[0].name}. "
                               "Pick another store in the header.")
    return first_two[0]


def page_tz(store: Store | None) -> zoneinfo.ZoneInfo:
    """Days and hours in the store's zone; across several stores, the platform's."""
    return store.tzinfo if store else zoneinfo.ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    roles: frozenset[str] = STAFF
    # The paths under which the item is the current page.
    prefix: str = ""


NAV = (
    NavItem("Overview", "/", prefix="/"),
    NavItem("Live calls", "/live/", prefix="/live"),
    NavItem("Call history", "/calls/", prefix="/calls"),
    NavItem("Callbacks", "/callbacks/", prefix="/callbacks"),
    NavItem("Customers", "/customers/", prefix="/customers"),
    NavItem("Analytics", "/analytics/", prefix="/analytics"),
    NavItem("AI agents", "/agents/", prefix="/agents"),
    NavItem("Billing", "/billing/", MANAGERS, prefix="/billing"),
    NavItem("Store", "/store/info/", prefix="/store"),
    NavItem("Simulator", "/simulator/", prefix="/simulator"),
    NavItem("Settings", "/settings/", MANAGERS, prefix="/settings"),
)


def navigation(request: HttpRequest) -> list[dict[str, Any]]:
    role = role_of(request.user)
    path = request.path
    return [
        {"label": item.label, "url": item.url, "current": path == "/" if item.prefix == "/" else path.startswith(item.prefix)}
        for item in NAV
        if role in item.roles
    ]


def page(request: HttpRequest, template: str, context: dict[str, Any] | None = None, *, store: Store | None = None,
         all_stores: bool = True, status: int = 200) -> HttpResponse:
    """Render a page with the navigation and the store picker (`all_stores`: whether "All stores" is a choice)."""
    stores = list(visible_stores(request.user).order_by("name", "id").values("slug", "name"))
    return render(
        request,
        template,
        {
            "nav": navigation(request),
            "role": role_of(request.user),
            "stores": stores,
            "store": store,
            "all_stores_choice": all_stores and len(stores) > 1,
            # Rows of several stores are on show: say which store each belongs to.
            "show_store": store is None and len(stores) > 1,
            "can_manage": can_manage(request),
            **(context or {}),
        },
        status=status,
    )


def add_errors(form: Form, error: DjangoValidationError | serializers.ValidationError | dict) -> None:
    """Put a service's or serializer's field errors next to the form's fields (others above the form)."""
    if isinstance(error, serializers.ValidationError):
        detail: Any = error.detail
    elif isinstance(error, DjangoValidationError):
        detail = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    else:
        detail = error
    if not isinstance(detail, dict):
        detail = {"__all__": detail}
    for name, messages in detail.items():
        field = name if name in form.fields else None
        if field is not None and field in form.errors:
            continue  # the form's own message (the serializer saw the field as missing)
        for message in _flatten(messages):
            form.add_error(field, message)


def _flatten(messages: Any) -> list[str]:
    if isinstance(messages, dict):
        return [f"{key}: {m}" for key, value in messages.items() for m in _flatten(value)]
    if isinstance(messages, (list, tuple)):
        return [m for value in messages for m in _flatten(value)]
    return [str(messages)]


def validate_with(form: Form, serializer_class: type[serializers.Serializer], data: dict[str, Any], **kwargs: Any) -> dict[str, Any] | None:
    """The API's serializer checks `data`; its errors land on the form's fields. None when invalid."""
    serializer = serializer_class(data=data, **kwargs)
    if serializer.is_valid():
        return serializer.validated_data
    add_errors(form, serializers.ValidationError(serializer.errors))
    return None
