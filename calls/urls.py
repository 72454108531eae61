from callcenter.routing import route
from calls import api

app_name = "calls"

REF = r"(?P<ref>[^/]+)"

urlpatterns = [
    route(r"api/calls", api.CallListCreateView.as_view(), "list"),
    route(r"api/calls/stats", api.CallStatsView.as_view(), "stats"),
    route(r"api/calls/active", api.ActiveCallsView.as_view(), "active"),
    route(r"api/calls/analytics", api.CallAnalyticsView.as_view(), "analytics"),
    route(r"api/calls/export", api.CallExportView.as_view(), "export"),
    route(rf"api/calls/{REF}/transcript", api.CallTranscriptView.as_view(), "transcript"),
    route(rf"api/calls/{REF}/terminate", api.CallTerminateView.as_view(), "terminate"),
    route(rf"api/calls/{REF}", api.CallDetailView.as_view(), "detail"),
]
