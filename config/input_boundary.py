"""One input boundary: no request text with a NUL or an unpaired surrogate gets past it.

PostgreSQL refuses a NUL in any text (a 500 where it reaches a query); a lone surrogate
(U+D800–U+DFFF) cannot be encoded as UTF-8, so a page or JSON answer that echoes one
fails to render. Both arrive in more ways than one: percent-encoded in the address
(`%00`, or bytes that are not UTF-8 such as `%ED%A0%80` or `%FF`), in a cookie (the
session cookie is looked up in the database), in a form field, as a JSON escape
(`"\\u0000"`, `"\\ud800"`) or in the path itself. `InputBoundaryMiddleware` reads every
one of these before any other part of the application does and refuses the request
with a 400: `{"detail": ...}` under /api/, a Dutch error page elsewhere. The answer
names where the bad text was (a parameter, field or cookie by its name, when the name
itself is clean) and never repeats the text.

JSON bodies are also held to `casework.limits.JSON_NESTING_MAX` levels of nesting,
counted by a walk that does not recurse, before the API's parser sees the body (a body
nested thousands deep made that parser raise RecursionError: a 500).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from casework.limits import JSON_NESTING_MAX

# A lone surrogate in Python text. Python's UTF-8 decoder never produces one, and
# `json.loads` joins an escaped pair into one character, so any left is unpaired.
_SURROGATE = re.compile("[\ud800-\udfff]")
# A name shown back to the client: short and printable, or not shown at all.
_SHOWABLE_NAME = re.compile(r"[\w.\-\[\] ]{1,80}")


class BadInput(Exception):
    """Where in the request a text that may not pass was found (already worded)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def is_clean_text(text: str) -> bool:
    """No NUL and no unpaired surrogate."""
    return "\x00" not in text and _SURROGATE.search(text) is None


def _decoded(raw: bytes, charset: str = "utf-8") -> str | None:
    """`raw` as text if it is valid in `charset` and clean, else None."""
    try:
        text = raw.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return None
    return text if is_clean_text(text) else None


def _showable(name: str | None) -> str | None:
    if name is None or not _SHOWABLE_NAME.fullmatch(name):
        return None
    return name


# --- The places a text arrives -------------------------------------------------------


def _urlencoded_pairs(raw: bytes) -> Iterator[tuple[bytes, bytes]]:
    """The percent-decoded (key, value) bytes of a query string or form body."""
    for chunk in raw.split(b"&"):
        if not chunk:
            continue
        key, _sep, value = chunk.partition(b"=")
        yield (
            unquote_to_bytes(key.replace(b"+", b" ")),
            unquote_to_bytes(value.replace(b"+", b" ")),
        )


def _check_urlencoded(raw: bytes, *, charset: str, where: str) -> None:
    for key, value in _urlencoded_pairs(raw):
        name = _decoded(key, charset)
        if name is None or _decoded(value, charset) is None:
            raise BadInput(_named(where, _showable(name)))


def _named(where: str, name: str | None) -> str:
    reason = _(
        "een nulteken, een losse surrogaat (U+D800 tot en met U+DFFF) of bytes die "
        "geen geldige UTF-8 zijn"
    )
    if where == "query":
        if name:
            return _(
                "De parameter ‘%(name)s’ in het adres bevat een teken dat niet is "
                "toegestaan: %(reason)s."
            ) % {"name": name, "reason": reason}
        return _(
            "Een parameter in het adres bevat een teken dat niet is toegestaan: "
            "%(reason)s."
        ) % {"reason": reason}
    if where == "cookie":
        if name:
            return _(
                "De cookie ‘%(name)s’ bevat een teken dat niet is toegestaan: %(reason)s."
            ) % {"name": name, "reason": reason}
        return _("Een cookie bevat een teken dat niet is toegestaan: %(reason)s.") % {
            "reason": reason
        }
    if where == "path":
        return _("Het adres bevat een teken dat niet is toegestaan: %(reason)s.") % {
            "reason": reason
        }
    if where == "header":
        return _("Een kopregel van het verzoek bevat een nulteken.")
    if where == "body":
        return _(
            "De inhoud van het verzoek bevat een teken dat niet is toegestaan: "
            "%(reason)s."
        ) % {"reason": reason}
    # A form field or a JSON member.
    if name:
        return _(
            "Het veld ‘%(name)s’ bevat een teken dat niet is toegestaan: %(reason)s."
        ) % {"name": name, "reason": reason}
    return _("Een veldnaam bevat een teken dat niet is toegestaan: %(reason)s.") % {
        "reason": reason
    }


def _wsgi_bytes(request: HttpRequest, key: str) -> bytes:
    """A WSGI environ value as the bytes that came over the wire (PEP 3333 hands them
    over decoded as ISO-8859-1)."""
    value = request.META.get(key, "")
    try:
        return value.encode("iso-8859-1")
    except UnicodeEncodeError:
        # Not from a WSGI server (a test's own environ): take it as UTF-8 text.
        return value.encode("utf-8", "surrogatepass")


def _check_path(request: HttpRequest) -> None:
    # Django writes bytes of the path that are not UTF-8 back as %XX (in `path_info`
    # and in META): decoding those again finds them. (A literal "%FF" sent as "%25FF"
    # is refused too; no address of the application contains a percent sign.)
    path = request.path_info
    if not is_clean_text(path) or _decoded(unquote_to_bytes(path)) is None:
        raise BadInput(_named("path", None))


def _check_query(request: HttpRequest) -> None:
    raw = _wsgi_bytes(request, "QUERY_STRING")
    if raw:
        _check_urlencoded(raw, charset="utf-8", where="query")


def _check_cookies(request: HttpRequest) -> None:
    raw = _wsgi_bytes(request, "HTTP_COOKIE")
    if not raw:
        return
    for chunk in raw.split(b";"):
        if _decoded(chunk) is None:
            name = _decoded(chunk.partition(b"=")[0].strip())
            raise BadInput(_named("cookie", _showable(name)))
    # A quoted cookie value may spell a NUL as an octal escape ("\000"), which
    # Django's cookie parser turns into the character itself.
    for name, value in request.COOKIES.items():
        if not (is_clean_text(name) and is_clean_text(value)):
            raise BadInput(_named("cookie", _showable(name)))


def _check_headers(request: HttpRequest) -> None:
    # HTTP forbids a NUL in a header (RFC 9110 §5.5); a token or language header with
    # one would otherwise reach a query.
    for key, value in request.META.items():
        if key.startswith("HTTP_") and isinstance(value, str) and "\x00" in value:
            raise BadInput(_named("header", None))


def _charset(request: HttpRequest) -> str:
    return request.content_params.get("charset") or settings.DEFAULT_CHARSET


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


def _check_body(request: HttpRequest) -> None:
    content_type = (request.content_type or "").lower()
    if content_type == "application/x-www-form-urlencoded":
        _check_urlencoded(request.body, charset=_charset(request), where="field")
    elif content_type == "multipart/form-data":
        _check_multipart(request)
    elif _is_json(content_type):
        _check_json(request.body, charset=_charset(request))


def _check_multipart(request: HttpRequest) -> None:
    """The fields of a multipart form, read as they came (Django's own parser would
    turn bytes that are not UTF-8 into U+FFFD); file parts are not text."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    boundary = request.content_params.get("boundary", "")
    if not boundary or (limit is not None and length > limit):
        # A large upload is streamed by Django, never read into memory here: check the
        # fields as Django decoded them.
        for name, values in request.POST.lists():
            if not all(is_clean_text(text) for text in (name, *values)):
                raise BadInput(_named("field", _showable(name)))
        return
    charset = _charset(request)
    for part in request.body.split(b"--" + boundary.encode("latin-1")):
        headers, separator, content = part.partition(b"\r\n\r\n")
        if not separator or b"filename=" in headers.lower():
            continue
        match = re.search(rb'name="([^"]*)"', headers)
        name = _decoded(match.group(1), charset) if match else None
        if content.endswith(b"\r\n"):
            content = content[:-2]
        if (match and name is None) or _decoded(content, charset) is None:
            raise BadInput(_named("field", _showable(name)))


def _json_members(document) -> Iterator[tuple[str, object, int]]:
    """Every key and string of a parsed JSON document with its path and the depth of
    the array or object it is in, walked without recursion."""
    stack: list[tuple[str, object, int]] = [("", document, 0)]
    while stack:
        path, item, depth = stack.pop()
        if isinstance(item, dict):
            yield path, None, depth + 1
            for key, child in item.items():
                yield (path or key), key, depth + 1
                stack.append((f"{path}.{key}" if path else key, child, depth + 1))
        elif isinstance(item, list):
            yield path, None, depth + 1
            stack.extend(
                (f"{path}[{index}]", child, depth + 1)
                for index, child in enumerate(item)
            )
        elif isinstance(item, str):
            yield path, item, depth


def json_nesting_depth(document) -> int:
    """How deeply a parsed JSON document nests arrays and objects."""
    return max((depth for _path, _text, depth in _json_members(document)), default=0)


def _too_deep() -> BadInput:
    return BadInput(
        _("De JSON is te diep genest: hooguit %(max)s niveaus.")
        % {"max": JSON_NESTING_MAX}
    )


def _check_json(raw: bytes, *, charset: str) -> None:
    if not raw:
        return
    try:
        text = raw.decode(charset)
    except (UnicodeDecodeError, LookupError):
        raise BadInput(_named("body", None)) from None
    if "\x00" in text:
        raise BadInput(_named("body", None))
    try:
        # The C parser nests a call per level: thousands of levels exhaust the
        # interpreter's stack (RecursionError), which here means "too deep". Within
        # it, the depth is counted by the walk below, which does not recurse.
        document = json.loads(text)
    except RecursionError:
        raise _too_deep() from None
    except ValueError:
        # Not JSON at all: the API's parser answers that itself (400).
        return
    for path, member, depth in _json_members(document):
        if depth > JSON_NESTING_MAX:
            raise _too_deep()
        if member is not None and not is_clean_text(member):
            name = path if is_clean_text(path) else None
            raise BadInput(_named("field", _showable(name)))


def check_request(request: HttpRequest) -> None:
    """Raise `BadInput` if any text of the request may not pass."""
    _check_path(request)
    _check_query(request)
    _check_cookies(request)
    _check_headers(request)
    _check_body(request)


# --- The answer -----------------------------------------------------------------------


def _language(request: HttpRequest) -> str:
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def refusal(request: HttpRequest, message: str) -> HttpResponse:
    """The 400 of the boundary: the API's shape under /api/, the site's page elsewhere."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400)
    return HttpResponse(render_to_string("400.html", {"detail": message}), status=400)


class InputBoundaryMiddleware:
    """Refuses a request whose path, query, cookies, headers or body carry a NUL or an
    unpaired surrogate, or whose JSON nests too deeply (see the module docstring).
    Early in MIDDLEWARE: before the session is looked up and before any view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Worded in the person's language (their cookie), before the locale
        # middleware has run.
        with translation.override(_language(request)):
            try:
                check_request(request)
            except BadInput as exc:
                return refusal(request, exc.message)
        return self.get_response(request)
