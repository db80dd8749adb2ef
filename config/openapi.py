"""How the API describes itself in its OpenAPI schema (`/api/v1/schema/`), beyond what
drf-spectacular infers from the views and serializers.

- Every operation documents the errors every request can get: 401 (no or a bad token
  or session) and 415 (a body that is not JSON, `config.api.JSONAPIView`), each with
  the error body `{"detail"}`; the other errors an operation gives (400, 403, 404, 409)
  are declared on the view, and get a description here when they have none.
- A `oneOf` request body (`POST /tasks/{id}/complete/`) is required like any other.
- A field a response always carries is `required`. drf-spectacular takes `required`
  from the field, which for a model field with a default or `blank=True` is false
  although the answer always has it; a generated client then types it
  "maybe absent". A response field is optional only when declared so.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance, get_doc
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

# What each status beyond 200 means, in the words of the README (Dutch, like the rest
# of the schema's descriptions).
STATUS_DESCRIPTIONS = {
    "202": (
        "Het document wordt gemaakt (een achtergrondtaak); vraag het opnieuw na het "
        "aantal seconden in de kopregel `Retry-After`."
    ),
    "400": "Onjuiste invoer: `detail` zegt wat er mis is, `errors` per veld.",
    "401": (
        "Niet aangemeld: geen of een ongeldig token (`Authorization: Token …`) of "
        "sessie."
    ),
    "403": "Niet toegestaan voor u.",
    "404": (
        "Niet gevonden: bestaat niet, of u mag het niet zien (hetzelfde antwoord)."
    ),
    "409": (
        "Niet mogelijk in de huidige toestand: al gedaan, de verkeerde fase, een "
        "voorwaarde niet vervuld, of gelijktijdig gewijzigd."
    ),
    "415": "De inhoud is geen JSON: stuur `Content-Type: application/json`.",
    "503": (
        "Het document kon niet worden gemaakt: de achtergrondtaak is herhaaldelijk "
        "mislukt (het beheer ziet haar); probeer het later opnieuw."
    ),
}
# Every operation can answer these, whatever it does.
EVERY_OPERATION = ("401", "415")


class DoorbraakAutoSchema(AutoSchema):
    def get_description(self) -> str:
        # What the operation itself says; not the docstring of a base class
        # (`JSONAPIView`), which drf-spectacular would otherwise inherit.
        own = "__doc__" in vars(type(self.view)) and type(self.view).__doc__
        action_doc = get_doc(getattr(self.view, self.method.lower(), None))
        return action_doc or (get_doc(type(self.view)) if own else "")

    def _get_request_for_media_type(self, serializer, direction="request"):
        schema, required = super()._get_request_for_media_type(serializer, direction)
        # A `oneOf` body (one per kind of task) has no `required` of its own, but
        # every one of its bodies has required fields.
        if isinstance(serializer, PolymorphicProxySerializer):
            required = True
        # A body whose fields are all optional (a PATCH, a confirmation with an
        # optional note) is still a JSON object the operation reads: `{}` at least.
        if getattr(serializer, "body_required", False):
            required = True
        return schema, required

    def _get_response_bodies(self, direction="response"):
        from casework.api import ErrorSerializer

        responses = super()._get_response_bodies(direction)
        for code in EVERY_OPERATION:
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    ErrorSerializer, code, direction=direction
                )
        for code, response in responses.items():
            if code in STATUS_DESCRIPTIONS and not response.get("description"):
                response["description"] = STATUS_DESCRIPTIONS[code]
            if code == "202":
                response.setdefault("headers", {})["Retry-After"] = {
                    "description": "Seconden tot het document er waarschijnlijk is.",
                    "schema": {"type": "integer"},
                }
        return dict(sorted(responses.items()))

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction != "response":
            return schema
        serializer = force_instance(serializer)
        if not isinstance(serializer, serializers.ModelSerializer):
            return schema
        # A field the ModelSerializer built from the model is an attribute of every
        # instance: always in the answer. Declared fields keep their own `required`.
        declared = serializer._declared_fields
        required = set(schema.get("required", []))
        required |= {
            name
            for name in schema.get("properties", {})
            if name not in declared or serializer.fields[name].required
        }
        schema["required"] = sorted(required)
        return schema
