"""Request checks that belong before any view, and the Content-Security-Policy every response carries."""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.deprecation import MiddlewareMixin

from callcenter.errors import error_body


class RejectNulBytesMiddleware(MiddlewareMixin):
    """A NUL byte in the path or query string is a 400: PostgreSQL text cannot hold one, and a
    slug, callId or filter carrying it would otherwise reach the database and fail there (500).
    Bodies are checked where they are read: JSON by callcenter.parsers (anywhere in it, keys too), form
    fields by DRF's and Django's CharField, Twilio's webhook parameters by voice.params (NUL removed:
    a webhook answers TwiML, never a 400 the caller would hear as an application error)."""

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        # A NUL in the query string arrives percent-encoded; a literal "%00" would be "%2500".
        if "\x00" not in request.path and "%00" not in request.META.get("QUERY_STRING", ""):
            return None
        message = "The URL contains a NUL character."
        if request.path.startswith("/api/"):
            return JsonResponse(error_body("bad_request", message), status=400)
        return HttpResponseBadRequest(message)


def content_security_policy(directives: dict[str, list[str]]) -> str:
    return "; ".join(" ".join([name, *values]) for name, values in directives.items())


class ContentSecurityPolicyMiddleware(MiddlewareMixin):
    """Every response carries settings.SECURE_CSP (the shape of Django 6's setting of that name).

    The pages load only their own static files (no inline script, handler or style), so the policy
    allows nothing else; a view whose page needs more (the API docs) sets `response.csp_update`,
    a dict of directives whose sources are added to the policy's for that response.
    """

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if "Content-Security-Policy" not in response:
            directives = settings.SECURE_CSP
            update = getattr(response, "csp_update", None)
            if update:
                directives = {name: [*directives.get(name, []), *update.get(name, [])] for name in {**directives, **update}}
            response["Content-Security-Policy"] = content_security_policy(directives)
        return response


def csp_update(directives: dict[str, list[str]]) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A view decorator: add these sources to the policy for the view's responses only."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = view(request, *args, **kwargs)
            response.csp_update = directives
            return response

        return wrapped

    return decorate
