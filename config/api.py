"""Where domain errors become HTTP answers for the API: one place, one shape.

Every error body is `{"detail": "..."}` (design §8); a validation error adds the
per-field messages under `errors`. What the API accepts is here too: `JSONAPIView`,
the base of every view under `/api/v1/`, takes JSON bodies only.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpResponse, HttpResponseNotFound, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, UnsupportedMediaType, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from casework.limits import SHORT_TEXT_MAX
from permissions.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotPermitted,
    NotVisible,
    not_found_message,
)

DOMAIN_STATUS = {
    InvalidInput: status.HTTP_400_BAD_REQUEST,
    NotPermitted: status.HTTP_403_FORBIDDEN,
    NotVisible: status.HTTP_404_NOT_FOUND,
    Conflict: status.HTTP_409_CONFLICT,
}


def _first_error(detail, path: str = "") -> tuple[str, str]:
    """(where, message) of the first error in DRF's error detail; `where` is a path
    such as `commitments[1].due_date` (an item's index only for lists of items)."""
    if isinstance(detail, dict):
        for field, value in detail.items():
            if not value:
                continue
            if field in ("non_field_errors", "detail"):
                return _first_error(value, path)
            if isinstance(field, int):  # the items of a list, by index
                return _first_error(value, f"{path}[{field}]")
            return _first_error(value, f"{path}.{field}" if path else str(field))
    if isinstance(detail, list) and detail:
        for index, item in enumerate(detail):
            if not item:
                continue  # a valid item of a list of items
            if isinstance(item, dict | list):
                return _first_error(item, f"{path}[{index}]")
            return path, str(item)
    return path, str(detail)


def _first_message(detail) -> str:
    where, message = _first_error(detail)
    return f"{where}: {message}" if where else message


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        # A refusal with a status of its own (an upload too large: 413; of a type
        # not taken: 415), else the status of its class.
        if getattr(exc, "http_status", None):
            return Response({"detail": exc.message}, status=exc.http_status)
        for cls, code in DOMAIN_STATUS.items():
            if isinstance(exc, cls):
                return Response({"detail": exc.message}, status=code)
    if isinstance(exc, (Http404, NotFound)):
        # DRF's own 404 (a view's `get_object_or_404`) says what the domain says.
        return Response(
            {"detail": not_found_message()}, status=status.HTTP_404_NOT_FOUND
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError):
        response.data = {"detail": _first_message(exc.detail), "errors": exc.detail}
    elif not (isinstance(response.data, dict) and "detail" in response.data):
        response.data = {"detail": _first_message(response.data)}
    return response


def _carries_a_body(request) -> bool:
    """As DRF decides it: a body is what `Content-Length` announces."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > 0
    except ValueError:
        return False


class BoundedChoiceField(serializers.ChoiceField):
    """A choice whose refusal names the value: a value longer than any text the API
    takes is refused by its length first (400 naming the limit), never echoed."""

    default_error_messages = {
        **serializers.ChoiceField.default_error_messages,
        "max_length": serializers.CharField.default_error_messages["max_length"],
    }

    def to_internal_value(self, data):
        if isinstance(data, str) and len(data) > SHORT_TEXT_MAX:
            self.fail("max_length", max_length=SHORT_TEXT_MAX)
        return super().to_internal_value(data)


class JSONAPIView(APIView):
    """The base of every API view: request bodies are JSON, nothing else.

    DRF refuses another content type only when a view reads the body; this refuses
    it for every request that carries one (after authentication, before the view), so
    a form or multipart body is a 415 on every operation, also on those that read no
    body. The message does not echo the header: it may be anything.
    """

    parser_classes = [JSONParser]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not _carries_a_body(request):
            return
        parser = self.get_content_negotiator().select_parser(
            request, self.get_parsers()
        )
        if parser is None:
            raise UnsupportedMediaType(
                request.content_type, detail=self.get_unsupported_media_message()
            )

    def get_unsupported_media_message(self) -> str:
        """The 415's words (the evidence upload, which takes a file, says its own)."""
        return _(
            "De API neemt alleen JSON aan: stuur de inhoud met "
            "Content-Type: application/json."
        )


@csrf_exempt  # nothing happens here; a POST must get the 404, not a CSRF page
def api_not_found(request, *args, **kwargs) -> HttpResponse:
    """A URL under /api/v1/ that names no endpoint (a typo, an id that is no number):
    the API's 404, not the site's HTML page, with the very bytes an endpoint answers
    for a missing object (DRF's renderer, not Django's spaced JSON)."""
    return HttpResponse(
        JSONRenderer().render({"detail": not_found_message()}),
        content_type="application/json",
        status=404,
    )


class JsonBesideGetMixin:
    """For a view whose renderers serve one document (an HTML page, the OpenAPI
    YAML): any answer but that document (OPTIONS, a refused method) is JSON like the
    rest of the API, not a page without a template (a 500) or a YAML error."""

    def get_renderers(self):
        if self.request is not None and self.request.method not in ("GET", "HEAD"):
            return [JSONRenderer()]
        return super().get_renderers()


class SchemaView(JsonBesideGetMixin, SpectacularAPIView):
    """The OpenAPI schema (/api/v1/schema/)."""


class SwaggerUIView(JsonBesideGetMixin, SpectacularSwaggerSplitView):
    """The Swagger UI page (/api/v1/docs/)."""


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    """`handler404`: the one "not found" of each surface. Under /api/ the API's body;
    elsewhere the site's 404 page, rendered without the request (no address, user or
    form token in it), so that a hidden object answers exactly as a missing one."""
    if _is_api(request):
        return api_not_found(request)
    return HttpResponseNotFound(loader.render_to_string("404.html"))


def bad_request(request, exception=None):
    """`handler400`: a request Django refuses before any view runs (a body over
    `DATA_UPLOAD_MAX_MEMORY_SIZE`, too many fields, a forged host) gets the API's shape
    under /api/, the site's page elsewhere."""
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        message = _("De inhoud van het verzoek is te groot.")
    else:
        message = _("Het verzoek kan niet worden verwerkt.")
    return JsonResponse({"detail": message}, status=400)


def server_error(request):
    """`handler500`: the API's shape under /api/ (the error itself is logged)."""
    if not _is_api(request):
        return defaults.server_error(request)
    return JsonResponse(
        {"detail": _("Er ging iets mis aan onze kant. Probeer het later opnieuw.")},
        status=500,
    )
