"""ASGI entry point: /socket.io/ through python-socketio, other HTTP through Django, WebSockets through Channels."""
import os
import re

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "callcenter.settings")
django_asgi_app = get_asgi_application()

import socketio  # noqa: E402
from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import OriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from calls.routing import websocket_urlpatterns  # noqa: E402
from calls.socketio_server import sio  # noqa: E402

# WebSocket routes that clients without a browser open (a bot, a script, Twilio): they send no
# Origin and prove who they are in the consumer, never by cookie. /ws/calls/ takes a JWT; the
# ConversationRelay socket (issue 14), which Twilio signs, belongs here too.
ORIGINLESS_ROUTES = (re.compile(r"^/ws/calls/?$"),)


def allowed_origins() -> list[str]:
    """Where a browser's socket may come from: our own hosts (as AllowedHostsOriginValidator) and CORS_ALLOWED_ORIGINS."""
    hosts = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not hosts:
        hosts = ["localhost", "127.0.0.1", "[::1]"]
    return hosts + list(settings.CORS_ALLOWED_ORIGINS)


class BrowserOriginValidator(OriginValidator):
    """Cross-site WebSocket hijacking: a socket that names a foreign Origin is refused, and so is one
    that names none, except on ORIGINLESS_ROUTES, where it goes on without its cookies (a browser
    always sends Origin, so what sends none is not a browser and must bring its own credentials)."""

    def __init__(self, application, originless=ORIGINLESS_ROUTES) -> None:
        super().__init__(application, allowed_origins=[])
        self.originless = originless

    async def __call__(self, scope, receive, send):
        headers = scope.get("headers", [])
        if not any(name == b"origin" for name, _ in headers) and any(route.match(scope["path"]) for route in self.originless):
            scope = {**scope, "headers": [(name, value) for name, value in headers if name != b"cookie"]}
            return await self.application(scope, receive, send)
        return await super().__call__(scope, receive, send)

    def validate_origin(self, parsed_origin) -> bool:
        # Read each time: the settings are the environment's, and tests change them.
        return any(pattern == "*" or self.match_allowed_origin(parsed_origin, pattern) for pattern in allowed_origins())


channels_application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": BrowserOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
# The original calling dashboard's front end listens with socket.io; everything else passes through.
application = socketio.ASGIApp(sio, other_asgi_app=channels_application, socketio_path="socket.io")
