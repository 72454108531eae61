"""Users in seed 000's camelCase."""
from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, serializers
from rest_framework_simplejwt import serializers as jwt_serializers

from callcenter import services
from callcenter.models import User
from callcenter.validation import EveryError


def user_stores(user: User) -> list[str]:
    """Slugs of the stores an owner owns or the one an agent works in (from prefetched data)."""
    if user.role == User.Role.USER:
        return sorted(store.slug for store in user.owned_stores.all())
    if user.role == User.Role.AGENT and user.store_id:
        return [user.store.slug]
    return []


def user_to_dict(user: User) -> dict[str, Any]:
    return {
        "id": user.pk,
        "_id": str(user.pk),
        "username": user.username,
        "email": user.email,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "role": user.role,
        "stores": user_stores(user),
        "isActive": user.is_active,
        "lastLogin": user.last_login.isoformat() if user.last_login else None,
        "createdAt": user.date_joined.isoformat(),
    }


def login_user_to_dict(user: User) -> dict[str, Any]:
    """The user in a login answer: the original dashboards also read the names in snake_case (seed 004)."""
    return {**user_to_dict(user), "full_name": user.get_full_name(), "first_name": user.first_name, "last_name": user.last_name}


class UserWriteSerializer(EveryError, serializers.Serializer):
    """POST/PUT /api/users: who the person is, their role and stores. With context["actor"], the
    rules of callcenter.services (a taken username, the stores a role needs) are checked too, so one
    answer names every problem."""

    username = serializers.RegexField(r"^[\w.@+-]{3,150}$", error_messages={"invalid": "3-150 letters, digits or . @ + - _"})
    email = serializers.EmailField(required=False, allow_blank=True)
    password = serializers.CharField(write_only=True, required=False, style={"input_type": "password"})
    firstName = serializers.CharField(required=False, allow_blank=True, max_length=150)
    lastName = serializers.CharField(required=False, allow_blank=True, max_length=150)
    role = serializers.ChoiceField(choices=User.Role.choices, required=False)
    stores = serializers.ListField(child=serializers.SlugField(), required=False)
    isActive = serializers.BooleanField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        if "password" in attrs:
            # The similarity check needs the person: the stored one on update, overlaid with this request.
            base = self.instance
            person = User(
                username=attrs.get("username", base.username if base else ""),
                email=attrs.get("email", base.email if base else ""),
                first_name=attrs.get("firstName", base.first_name if base else ""),
                last_name=attrs.get("lastName", base.last_name if base else ""),
            )
            try:
                password_validation.validate_password(attrs["password"], person)
            except DjangoValidationError as exc:
                errors["password"] = exc.messages
        actor = self.context.get("actor")
        if actor is not None:
            for field, messages in services.user_errors(actor=actor, data=attrs, user=self.instance).items():
                errors.setdefault(field, messages)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ProfileSerializer(serializers.Serializer):
    email = serializers.EmailField(required=False, allow_blank=True)
    firstName = serializers.CharField(required=False, allow_blank=True, max_length=150)
    lastName = serializers.CharField(required=False, allow_blank=True, max_length=150)


class ChangePasswordSerializer(serializers.Serializer):
    currentPassword = serializers.CharField(style={"input_type": "password"})
    newPassword = serializers.CharField(style={"input_type": "password"})


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(required=False, allow_blank=True)
    email = serializers.CharField(required=False, allow_blank=True)
    password = serializers.CharField(style={"input_type": "password"})

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not (attrs.get("username") or attrs.get("email")):
            raise serializers.ValidationError({"username": ["Send a username or an email."]})
        return attrs


class LogoutSerializer(serializers.Serializer):
    # The original dashboard logs out with a blank refresh when it holds none: 200, nothing revoked.
    refresh = serializers.CharField(required=False, allow_blank=True)


class TokenRefreshSerializer(jwt_serializers.TokenRefreshSerializer):
    """simplejwt's refresh, with a deleted user's token refused (401) instead of a 500."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        try:
            return super().validate(attrs)
        except User.DoesNotExist as exc:
            raise exceptions.AuthenticationFailed(self.error_messages["no_active_account"], "no_active_account") from exc
