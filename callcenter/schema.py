"""What /swagger.json says the API answers: response envelopes shared by the apps, and a field
inspector so fields that accept "" are documented as accepting it. bench/fuzz.py checks every
documented response against these."""
from __future__ import annotations

from functools import cache

from drf_yasg import openapi
from drf_yasg.generators import OpenAPISchemaGenerator
from drf_yasg.inspectors import FieldInspector, SwaggerAutoSchema
from rest_framework import serializers


class TruthfulFieldInspector(FieldInspector):
    """Where drf-yasg's field schemas contradict the values the fields hold: it documents
    `EmailField(allow_blank=True)` as `format: email` and a blank-allowed RegexField by its pattern
    alone, though both hold ""; and a `DictField()` without a child as a map of strings, though
    its values are any JSON (voice settings hold numbers)."""

    def process_result(self, result, method_name, obj, **kwargs):
        if not isinstance(result, openapi.Schema):
            return result
        if getattr(obj, "allow_blank", False) and result.get("type") == openapi.TYPE_STRING:
            if result.get("format") in (openapi.FORMAT_EMAIL, openapi.FORMAT_URI):
                del result["format"]
            if result.get("pattern"):
                result["pattern"] = f"^$|{result['pattern']}"
        if isinstance(obj, serializers.DictField) and type(obj.child).__name__ == "_UnvalidatedField":
            result.pop("additionalProperties", None)
        return result


def envelope(*, message: bool = False, data: openapi.Schema | None = None, description: str = "") -> openapi.Response:
    """`{success, [message], [data]}`: the answer of the call log, users and every store data write."""
    properties = {"success": openapi.Schema(type=openapi.TYPE_BOOLEAN)}
    if message:
        properties["message"] = openapi.Schema(type=openapi.TYPE_STRING)
    if data is not None:
        properties["data"] = data
    return openapi.Response(description or "OK", openapi.Schema(type=openapi.TYPE_OBJECT, properties=properties, required=list(properties)))


@cache
def written(serializer_class: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """`{success, message, data: <the row>}`: what a store data write answers, as a documented serializer."""
    name = serializer_class.__name__.removesuffix("Serializer")
    return type(
        f"{name}WrittenSerializer",
        (serializers.Serializer,),
        {"success": serializers.BooleanField(), "message": serializers.CharField(), "data": serializer_class(), "__module__": __name__},
    )


OBJECT = openapi.Schema(type=openapi.TYPE_OBJECT)
LIST = openapi.Schema(type=openapi.TYPE_ARRAY, items=OBJECT)
DONE = envelope(message=True, description="Done: `{success, message}`")


class AutoSchema(SwaggerAutoSchema):
    """The project's schema inspector (SWAGGER_SETTINGS["DEFAULT_AUTO_SCHEMA_CLASS"]): drf-yasg's, plus
    fields documented as the values they hold. (Listed here, not in DEFAULT_FIELD_INSPECTORS, whose
    import would be circular with drf_yasg.inspectors.)"""

    field_inspectors = [TruthfulFieldInspector, *SwaggerAutoSchema.field_inspectors]


class WriteEnvelopeAutoSchema(AutoSchema):
    """Store data (seed 001): GET answers the bare row or list, but POST, PUT and PATCH answer
    200 `{success, message, data: <the row>}` and DELETE 200 `{success, message}`."""

    def get_default_responses(self):
        method = self.method.lower()
        if method in ("post", "put", "patch"):
            return {"200": self.serializer_to_schema(written(type(self.get_view_serializer()))())}
        if method == "delete":
            return {"200": DONE}
        return super().get_default_responses()


# The operation groups of /swagger.json (its top-level `tags`, in this order); an operation's tag is
# the first segment of its path under /api.
TAGS = {
    "auth": "Sign in (both original login shapes), simplejwt tokens, logout.",
    "users": "People and their roles and stores; the signed-in person's profile and password.",
    "calls": "The call log (seed 000): bots log calls and transcripts with a store API key; staff read, filter, export, hang up and place calls.",
    "dashboard": "The comprehensive dashboard of the signed-in person's role (seed 004).",
    "stores": "Stores, the tenants: names, slugs, owners, Twilio numbers, time zones.",
    "store-info": "A store's info (seed 001): address, hours, holiday hours and note, greeting.",
    "settings": "The voice agent's settings for a store (seed 001's settings.json and more).",
    "departments": "A store's departments and their extensions, for transfers.",
    "inventory": "A store's items: price, stock, aisle; searched by word.",
    "coupons": "A store's deals, spoken to callers while valid.",
    "voice-templates": "What the voice agent says for each prompt, with variations.",
    "staff": "A store's staff members.",
    "faqs": "A store's questions and answers, spoken by the voice agent.",
    "audit-log": "Who changed which store data, before and after.",
    "plans": "Subscription plans.",
    "subscriptions": "Stores' subscriptions, with usage and days left.",
    "billing": "Billing history.",
    "customers": "Callers known by their number.",
    "callbacks": "Scheduled callbacks.",
    "queue": "The call queue.",
    "agent-profiles": "Staff agents' profiles and availability.",
    "ai-agents": "The AI voice agents of the stores, with their performance.",
    "health": "Is the app, its database and its channel layer working (also at /health).",
    "ping": "Answers at once and touches nothing: the floor of every measured figure.",
}


class SchemaGenerator(OpenAPISchemaGenerator):
    """drf-yasg's generator, plus the top-level `tags` list naming and describing the operation groups
    (the original dashboard's test reads it; drf-yasg tags operations but lists no tags)."""

    def get_schema(self, request=None, public=False):
        schema = super().get_schema(request, public)
        used = {tag for path in schema.paths.values() for _, operation in path.operations for tag in operation.get("tags", [])}
        order = [name for name in TAGS if name in used] + sorted(used - TAGS.keys())
        schema["tags"] = [{"name": name, "description": TAGS.get(name, name)} for name in order]
        return schema
