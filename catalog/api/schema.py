"""OpenAPI documentation of the partner API (drf-spectacular). The views write orjson directly, so these
serializers only describe the wire format: one field per language, exactly as sent and received."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import serializers

from catalog.gift_fields import DEFAULT_LANGUAGE, LANGUAGES, LINK_MAX_LENGTH, NAME_MAX_LENGTH

_DATETIME = "2025-08-25T09:50:00 (TIME_ZONE) or ISO 8601 with an offset, e.g. 2025-08-25T09:50:00+03:00."


def _gift_fields(*, with_id: str | None, create: bool) -> dict[str, serializers.Field]:
    fields: dict[str, serializers.Field] = {}
    if with_id == "read":
        fields["id"] = serializers.IntegerField(read_only=True, help_text="Unique gift identifier.")
    elif with_id == "required":
        fields["id"] = serializers.IntegerField(help_text="The gift to update (one of yours).")
    required_output = with_id == "read"
    for lang in LANGUAGES:
        fields[f"icon_{lang}"] = serializers.URLField(
            allow_null=True,
            required=required_output,
            help_text=f'Icon URL ({lang}). Absolute http(s) URL; null or "" clears it.',
        )
    for lang in LANGUAGES:
        fields[f"image_{lang}"] = serializers.URLField(
            allow_null=True, required=required_output, help_text=f'Image URL ({lang}); null or "" clears it.'
        )
    for lang in LANGUAGES:
        is_default = lang == DEFAULT_LANGUAGE
        fields[f"name_{lang}"] = serializers.CharField(
            max_length=NAME_MAX_LENGTH,
            allow_null=not (is_default and not required_output),
            required=required_output or (create and is_default),
            help_text=f"Name ({lang})." + (" Required; never empty." if is_default else ""),
        )
    for lang in LANGUAGES:
        fields[f"link_{lang}"] = serializers.URLField(
            max_length=LINK_MAX_LENGTH,
            allow_null=True,
            required=required_output,
            help_text=f"Partner link ({lang}).",
        )
    for lang in LANGUAGES:
        fields[f"description_{lang}"] = serializers.CharField(
            allow_null=True, required=required_output, help_text=f"Description ({lang})."
        )
    fields["start_time"] = serializers.DateTimeField(
        required=required_output or create, help_text=f"When the gift starts. {_DATETIME}"
    )
    fields["removal_time"] = serializers.DateTimeField(
        required=required_output or create, help_text=f"When it expires; after start_time. {_DATETIME}"
    )
    fields["active"] = serializers.BooleanField(
        required=required_output,
        help_text="Whether the gift is active." + (" Default true." if create else ""),
    )
    return fields


Gift = type("Gift", (serializers.Serializer,), _gift_fields(with_id="read", create=False))
GiftCreate = type("GiftCreate", (serializers.Serializer,), _gift_fields(with_id=None, create=True))
GiftUpdate = type("GiftUpdate", (serializers.Serializer,), _gift_fields(with_id=None, create=False))
GiftBulkUpdateItem = type(
    "GiftBulkUpdateItem", (serializers.Serializer,), _gift_fields(with_id="required", create=False)
)


class Detail(serializers.Serializer):
    detail = serializers.CharField()


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "catalog.api.auth.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`, e.g. `Authorization: Api-Key gk_1a2b3c4d_...`",
        }
