"""Call payloads in seed 000's camelCase: validation in, plain dicts out."""
from __future__ import annotations

import re
from datetime import datetime
from datetime import timezone as dt_timezone
from typing import Any

from rest_framework import serializers

from callcenter.validation import PageLimitField
from calls.models import Call, TranscriptEntry

LANGUAGE_RE = re.compile(r"^[a-zA-Z]{2,8}([-_][a-zA-Z0-9]{1,8})?$")
PHONE_RE = re.compile(r"^[0-9+*#()\-. a-zA-Z:@_]{0,40}$")

# camelCase API name -> model field
FIELD_MAP = {
    "callId": "call_id",
    "type": "type",
    "caller": "caller",
    "receiver": "receiver",
    "startTime": "start_time",
    "endTime": "end_time",
    "status": "status",
    "language": "language",
    "duration": "duration",
    "interruptionCount": "interruption_count",
    "satisfaction": "satisfaction",
    "audioFile": "audio_file",
    "metadata": "metadata",
    "outcome": "outcome",
}


# A call happens between these instants; anything outside is a bot's bug, and year 1 or 9999
# shifted across a time zone overflows Python's datetime (a 500 instead of a 400).
EARLIEST = datetime(1970, 1, 1, tzinfo=dt_timezone.utc)
LATEST = datetime(2100, 1, 1, tzinfo=dt_timezone.utc)
# The longest call a duration may say (seconds): a week.
MAX_DURATION = 7 * 24 * 3600


class CallDateTimeField(serializers.DateTimeField):
    """ISO 8601, naive read in the current (store's) zone, between 1970 and 2100."""

    def to_internal_value(self, value: Any) -> datetime:
        try:
            moment = super().to_internal_value(value)
        except OverflowError:
            raise serializers.ValidationError("Use a date between 1970 and 2100.") from None
        if not EARLIEST <= moment < LATEST:
            raise serializers.ValidationError("Use a date between 1970 and 2100.")
        return moment


class MetadataSerializer(serializers.Serializer):
    userAgent = serializers.CharField(required=False, allow_blank=True, max_length=500)
    ipAddress = serializers.CharField(required=False, allow_blank=True, max_length=64)
    location = serializers.CharField(required=False, allow_blank=True, max_length=200)
    deviceType = serializers.CharField(required=False, allow_blank=True, max_length=50)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        validated = super().to_internal_value(data)
        # Keep keys a bot added beyond the four documented ones.
        extra = {k: v for k, v in data.items() if k not in self.fields}
        return {**extra, **validated}


class CallWriteSerializer(serializers.Serializer):
    """POST /api/calls and PATCH /api/calls/<id>: what a bot or a person may set."""

    callId = serializers.CharField(max_length=64, help_text="The bot's id for the call, e.g. a Twilio CallSid.")
    type = serializers.ChoiceField(choices=Call.Type.choices, required=False)
    caller = serializers.RegexField(PHONE_RE, required=False, allow_blank=True, max_length=40)
    receiver = serializers.RegexField(PHONE_RE, required=False, allow_blank=True, max_length=40)
    startTime = CallDateTimeField(required=False, help_text="ISO 8601; without an offset, the store's time zone.")
    endTime = CallDateTimeField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=Call.Status.choices, required=False)
    language = serializers.RegexField(LANGUAGE_RE, required=False, max_length=12, error_messages={"invalid": "Use a short language code such as en, hi or mixed."})
    duration = serializers.IntegerField(required=False, min_value=0, max_value=MAX_DURATION)
    interruptionCount = serializers.IntegerField(required=False, min_value=0, max_value=100000)
    satisfaction = serializers.ChoiceField(choices=Call.Satisfaction.choices, required=False)
    audioFile = serializers.CharField(required=False, allow_blank=True, max_length=500)
    metadata = MetadataSerializer(required=False)
    outcome = serializers.CharField(required=False, allow_blank=True, max_length=200)
    transcript = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, help_text="Lines of `Speaker: text`.")
    store = serializers.SlugField(required=False, help_text="Staff only: the store's slug, when you may see several.")

    class Meta:
        swagger_schema_fields = {
            "example": {
                "callId": "TEST123",
                "type": "inbound",
                "caller": "+1234567890",
                "receiver": "+0987654321",
                "startTime": "2025-10-05T10:00:00Z",
                "status": "in-progress",
                "language": "mixed",
                "metadata": {"deviceType": "phone"},
            }
        }

    def validate_callId(self, value: str) -> str:
        # The callId is a path segment of /api/calls/<callId>: one with a slash could never be updated.
        if "/" in value or any(ch.isspace() or not ch.isprintable() for ch in value):
            raise serializers.ValidationError("Use a callId without slashes, spaces or control characters.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("startTime"), attrs.get("endTime")
        if start and end and end < start:
            raise serializers.ValidationError({"endTime": ["endTime is before startTime."]})
        return attrs

    def model_fields(self) -> dict[str, Any]:
        """The validated data as model field names (without transcript and store)."""
        return {FIELD_MAP[k]: v for k, v in self.validated_data.items() if k in FIELD_MAP}


class CallUpdateSerializer(CallWriteSerializer):
    callId = serializers.CharField(max_length=64, required=False)

    class Meta:
        swagger_schema_fields = {"example": {"endTime": "2025-10-05T10:05:00Z", "status": "success", "duration": 300}}


class TranscriptEntryInSerializer(serializers.Serializer):
    speaker = serializers.CharField(max_length=40, allow_blank=True)
    text = serializers.CharField(trim_whitespace=False)
    at = CallDateTimeField(required=False)


class TranscriptAppendSerializer(serializers.Serializer):
    """PATCH /api/calls/<id>/transcript: text lines or structured entries."""

    transcript = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    entries = TranscriptEntryInSerializer(many=True, required=False)

    class Meta:
        swagger_schema_fields = {"example": {"transcript": "User: Hello\nBot: Hi there!\n"}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "transcript" not in attrs and "entries" not in attrs:
            raise serializers.ValidationError({"transcript": ["Send transcript (text) or entries (a list)."]})
        return attrs


SORT_FIELDS = {
    "startTime": "start_time",
    "endTime": "end_time",
    "duration": "duration",
    "createdAt": "created_at",
    "status": "status",
    "caller": "caller",
    "receiver": "receiver",
}


class CallFilterSerializer(serializers.Serializer):
    """Query parameters of GET /api/calls and its CSV export."""

    # Bounded: page 10**20 made an OFFSET past a 64-bit integer, a database error and a 500.
    page = serializers.IntegerField(required=False, min_value=1, max_value=10_000_000, default=1)
    limit = PageLimitField(required=False, maximum=100, default=20)
    type = serializers.ChoiceField(choices=Call.Type.choices, required=False)
    status = serializers.ChoiceField(choices=Call.Status.choices, required=False)
    language = serializers.RegexField(LANGUAGE_RE, required=False, max_length=12)
    caller = serializers.CharField(required=False, max_length=40)
    receiver = serializers.CharField(required=False, max_length=40)
    search = serializers.CharField(
        required=False, max_length=64, help_text="Part of the caller, receiver or callId, a number typed in any format ('(555) 999-0001'), or words of the transcript."
    )
    startDate = serializers.CharField(required=False)
    endDate = serializers.CharField(required=False)
    sortBy = serializers.ChoiceField(choices=list(SORT_FIELDS), required=False, default="startTime")
    sortOrder = serializers.ChoiceField(choices=["asc", "desc"], required=False, default="desc")
    store = serializers.SlugField(required=False)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        # A filter form sends its unset fields empty ("status="): they mean "no filter", not a bad value.
        return super().to_internal_value({k: v for k, v in data.items() if v != ""})


def iso(moment: datetime | None) -> str | None:
    """Timestamps leave the API in UTC, whatever zone they were written in."""
    return moment.astimezone(dt_timezone.utc).isoformat().replace("+00:00", "Z") if moment else None


def entry_to_dict(entry: TranscriptEntry) -> dict[str, Any]:
    return {"speaker": entry.speaker, "text": entry.text, "at": iso(entry.at)}


def call_to_dict(call: Call, *, entries: list[TranscriptEntry] | None = None, transcript: str | None = None) -> dict[str, Any]:
    """A call as seed 000's clients read it; with `entries`, its transcript and entries; with `transcript`, that text."""
    data = {
        "_id": str(call.pk),
        "id": call.pk,
        "callId": call.call_id,
        "store": call.store.slug,
        "type": call.type,
        "caller": call.caller,
        "receiver": call.receiver,
        "startTime": iso(call.start_time),
        "endTime": iso(call.end_time),
        "status": call.status,
        "language": call.language,
        "duration": call.duration,
        "interruptionCount": call.interruption_count,
        "satisfaction": call.satisfaction,
        "audioFile": call.audio_file,
        "metadata": call.metadata,
        "outcome": call.outcome,
        "transcriptEntryCount": call.transcript_entry_count,
        "createdAt": iso(call.created_at),
        "updatedAt": iso(call.updated_at),
    }
    if transcript is not None:
        data["transcript"] = transcript
    if entries is not None:
        data["transcript"] = "".join(f"{e.line}\n" for e in entries)
        data["entries"] = [entry_to_dict(e) for e in entries]
    return data
