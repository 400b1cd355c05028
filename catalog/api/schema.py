"""OpenAPI documentation of the partner API (drf-spectacular). The views write orjson directly, so these
serializers only describe the wire format: one field per language, exactly as sent and received."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import serializers

from catalog.gift_fields import (
    DEFAULT_LANGUAGE,
    DEFAULT_NAME_KEY,
    DESCRIPTION_MAX_LENGTH,
    LANGUAGES,
    LINK_MAX_LENGTH,
    MAX_ID,
    MEDIA_MAX_LENGTH,
    NAME_MAX_LENGTH,
)

_DATETIME = (
    "Served as 2025-08-25T09:50:00 in the server's TIME_ZONE (no offset). Accepted: that form, or ISO 8601 "
    "with an offset, e.g. 2025-08-25T09:50:00+03:00; years 1900-9000."
)

# The largest limit / offset / after the list accepts: the view takes at most 18 digits, larger is a 400.
QUERY_NUMBER_MAX = 10**18 - 1


def _gift_fields(*, with_id: str | None, create: bool) -> dict[str, serializers.Field]:
    fields: dict[str, serializers.Field] = {}
    if with_id == "read":
        fields["id"] = serializers.IntegerField(read_only=True, help_text="Unique gift identifier.")
    elif with_id == "required":
        fields["id"] = serializers.IntegerField(help_text="The gift to update (one of yours).")
    required_output = with_id == "read"
    for lang in LANGUAGES:
        fields[f"icon_{lang}"] = serializers.URLField(
            max_length=MEDIA_MAX_LENGTH,
            allow_null=True,
            required=required_output,
            help_text=f'Icon URL ({lang}). Absolute http(s) URL; null or "" clears it.',
        )
    for lang in LANGUAGES:
        fields[f"image_{lang}"] = serializers.URLField(
            max_length=MEDIA_MAX_LENGTH,
            allow_null=True,
            required=required_output,
            help_text=f'Image URL ({lang}); null or "" clears it.',
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
            help_text=f"Partner link ({lang}): absolute http(s), no user name or password in it, not a "
            "loopback, private or link-local host.",
        )
    for lang in LANGUAGES:
        fields[f"description_{lang}"] = serializers.CharField(
            max_length=DESCRIPTION_MAX_LENGTH,
            allow_null=True,
            required=required_output,
            help_text=f"Description ({lang}). Line breaks and tabs allowed, no other control characters.",
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


# --- What the server does, said in the schema (applied to the generated document) --------------------
# Exact wire form of served datetimes: the spec's, in TIME_ZONE, no offset (so not JSON Schema's
# `date-time`, which requires one).
WIRE_DATETIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$"
# Accepted on input (catalog.services.gift_input._DATETIME_RE, around surrounding whitespace).
INPUT_DATETIME_PATTERN = (
    r"^\s*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}([.,]\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)?\s*$"
)
# In a query string an unencoded "+" arrives as a space.
QUERY_DATETIME_PATTERN = (
    r"^\s*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}([.,]\d{1,6})?)?(Z|[+ -]\d{2}(:?\d{2})?)?\s*$"
)
# One line of text, no control characters (catalog/validators.py); names_ro needs a visible character.
SINGLE_LINE_PATTERN = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$"
MULTILINE_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029]*$"
REQUIRED_NAME_PATTERN = (
    r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029]"
    r"[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$"
)
# An absolute http(s) URL, or empty/whitespace only (cleared). Host rules (no credentials, no private
# addresses) are in the descriptions: a pattern cannot say them exactly.
URL_PATTERN = r"^\s*([hH][tT][tT][pP][sS]?://[^\s/?#]+([/?#]\S*)?)?\s*$"
BOOLEAN_QUERY_PATTERN = r"^\s*([tT][rR][uU][eE]|[fF][aA][lL][sS][eE]|1|0)\s*$"
_WRITE_SCHEMAS = ("GiftCreate", "GiftUpdate", "PatchedGiftUpdate", "GiftBulkUpdateItem")
_EXTRA_ERRORS = {
    "408": "The request body did not arrive in time (production server).",
    "411": "A chunked body the server cannot read; send Content-Length.",
    "413": "Body too large.",
    "415": "Not application/json.",
}


def _gift_properties(schema: dict, *, output: bool) -> None:
    schema["additionalProperties"] = False
    for name, prop in schema["properties"].items():
        prop.pop("format", None)
        if name == "id":
            prop["minimum"] = 1
            prop["maximum"] = MAX_ID
        elif name in ("start_time", "removal_time"):
            prop["pattern"] = WIRE_DATETIME_PATTERN if output else INPUT_DATETIME_PATTERN
        elif name.startswith(("icon_", "image_", "link_")):
            if output:
                prop["format"] = "uri"
            else:
                prop["pattern"] = URL_PATTERN
        elif name == DEFAULT_NAME_KEY:
            prop["pattern"] = SINGLE_LINE_PATTERN if output else REQUIRED_NAME_PATTERN
            prop["minLength"] = 1
        elif name.startswith("name_"):
            prop["pattern"] = SINGLE_LINE_PATTERN
        elif name.startswith("description_"):
            prop["pattern"] = MULTILINE_PATTERN


def postprocess_schema(result: dict, generator, request, public) -> dict:
    """drf-spectacular POSTPROCESSING_HOOKS entry: the exact rules of the wire format (patterns, bounds,
    no unknown keys) that its field mapping cannot express. `make fuzz-schema` holds the server to it."""
    schemas = result.get("components", {}).get("schemas", {})
    if "Gift" in schemas:
        _gift_properties(schemas["Gift"], output=True)
    for name in _WRITE_SCHEMAS:
        if name in schemas:
            _gift_properties(schemas[name], output=False)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter["in"] == "path" and parameter["name"] == "id":
                    schema.update({"minimum": 1, "maximum": MAX_ID})
                elif parameter["name"] == "active":
                    parameter["schema"] = {"type": "string", "pattern": BOOLEAN_QUERY_PATTERN}
                elif parameter["name"] == "updated_since":
                    parameter["schema"] = {"type": "string", "pattern": QUERY_DATETIME_PATTERN}
                elif parameter["name"] in ("limit", "offset", "after"):
                    schema.update({"minimum": 0, "maximum": QUERY_NUMBER_MAX})
            content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            if content.get("schema", {}).get("type") == "array":
                content["schema"]["maxItems"] = settings.GIFT_BULK_MAX_ITEMS
            if method in ("put", "patch", "post"):
                for status, description in _EXTRA_ERRORS.items():
                    operation["responses"].setdefault(
                        status,
                        {
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Detail"}}
                            },
                            "description": description,
                        },
                    )
            if path.endswith("{id}/") or method in ("put", "patch", "post"):
                operation["responses"].setdefault(
                    "404",
                    {
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Detail"}}},
                        "description": "Not found.",
                    },
                )
    return result
