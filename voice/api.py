"""POST /api/calls/outbound: the platform places a call that runs the voice agent."""
from __future__ import annotations

import re

from drf_yasg.utils import swagger_auto_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from callcenter.permissions import IsStaffUser
from calls.serializers import call_to_dict
from store.tenancy import require_store
from voice.outbound import place_outbound_call

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


class OutboundCallSerializer(serializers.Serializer):
    to = serializers.RegexField(E164, error_messages={"invalid": "Use an E.164 number such as +12125551234."})
    store = serializers.SlugField(required=False, help_text="The store's slug; optional when you have one store.")


class OutboundCallView(APIView):
    permission_classes = [IsStaffUser]

    @swagger_auto_schema(request_body=OutboundCallSerializer, responses={201: "The queued call", 503: "Twilio not configured"})
    def post(self, request: Request) -> Response:
        serializer = OutboundCallSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        store = require_store(request.user, serializer.validated_data.get("store"))
        call = place_outbound_call(store=store, to=serializer.validated_data["to"])
        return Response({"success": True, "data": call_to_dict(call)}, status=status.HTTP_201_CREATED)
