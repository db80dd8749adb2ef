"""The one exception hierarchy of the domain.

Every app raises subclasses of these four; `config.api.exception_handler` and the
interface's views translate them to HTTP in one place: 400, 403, 404, 409. The message is
meant for the user (Dutch, translatable).
"""

from django.utils.translation import gettext


class DomainError(Exception):
    """Base of every error the domain reports to a user."""

    def __init__(self, message: str, **context: object) -> None:
        super().__init__(message)
        self.message = message
        self.context = context


class InvalidInput(DomainError):
    """The request itself is wrong: a missing or malformed value (HTTP 400)."""


class NotPermitted(DomainError):
    """The user may see the object but not take this action (HTTP 403)."""


class NotVisible(DomainError):
    """The object does not exist for this user (HTTP 404).

    One message for every kind of object, whether it is missing or only hidden: a
    message per kind ("location not found" for a hidden location's agreement, "agreement
    not found" for a missing one) would tell which ids exist. `context` may say what
    was looked up, for logs; it never reaches the user. A message passed anyway (code
    written before this rule) is kept in `context` and not shown either.
    """

    def __init__(self, message: str | None = None, **context: object) -> None:
        if message is not None:
            context["looked_for"] = message
        super().__init__(not_found_message(), **context)


def not_found_message() -> str:
    """The one answer to an object that is missing or hidden, in the active language
    (the API's `{"detail"}` of every 404)."""
    return gettext("Niet gevonden.")


class Conflict(DomainError):
    """The action is not possible in the current state, or lost a race (HTTP 409)."""
