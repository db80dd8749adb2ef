from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.translation import gettext

from evidence.services import too_large_message
from permissions.views import SESSION_LANGUAGE_KEY


class DutchFirstLocaleMiddleware(LocaleMiddleware):
    """Dutch unless the user chose another language: the language cookie set by
    `set_language`, else the language a signed-in person saved (put in the session at
    sign-in). A browser's Accept-Language is not a choice the user made here, so it
    does not switch a Dutch government interface to English."""

    def process_request(self, request):
        languages = dict(settings.LANGUAGES)
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if (
            language not in languages
            and settings.SESSION_COOKIE_NAME in request.COOKIES
        ):
            language = request.session.get(SESSION_LANGUAGE_KEY)
        if language not in languages:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class PermissionsPolicyMiddleware:
    """Adds the Permissions-Policy header (settings.PERMISSIONS_POLICY): Django's
    SecurityMiddleware sets the other security headers but has no setting for this one."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(settings, "PERMISSIONS_POLICY", "")

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Permissions-Policy", self.policy)
        return response


class _HeadResponse(HttpResponse):
    """The answer to HEAD for a template page: Django renders whatever came out of
    the template-response middleware, so this one renders to itself (no body)."""

    def render(self):
        return self


class HeadWithoutBodyMiddleware:
    """A HEAD request gets the headers GET would get and no body.

    Django's development server drops the body of a HEAD answer itself; gunicorn sends
    whatever the application returns. A page with its body on a HEAD answer is read by
    a keep-alive client as the start of the next answer on that connection (a response
    desync), and every HEAD costs a full render.

    First in MIDDLEWARE, so it sees every answer (static files included). A page built
    from a template is not rendered for HEAD: its status and headers are known before
    rendering, so the answer carries no Content-Length (allowed for HEAD). Any other
    answer loses its body after the fact and keeps the Content-Length of GET.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method == "HEAD":
            if isinstance(response, _HeadResponse):
                # CommonMiddleware measured the empty body; GET's length is unknown.
                del response["Content-Length"]
            elif response.streaming:
                # Also drops a file meant for the server's sendfile (file_to_stream);
                # the file itself is closed with the response.
                response.streaming_content = []
            else:
                response.content = b""
        return response

    def process_template_response(self, request, response):
        if request.method != "HEAD" or not isinstance(response, TemplateResponse):
            return response
        bare = _HeadResponse(status=response.status_code, reason=response.reason_phrase)
        for header, value in response.items():
            bare[header] = value
        bare.cookies = response.cookies
        return bare


class LoginInsteadOfForbiddenMiddleware:
    """A signed-out person who opens a page of the site (a task link from an e-mail)
    gets the login page, and after signing in the page itself; never the 403 page.

    viewflow's site refuses an anonymous visitor to its apps (tasks, inbox) with a 403
    before any view can ask for a login. Any page refusal of someone not signed in is
    therefore turned into the way to sign in; the API keeps its own 401 and 403.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 403
            and request.method in ("GET", "HEAD")
            and not request.path.startswith("/api/")
            and not request.user.is_authenticated
            # A refusal that is itself the answer to a login (accounts.sso).
            and not getattr(response, "answers_a_login", False)
        ):
            return redirect_to_login(request.get_full_path())
        return response


# Room for the multipart framing and the other fields of an upload beside its file.
MULTIPART_ALLOWANCE = 64 * 1024


class UploadBoundaryMiddleware:
    """Files are taken where a view says it takes them, and no larger than the
    evidence limit.

    - A request whose body is larger than `EVIDENCE_MAX_BYTES` (plus the room for the
      multipart framing) is refused with a 413 before a byte of it is read: under
      /api/ as `{"detail"}`, elsewhere as a page.
    - A form with a file part is refused (400) unless its view takes files
      (`takes_files = True`, the evidence upload); the API's views refuse such a
      body themselves (415: JSON only, but for the upload).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = int(getattr(settings, "EVIDENCE_MAX_BYTES", 20 * 1024 * 1024))
        if length > limit + MULTIPART_ALLOWANCE:
            with translation.override(_cookie_language(request)):
                message = too_large_message()
                if request.path_info.startswith("/api/"):
                    return JsonResponse({"detail": message}, status=413)
                return HttpResponse(
                    render_to_string("413.html", {"detail": message}), status=413
                )
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or request.path_info.startswith("/api/"):
            return None
        if (request.content_type or "").lower() != "multipart/form-data":
            return None
        view_class = getattr(view_func, "view_class", None)
        if getattr(view_func, "takes_files", False) or getattr(
            view_class, "takes_files", False
        ):
            return None
        if request.FILES:
            return HttpResponse(
                render_to_string(
                    "400.html",
                    {"detail": gettext("Dit formulier neemt geen bestanden aan.")},
                ),
                status=400,
            )
        return None


def _cookie_language(request) -> str:
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
