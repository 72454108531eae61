"""The admin site: Django's, with its login (also Swagger's) behind the failed-login limit.

In a module of its own: the admin's lazy default site imports it while app admin modules register.
"""
from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

from callcenter.auth import TooManyLogins, refuse_locked_login


class LimitedAuthenticationForm(AdminAuthenticationForm):
    """The admin's (and so Swagger's) sign-in form: past the limit, an error saying how long to wait."""

    retry_after: int | None = None

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except TooManyLogins as refused:
            self.retry_after = refused.wait
            raise ValidationError(refused.form_error(), code="throttled") from None


class AdminSite(admin.AdminSite):
    """The default admin site (callcenter.apps.AdminConfig): a refused sign-in answers 429 with Retry-After."""

    login_form = LimitedAuthenticationForm

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        response = super().login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        return refuse_locked_login(response, getattr(form, "retry_after", None))
