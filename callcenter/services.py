"""Writes to users: who may create whom, with which role and stores."""
from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from callcenter.models import User
from callcenter.permissions import role_of
from calls import events
from store.models import Store
from store.tenancy import visible_store_ids, visible_stores


def manageable_users(actor: User) -> QuerySet[User]:
    """Users the actor may see and change: everyone for an admin, their stores' agents for an owner."""
    qs = User.objects.select_related("store").prefetch_related("owned_stores").order_by("username")
    if actor.role == User.Role.ADMIN or actor.is_superuser:
        return qs
    if actor.role == User.Role.USER:
        return qs.filter(role=User.Role.AGENT, store__owner=actor)
    return qs.none()


def _resolve_stores(actor: User, role: str, slugs: list[str] | None) -> list[Store] | None:
    if slugs is None:
        return None
    stores = list(visible_stores(actor).filter(slug__in=slugs))
    missing = sorted(set(slugs) - {s.slug for s in stores})
    if missing:
        raise ValidationError({"stores": [f"Unknown store: {', '.join(missing)}."]})
    if role == User.Role.AGENT and len(stores) != 1:
        raise ValidationError({"stores": ["An agent works in exactly one store."]})
    if role == User.Role.ADMIN and stores:
        raise ValidationError({"stores": ["An admin sees every store; leave stores empty."]})
    return stores


def _role_errors(actor: User, role: str) -> list[str]:
    if actor.role != User.Role.ADMIN and not actor.is_superuser and role != User.Role.AGENT:
        return ["Owners may only create and change agents."]
    return []


def _role_for(actor: User, data: dict[str, Any], user: User | None) -> str:
    if user is not None:
        return data.get("role", user.role)
    return data.get("role") or (User.Role.AGENT if actor.role == User.Role.USER else User.Role.USER)


def _checked(actor: User, data: dict[str, Any], user: User | None) -> tuple[dict[str, list[str]], list[Store] | None]:
    """Every rule a new person (`user` None) or a change breaks, by field, and the stores named."""
    role = _role_for(actor, data, user)
    errors: dict[str, list[str]] = {}

    def add(field: str, messages: list[str]) -> None:
        if messages:
            errors.setdefault(field, []).extend(messages)

    add("role", _role_errors(actor, role))
    if user is not None and user.pk == actor.pk and (role != user.role or data.get("isActive") is False):
        add("role", ["You cannot change your own role or deactivate yourself."])
    if user is None and not data.get("password"):
        add("password", ["This field is required."])
    username = data.get("username")
    if username and User.objects.filter(username__iexact=username).exclude(pk=getattr(user, "pk", None)).exists():
        add("username", ["A user with that username already exists."])
    stores = None
    try:
        stores = _resolve_stores(actor, role, data.get("stores", []) if user is None else data.get("stores"))
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            add(field, messages)
    if user is not None and stores is None and role == User.Role.AGENT and user.role != User.Role.AGENT:
        add("stores", ["Name the one store the agent works in."])
    return errors, stores


def user_errors(*, actor: User, data: dict[str, Any], user: User | None = None) -> dict[str, list[str]]:
    """What create_user (`user` None) or update_user would refuse in `data`, every field at once
    (UserWriteSerializer reports them with its own field errors)."""
    return _checked(actor, data, user)[0]


def _apply(user: User, role: str, stores: list[Store] | None) -> None:
    if stores is None:
        return
    if role == User.Role.AGENT:
        user.store = stores[0]
        user.save(update_fields=["store"])
    elif role == User.Role.USER:
        Store.objects.filter(owner=user).exclude(pk__in=[s.pk for s in stores]).update(owner=None)
        Store.objects.filter(pk__in=[s.pk for s in stores]).update(owner=user)


def create_user(*, actor: User, data: dict[str, Any]) -> User:
    """Create a person with a role; owners create agents of their own stores only."""
    role = _role_for(actor, data, None)
    errors, stores = _checked(actor, data, None)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        user = User.objects.create_user(
            username=data["username"],
            email=data.get("email", ""),
            password=data["password"],
            first_name=data.get("firstName", ""),
            last_name=data.get("lastName", ""),
            role=role,
            is_staff=role == User.Role.ADMIN,
            is_active=data.get("isActive", True),
        )
        _apply(user, role, stores)
    return manageable_users(actor).get(pk=user.pk) if actor.role == User.Role.ADMIN else user


def revoke_refresh_tokens(user: User) -> None:
    """Blacklist every refresh token the user holds: each sign-in made before now ends at its next refresh."""
    live = OutstandingToken.objects.filter(user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True)
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token_id=pk) for pk in live.values_list("pk", flat=True)], ignore_conflicts=True
    )


def audience_of(user: User) -> tuple[Any, ...]:
    """What decides which live events a person's sockets receive (calls.consumers.audience_of)."""
    return (user.is_active, role_of(user), visible_store_ids(user))


def end_access(user: User, *, sessions: bool) -> None:
    """After the commit, close the person's live sockets; with `sessions`, also end their sign-ins (refresh tokens)."""
    if sessions:
        revoke_refresh_tokens(user)
    events.close_user_sockets(user.pk)


def update_user(*, actor: User, user: User, data: dict[str, Any]) -> User:
    """Change a person's details, role or stores within what the actor may manage.

    A new password or a deactivation ends the person's sign-ins; any change to what they may see
    closes their live sockets (they were authorised at connect)."""
    role = _role_for(actor, data, user)
    errors, stores = _checked(actor, data, user)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        before = audience_of(user)
        for api_name, field in (("username", "username"), ("email", "email"), ("firstName", "first_name"), ("lastName", "last_name"), ("isActive", "is_active")):
            if api_name in data:
                setattr(user, field, data[api_name])
        if "password" in data:
            user.set_password(data["password"])
        if role != user.role:
            if user.role == User.Role.USER:
                Store.objects.filter(owner=user).update(owner=None)
            if role != User.Role.AGENT:
                user.store = None
        user.role = role
        # Admins work in /admin/ too; nobody else does.
        user.is_staff = role == User.Role.ADMIN or user.is_superuser
        user.save()
        _apply(user, role, stores)
        revoke = "password" in data or (before[0] and not user.is_active)
        if revoke or audience_of(user) != before:
            end_access(user, sessions=revoke)
    return manageable_users(actor).get(pk=user.pk)


def delete_user(*, actor: User, user: User) -> None:
    if user.pk == actor.pk:
        raise ValidationError({"id": ["You cannot delete yourself."]})
    with transaction.atomic():
        end_access(user, sessions=True)
        user.delete()


def change_password(*, user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise ValidationError({"currentPassword": ["The current password is wrong."]})
    try:
        password_validation.validate_password(new, user)
    except ValidationError as exc:
        raise ValidationError({"newPassword": exc.messages}) from exc
    with transaction.atomic():
        user.set_password(new)
        user.save(update_fields=["password"])
        # A changed password ends every other sign-in: refresh tokens issued before it stop working.
        end_access(user, sessions=True)


def update_profile(*, user: User, data: dict[str, Any]) -> User:
    """A person's own details (PUT /api/users/profile and /settings/profile/): email and names, nothing that grants access."""
    for api_name, field in (("email", "email"), ("firstName", "first_name"), ("lastName", "last_name")):
        if api_name in data:
            setattr(user, field, data[api_name])
    user.save(update_fields=["email", "first_name", "last_name"])
    return user
