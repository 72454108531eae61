"""Sign-in (both login shapes, JWT, logout), users and profile, health."""
from __future__ import annotations

import asyncio
import os
import time
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import authenticate, get_user
from django.core.cache import caches
from django.db import connection
from django.http import Http404
from django.utils import timezone
from drf_yasg.utils import swagger_auto_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView
from rest_framework_simplejwt.views import TokenRefreshView as JWTTokenRefreshView

from callcenter import services
from callcenter.schema import DONE, OBJECT, envelope
from callcenter.validation import validated
from callcenter.models import User
from callcenter.permissions import IsAdminOrOwner, IsStaffUser, role_of
from callcenter.serializers import (
    ChangePasswordSerializer,
    LoginSerializer,
    LogoutSerializer,
    ProfileSerializer,
    UserWriteSerializer,
    login_user_to_dict,
    user_to_dict,
)

STARTED_AT = time.monotonic()


def check_credentials(request: Request, *, login: str, password: str) -> User:
    """The user behind a username or email and password. Past the failed-login limit
    (callcenter.auth.LimitedModelBackend, every login path's one counter) `authenticate` raises a 429."""
    user = authenticate(request, username=login, password=password)
    if user is None:
        raise exceptions.AuthenticationFailed("Invalid username or password.")
    return user


def tokens_for(user: User) -> dict[str, str]:
    refresh = RefreshToken.for_user(user)
    # The instance too: the login response shows this login, not the one before.
    user.last_login = timezone.now()
    User.objects.filter(pk=user.pk).update(last_login=user.last_login)
    return {"refresh": str(refresh), "access": str(refresh.access_token)}


USER_WRITTEN = envelope(message=True, data=OBJECT, description="`{success, message, data: <the user>}`")

class PublicView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get_authenticate_header(self, request: Request) -> str:
        # Without auth classes DRF would turn a failed login's 401 into a 403.
        return 'Bearer realm="api"'


class AuthLoginView(PublicView):
    """POST /api/auth/login/ (seed 004): `{email or username, password}` -> `{message, user, tokens}`."""

    @swagger_auto_schema(request_body=LoginSerializer, security=[], responses={200: "`{message, user, tokens: {refresh, access}}`"})
    def post(self, request: Request) -> Response:
        data = validated(LoginSerializer, request.data).validated_data
        user = check_credentials(request, login=data.get("username") or data["email"], password=data["password"])
        tokens = tokens_for(user)
        return Response({"message": "Login successful", "user": login_user_to_dict(user), "tokens": tokens})


class UsersLoginView(PublicView):
    """POST /api/users/login (seed 000): `{username, password}` -> `{success, message, data: {user, token}}`."""

    @swagger_auto_schema(request_body=LoginSerializer, security=[], responses={200: "`{success, message, data: {user, token, refreshToken}}`"})
    def post(self, request: Request) -> Response:
        data = validated(LoginSerializer, request.data).validated_data
        user = check_credentials(request, login=data.get("username") or data["email"], password=data["password"])
        tokens = tokens_for(user)
        return Response(
            {
                "success": True,
                "message": "Login successful",
                "data": {"user": login_user_to_dict(user), "token": tokens["access"], "refreshToken": tokens["refresh"]},
            }
        )


class TokenView(TokenObtainPairView):
    """POST /api/auth/token/ (simplejwt); its `authenticate()` counts failed logins like every login path."""

    authentication_classes: list = []
    throttle_classes: list = []

    @swagger_auto_schema(security=[], responses={200: "`{refresh, access}`"})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)


class TokenRefreshView(JWTTokenRefreshView):
    """POST /api/auth/token/refresh/ (simplejwt): a new pair; the old refresh token is blacklisted."""

    @swagger_auto_schema(security=[], responses={200: "`{refresh, access}`"})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)


class LogoutView(APIView):
    """POST /api/auth/logout/ `{refresh}`: the refresh token is blacklisted."""

    permission_classes = [IsAuthenticated]

    @swagger_auto_schema(request_body=LogoutSerializer, responses={200: DONE})
    def post(self, request: Request) -> Response:
        data = validated(LogoutSerializer, request.data).validated_data
        if not data.get("refresh"):
            return Response({"success": True, "message": "Logged out"})
        try:
            token = RefreshToken(data["refresh"])
            if str(token.get("user_id")) != str(request.user.pk):
                raise serializers.ValidationError({"refresh": ["This refresh token belongs to someone else."]})
            token.blacklist()
        except TokenError as exc:
            raise serializers.ValidationError({"refresh": [str(exc)]}) from exc
        return Response({"success": True, "message": "Logged out"})



class ProfileView(APIView):
    permission_classes = [IsStaffUser]

    def get(self, request: Request) -> Response:
        return Response({"success": True, "data": user_to_dict(_me(request))})

    @swagger_auto_schema(request_body=ProfileSerializer, responses={200: USER_WRITTEN})
    def put(self, request: Request) -> Response:
        data = validated(ProfileSerializer, request.data, partial=True).validated_data
        user = services.update_profile(user=_me(request), data=data)
        return Response({"success": True, "message": "Profile updated", "data": user_to_dict(user)})


def _me(request: Request) -> User:
    return User.objects.select_related("store").prefetch_related("owned_stores").get(pk=request.user.pk)


class ChangePasswordView(APIView):
    permission_classes = [IsStaffUser]

    @swagger_auto_schema(request_body=ChangePasswordSerializer, responses={200: DONE})
    def put(self, request: Request) -> Response:
        data = validated(ChangePasswordSerializer, request.data).validated_data
        services.change_password(user=request.user, current=data["currentPassword"], new=data["newPassword"])
        return Response({"success": True, "message": "Password changed"})


class UserListView(APIView):
    """Admins manage everyone; an owner manages the agents of their stores."""

    permission_classes = [IsAdminOrOwner]

    def get(self, request: Request) -> Response:
        users = services.manageable_users(request.user)
        return Response({"success": True, "data": [user_to_dict(u) for u in users]})

    @swagger_auto_schema(request_body=UserWriteSerializer, responses={201: USER_WRITTEN})
    def post(self, request: Request) -> Response:
        data = validated(UserWriteSerializer, request.data, context={"actor": request.user}).validated_data
        user = services.create_user(actor=request.user, data=data)
        return Response({"success": True, "message": "User created", "data": user_to_dict(user)}, status=status.HTTP_201_CREATED)


class UserDetailView(APIView):
    permission_classes = [IsAdminOrOwner]

    def _get(self, request: Request, pk: int) -> User:
        user = services.manageable_users(request.user).filter(pk=pk).first()
        if user is None:
            raise Http404("User not found")
        return user

    def get(self, request: Request, pk: int) -> Response:
        return Response({"success": True, "data": user_to_dict(self._get(request, pk))})

    @swagger_auto_schema(request_body=UserWriteSerializer, responses={200: USER_WRITTEN})
    def put(self, request: Request, pk: int) -> Response:
        user = self._get(request, pk)
        data = validated(UserWriteSerializer, request.data, instance=user, partial=True, context={"actor": request.user}).validated_data
        user = services.update_user(actor=request.user, user=user, data=data)
        return Response({"success": True, "message": "User updated", "data": user_to_dict(user)})

    @swagger_auto_schema(responses={200: DONE})
    def delete(self, request: Request, pk: int) -> Response:
        services.delete_user(actor=request.user, user=self._get(request, pk))
        return Response({"success": True, "message": "User deleted"})


def database_state() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"status": "ok", "vendor": connection.vendor}
    except Exception as exc:  # health reports what failed instead of failing itself
        return {"status": "failing", "vendor": connection.vendor, "error": str(exc)[:200]}


def channel_layer_state() -> dict[str, Any]:
    layer = get_channel_layer()
    backend = type(layer).__name__

    async def probe() -> None:
        if hasattr(layer, "connection"):  # channels-redis: ask Redis itself
            await asyncio.wait_for(layer.connection(0).ping(), timeout=2)
        else:
            await layer.group_send("health", {"type": "health.ping"})

    try:
        async_to_sync(probe)()
        return {"status": "ok", "backend": backend}
    except Exception as exc:
        return {"status": "failing", "backend": backend, "error": str(exc)[:200]}


class PingView(APIView):
    """GET /api/ping: answers at once and touches nothing (no auth, throttle, database or Redis):
    the floor that bench/run.py measures next to every figure."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @swagger_auto_schema(security=[], responses={200: "`{status: \"OK\"}`"})
    def get(self, request: Request) -> Response:
        return Response({"status": "OK"})


def cache_state() -> dict[str, Any]:
    """The cache behind rate limits and login failures: Redis asked directly (it fails open, see callcenter/cache.py)."""
    backend = type(caches["default"]).__name__
    client = getattr(caches["default"], "_cache", None)
    if not hasattr(client, "get_client"):  # the in-process LocMemCache cannot be down
        return {"status": "ok", "backend": backend}
    try:
        client.get_client(write=True).ping()
        return {"status": "ok", "backend": backend}
    except Exception as exc:
        return {"status": "failing", "backend": backend, "error": str(exc)[:200]}


def is_staff_viewer(request: Request) -> bool:
    """A platform admin, signed in by token or session; a bad credential is just not staff (health still answers)."""
    try:
        found = JWTAuthentication().authenticate(request)
    except exceptions.APIException:
        return False
    # This view has no auth classes, so DRF made request.user anonymous: the session is read itself.
    user = found[0] if found else get_user(request._request)
    return user.is_authenticated and user.is_active and (role_of(user) == "admin" or user.is_staff)


class HealthView(PublicView):
    """GET /api/health: is the app, its database, its cache and its channel layer working.

    200 while the database answers (a load balancer keeps the process: without Redis it fails
    open), else 503. Anyone sees each part's status; only staff see the process id, the backends
    and the errors (a database's error text names hosts and users)."""

    @swagger_auto_schema(security=[])
    def get(self, request: Request) -> Response:
        parts = {"database": database_state(), "cache": cache_state(), "channelLayer": channel_layer_state()}
        healthy = all(part["status"] == "ok" for part in parts.values())
        body: dict[str, Any] = {
            "status": "OK" if healthy else "DEGRADED",
            "timestamp": timezone.now().isoformat(),
            "uptime": round(time.monotonic() - STARTED_AT, 1),
            "environment": "development" if settings.DEBUG else "production",
        }
        if is_staff_viewer(request):
            body.update(pid=os.getpid(), **parts)
        else:
            body.update({name: {"status": part["status"]} for name, part in parts.items()})
        db_up = parts["database"]["status"] == "ok"
        return Response(body, status=status.HTTP_200_OK if db_up else status.HTTP_503_SERVICE_UNAVAILABLE)


class RootHealthView(HealthView):
    """GET /health: the original voice app's path for the same answer (left out of the schema, which is /api's)."""

    swagger_schema = None
