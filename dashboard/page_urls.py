"""The pages (DESIGN.md, Pages). Each path answers with and without its trailing slash, like the API."""
from django.urls import re_path

from dashboard.views import agent_check, agents, analytics, auth, billing, callbacks, calls, customers, outbound, overview, profile, queue, settings, simulator, store

app_name = "pages"

PK = r"(?P<pk>[0-9]{1,18})"
KIND = r"(?P<kind_slug>departments|inventory|coupons|templates|staff|faqs)"


def page(pattern: str, view, name: str):
    """The path with its slash (what links and redirects use), and without it."""
    if not pattern:
        return [re_path(r"^$", view, name=name)]
    return [re_path(rf"^{pattern}/$", view, name=name), re_path(rf"^{pattern}$", view)]


routes = [
    page(r"login", auth.login_page, "login"),
    page(r"logout", auth.logout_page, "logout"),
    page(r"", overview.overview, "overview"),
    page(r"live", calls.live, "live"),
    page(r"calls", calls.call_list, "calls"),
    page(rf"calls/{PK}", calls.call_detail, "call-detail"),
    page(rf"calls/{PK}/terminate", calls.terminate, "call-terminate"),
    page(r"live/call", outbound.start_call, "start-call"),
    page(r"live/status", queue.set_status, "agent-status"),
    page(r"live/take", queue.take_next, "take-next"),
    page(r"callbacks", callbacks.callback_list, "callbacks"),
    page(rf"callbacks/{PK}", callbacks.callback_detail, "callback-detail"),
    page(r"customers", customers.customer_list, "customers"),
    page(rf"customers/{PK}", customers.customer_detail, "customer-detail"),
    page(r"billing", billing.billing, "billing"),
    page(r"agents", agents.ai_agents, "agents"),
    page(r"analytics", analytics.analytics, "analytics"),
    page(r"store", store.store_home, "store"),
    page(r"store/info", store.store_info, "store-info"),
    page(rf"store/{KIND}", store.rows, "store-rows"),
    page(rf"store/{KIND}/{PK}", store.row_detail, "store-row"),
    page(rf"store/{KIND}/{PK}/delete", store.row_delete, "store-row-delete"),
    page(r"settings", settings.voice_settings, "settings"),
    page(r"settings/profile", profile.profile, "profile"),
    page(r"settings/users", settings.users, "users"),
    page(rf"settings/users/{PK}", settings.user_detail, "user-detail"),
    page(rf"settings/users/{PK}/delete", settings.user_delete, "user-delete"),
    page(r"settings/api-keys", settings.api_keys, "api-keys"),
    page(rf"settings/api-keys/{PK}/revoke", settings.api_key_revoke, "api-key-revoke"),
    page(r"simulator", simulator.simulator, "simulator"),
    page(r"simulator/start", simulator.simulator_start, "simulator-start"),
    page(r"simulator/say", simulator.simulator_say, "simulator-say"),
    page(r"simulator/hangup", simulator.simulator_hangup, "simulator-hangup"),
    page(r"simulator/check", agent_check.agent_check, "agent-check"),
]
urlpatterns = [pattern for route in routes for pattern in route]
