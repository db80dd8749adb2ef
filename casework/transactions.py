"""Savepoints only where a failure can be survived.

Every service opens `transaction.atomic()`; nested in another atomic block that is a
savepoint (two statements). Where the caller's transaction is the unit — whatever fails
under it fails the whole request, which the caller leaves at once (the API's
`task_complete`) — the caller says so with `in_callers_transaction()`, and the services'
`atomic()` adds no savepoint. Everywhere else `atomic()` is Django's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction

_in_callers_transaction: ContextVar[bool] = ContextVar(
    "doorbraak_in_callers_transaction", default=False
)


@contextmanager
def in_callers_transaction() -> Iterator[None]:
    """Within this block a failure anywhere fails the caller's transaction: the
    services' `atomic()` and the process lock add no savepoint."""
    token = _in_callers_transaction.set(True)
    try:
        yield
    finally:
        _in_callers_transaction.reset(token)


def callers_transaction() -> bool:
    return _in_callers_transaction.get()


def atomic():
    """`transaction.atomic()`, without its savepoint inside `in_callers_transaction`."""
    return transaction.atomic(savepoint=not callers_transaction())
