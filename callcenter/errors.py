"""One error shape for the whole API: {success: false, error, message, fields}."""
from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class BadGateway(exceptions.APIException):
    """An upstream service (Twilio) refused or failed the request; its own message is passed on."""

    status_code = status.HTTP_502_BAD_GATEWAY
    default_detail = "An upstream service failed."
    default_code = "bad_gateway"


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "A service this request needs is not available."
    default_code = "service_unavailable"


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"success": False, "error": code, "message": message, "fields": fields or {}}


def _flatten(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [msg for value in detail.values() for msg in _flatten(value)]
    if isinstance(detail, (list, tuple)):
        return [msg for value in detail for msg in _flatten(value)]
    return [str(detail)]


def _fields_from(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {str(name): _flatten(value) for name, value in detail.items()}
    return {"non_field_errors": _flatten(detail)}


def _validation_message(fields: dict[str, list[str]]) -> str:
    name, messages = next(iter(fields.items()), ("", ["Invalid input."]))
    first = messages[0] if messages else "Invalid input."
    return first if name in ("", "non_field_errors") else f"{name}: {first}"


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler, with Django's own exceptions mapped and every body in one shape."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _fields_from(exc.detail)
        response.data = error_body("validation_error", _validation_message(fields), fields)
    else:
        code = getattr(exc, "default_code", "error")
        if isinstance(exc, exceptions.APIException):
            codes = exc.get_codes()
            code = codes if isinstance(codes, str) else code
        message = " ".join(_flatten(getattr(exc, "detail", str(exc))))
        response.data = error_body(code, message)
    return response


# Exempt like every API view: else a POST/PUT/PATCH/DELETE without a CSRF token gets the HTML CSRF 403.
@csrf_exempt
def api_not_found(request, *args, **kwargs) -> JsonResponse:
    return JsonResponse(error_body("not_found", "No API endpoint at this path."), status=404)


def handler403(request, exception=None):
    """JSON under /api/; elsewhere the 403 page, with the navigation for a signed-in user."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("permission_denied", "You do not have permission to perform this action."), status=403)
    return _error_page(request, "403.html", 403, exception) or defaults.permission_denied(request, exception)


def handler404(request, exception=None):
    """JSON under /api/; elsewhere the 404 page, with the navigation for a signed-in user."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", "Not found."), status=404)
    return _error_page(request, "404.html", 404, exception) or defaults.page_not_found(request, exception)


def _error_page(request, template: str, status: int, exception: Exception | None):
    """The page inside the dashboard's frame (navigation, store picker), so a signed-in user is never stranded."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    from dashboard.views.common import page  # the pages' frame lives in the dashboard app

    # A 404's message can name internals (a model, a URL pattern): only a 403's reason is shown.
    return page(request, template, {"exception": exception if status == 403 else None}, status=status)


def handler500(request):
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("server_error", "Something went wrong on our side."), status=500)
    return defaults.server_error(request)
