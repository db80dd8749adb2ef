"""The language switch: Django's `set_language`, which also saves the choice of a
signed-in person (their e-mail follows it, and so does the interface on another
device after they sign in there)."""

from __future__ import annotations

from django.conf import settings
from django.views.i18n import set_language as django_set_language

from .services import preference_set_language

# Where the signed-in person's saved language is kept for the session (read by
# config.middleware.DutchFirstLocaleMiddleware when the browser has no language cookie).
SESSION_LANGUAGE_KEY = "doorbraak_language"


def set_language(request):
    response = django_set_language(request)
    language = request.POST.get("language")
    if (
        request.method == "POST"
        and language in dict(settings.LANGUAGES)
        and request.user.is_authenticated
    ):
        preference_set_language(user=request.user, language=language)
        request.session[SESSION_LANGUAGE_KEY] = language
    return response


def remember_language_at_login(sender, request, user, **kwargs):
    """`user_logged_in`: the session takes the language the person saved."""
    from .selectors import language_of

    language = language_of(user)
    if language and request is not None and hasattr(request, "session"):
        request.session[SESSION_LANGUAGE_KEY] = language
