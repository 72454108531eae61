"""Request checks that belong before any view."""
from __future__ import annotations

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
