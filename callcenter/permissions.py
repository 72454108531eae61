"""Who may call which API view: people by role, bots by key."""
from __future__ import annotations

from rest_framework.permissions import BasePermission
from rest_framework.request import Request


def role_of(user) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    if getattr(user, "is_superuser", False) and getattr(user, "role", None) != "bot":
        return "admin"
    return getattr(user, "role", None)


class RolePermission(BasePermission):
    """Allows the roles in `roles`; subclasses name them."""

    roles: frozenset[str] = frozenset()
    message = "Your role may not do this."

    def has_permission(self, request: Request, view) -> bool:
        return role_of(request.user) in self.roles


class IsStaffUser(RolePermission):
    """People who work in the product: admin, owner, agent (not bots)."""

    roles = frozenset({"admin", "user", "agent"})


class IsStaffOrBot(RolePermission):
    roles = frozenset({"admin", "user", "agent", "bot"})


class IsAdminOrOwner(RolePermission):
    roles = frozenset({"admin", "user"})


class IsAdmin(RolePermission):
    roles = frozenset({"admin"})
