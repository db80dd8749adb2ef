"""The one exception hierarchy of the domain.

Every app raises subclasses of these four; `config.api.exception_handler` and the
interface's views translate them to HTTP in one place: 400, 403, 404, 409. The message is
meant for the user (Dutch, translatable).
"""


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
    """The object does not exist for this user (HTTP 404)."""


class Conflict(DomainError):
    """The action is not possible in the current state, or lost a race (HTTP 409)."""
