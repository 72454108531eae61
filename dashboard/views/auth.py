"""Signing in and out of the pages (session login; the API has its own token logins)."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from callcenter.auth import TooManyLogins, refuse_locked_login
from dashboard.forms import LoginForm


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return settings.LOGIN_REDIRECT_URL


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def login_page(request: HttpRequest) -> HttpResponse:
    """GET the form; POST signs in. `authenticate()` counts failed tries, as on every login path
    (callcenter.auth.LimitedModelBackend); past the limit the form says how long to wait (429)."""
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_next_url(request))
    form = LoginForm(request.POST or None)
    wait = None
    if request.method == "POST" and form.is_valid():
        try:
            user = authenticate(request, username=form.cleaned_data["username"], password=form.cleaned_data["password"])
        except TooManyLogins as refused:
            user, wait = None, refused.wait
            form.add_error(None, refused.form_error())
        if user is not None:
            login(request, user)
            messages.success(request, f"Welcome, {user.get_full_name() or user.username}.")
            return HttpResponseRedirect(_next_url(request))
        if wait is None:
            form.add_error(None, "That username and password do not match.")
    response = render(request, "dashboard/login.html", {"form": form, "next": _next_url(request)})
    return refuse_locked_login(response, wait)


@require_POST
def logout_page(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("pages:login")
