"""Root URLs: API, docs, admin, voice webhooks and pages."""
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path, re_path
from drf_yasg import openapi
from drf_yasg.views import get_schema_view
from rest_framework import permissions

from callcenter import api, errors
from callcenter.schema import SchemaGenerator
from callcenter.middleware import csp_update
from callcenter.routing import route
from voice.api import OutboundCallView

schema_view = get_schema_view(
    openapi.Info(
        title="Callcenter API",
        default_version="v1",
        description=(
            "AI call center: call log for bots, store data, voice agent, dashboards.\n\n"
            "People: `POST /api/auth/login/` then `Authorization: Bearer <access>`. "
            "Bots: a store API key as `Authorization: Bearer cck_…`, `Api-Key cck_…` or `X-API-Key`."
        ),
    ),
    public=True,
    permission_classes=[permissions.AllowAny],
    generator_class=SchemaGenerator,
)
# Swagger UI and ReDoc (drf-yasg's pages, not ours) inject <style> elements and ReDoc shows its logo
# from its CDN; their scripts stay 'self'.
docs_page = csp_update({"style-src": ["'unsafe-inline'"], "img-src": ["https://cdn.redoc.ly"], "worker-src": ["'self'", "blob:"]})



def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask /favicon.ico of every site (a 404 on every page before); the icon is a static SVG."""
    return redirect(static("favicon.svg"), permanent=True)


urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    # First: Twilio waits on the line for these, and the resolver tries patterns in order.
    path("", include("voice.urls")),
    route(r"api/health", api.HealthView.as_view(), "health"),
    route(r"health", api.RootHealthView.as_view(), "health-root"),
    route(r"api/ping", api.PingView.as_view(), "ping"),
    route(r"api/auth/login", api.AuthLoginView.as_view(), "auth-login"),
    route(r"api/auth/logout", api.LogoutView.as_view(), "auth-logout"),
    route(r"api/auth/token", api.TokenView.as_view(), "token"),
    route(r"api/auth/token/refresh", api.TokenRefreshView.as_view(), "token-refresh"),
    route(r"api/users/login", api.UsersLoginView.as_view(), "users-login"),
    route(r"api/users/profile", api.ProfileView.as_view(), "users-profile"),
    route(r"api/users/change-password", api.ChangePasswordView.as_view(), "users-change-password"),
    route(r"api/users", api.UserListView.as_view(), "users"),
    route(r"api/users/(?P<pk>[0-9]+)", api.UserDetailView.as_view(), "user-detail"),
    route(r"api/calls/outbound", OutboundCallView.as_view(), "calls-outbound"),
    path("", include("dashboard.page_urls")),
    path("", include("calls.urls")),
    path("", include("store.urls")),
    path("", include("dashboard.urls")),
    re_path(r"^swagger\.(?P<format>json|yaml)$", schema_view.without_ui(cache_timeout=0), name="schema-json"),
    route(r"swagger", docs_page(schema_view.with_ui("swagger", cache_timeout=0)), "schema-swagger-ui"),
    route(r"redoc", docs_page(schema_view.with_ui("redoc", cache_timeout=0)), "schema-redoc"),
    path("admin/", admin.site.urls),
    # Anything else under /api/ is a JSON 404, also with DEBUG=1.
    re_path(r"^api/", errors.api_not_found),
]

handler403 = errors.handler403
handler404 = errors.handler404
handler500 = errors.handler500
