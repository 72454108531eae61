"""POST /api/calls/outbound: the platform places a call that runs the voice agent."""
from __future__ import annotations

import re

from django.conf import settings
from drf_yasg.utils import swagger_auto_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from callcenter.permissions import IsStaffUser
from calls import services as call_services
from calls.models import Call
from calls.serializers import call_to_dict
from store.tenancy import require_store
from voice import twilio

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


class OutboundCallSerializer(serializers.Serializer):
    to = serializers.RegexField(E164, error_messages={"invalid": "Use an E.164 number such as +15551234567."})
    store = serializers.SlugField(required=False, help_text="The store's slug; optional when you have one store.")


class OutboundCallView(APIView):
    permission_classes = [IsStaffUser]

    @swagger_auto_schema(request_body=OutboundCallSerializer, responses={201: "The queued call", 503: "Twilio not configured"})
    def post(self, request: Request) -> Response:
        serializer = OutboundCallSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        store = require_store(request.user, serializer.validated_data.get("store"))
        if not store.twilio_numbers:
            raise serializers.ValidationError({"store": ["The store has no Twilio number to call from."]})
        to, from_ = serializer.validated_data["to"], store.twilio_numbers[0]
        sid = twilio.place_call(
            to=to,
            from_=from_,
            url=f"{settings.PUBLIC_BASE_URL}/voice/outbound",
            status_callback=f"{settings.PUBLIC_BASE_URL}/voice/status",
        )
        call, _ = call_services.create_call(
            store=store,
            fields={"call_id": sid, "type": Call.Type.OUTBOUND, "caller": from_, "receiver": to, "status": Call.Status.QUEUED, "language": store.language},
        )
        return Response({"success": True, "data": call_to_dict(call)}, status=status.HTTP_201_CREATED)
