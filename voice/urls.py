"""Twilio's webhooks (DESIGN.md, Voice): each answers with and without a trailing slash."""
from callcenter.routing import route
from voice import views

app_name = "voice"

urlpatterns = [
    route(r"voice", views.incoming, "root"),
    route(r"voice/incoming", views.incoming, "incoming"),
    route(r"voice/gather", views.gather, "gather"),
    route(r"voice/status", views.status, "status"),
    route(r"voice/recording", views.recording, "recording"),
    route(r"voice/outbound", views.outbound, "outbound"),
]
