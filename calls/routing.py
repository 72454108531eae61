from django.urls import re_path

from calls.consumers import CallEventsConsumer

websocket_urlpatterns = [re_path(r"^ws/calls/?$", CallEventsConsumer.as_asgi())]
