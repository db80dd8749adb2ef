"""The audit trail's hash chain: how an event's hash is computed and how events are
chained.

Each `AuditEvent` stores the hash of its predecessor (`prev_hash`, empty for the first
event) and its own `hash` = SHA-256(prev_hash + content digest), where the content
digest is SHA-256 over a canonical serialisation of who (actor id), when, what (action),
about what (location, transition, from and to stage), why (reason) and the event's data.
Editing any field of any row, or removing a row, breaks the chain at that point;
`manage.py verify_audit` finds it. The chain order is the id order.

Appends are serialised so that no two events chain onto the same predecessor, and the
unique constraint on `prev_hash` refuses a fork whatever path writes:

- PostgreSQL: `audit_record` inserts the event with its content digest and a pending
  mark (one INSERT, no lock). A deferred constraint trigger (migration 0006) seals it
  when the transaction commits: under a transaction-scoped advisory lock it reads the
  head, links the event to it and gives it the next id, so the id order is the commit
  order. The lock is held for the commit only: taking it at the audit call and keeping
  it to the end of the transaction would serialise every audited transaction and
  deadlock against row locks taken after the audit (an approval that then concludes
  the location, while a withdrawal holding that location waits to audit).
- SQLite: writers are serialised on the whole database, so `audit_record` reads the head
  and links the event at once.

This module knows no models, so that the migration that chains existing rows uses the
very same digest.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import secrets
from typing import Any

from django.db import connections, transaction

GENESIS = ""
# A `prev_hash` starting with this marks an event not yet sealed (PostgreSQL, until its
# transaction commits); its `hash` holds the content digest meanwhile.
PENDING = "~"
# Key of the PostgreSQL advisory lock that serialises sealing (ASCII "audt").
ADVISORY_LOCK_KEY = 0x61756474
SEAL_TRIGGER = "casework_audit_seal"


def canonical_json(value: Any) -> str:
    """One text per value: keys sorted, no whitespace, UTF-8 kept, no NaN."""
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def canonical_time(at: datetime.datetime) -> str:
    """UTC with microseconds: what both databases store and give back."""
    return at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def content_digest(
    *,
    actor_id: int | None,
    at: datetime.datetime,
    action: str,
    location_id: int | None,
    transition: str,
    from_stage: str,
    to_stage: str,
    reason: str,
    data: Any,
) -> str:
    """SHA-256 (hex) of what one event says."""
    payload = canonical_json(
        {
            "action": action,
            "actor": actor_id,
            "at": canonical_time(at),
            "data": data,
            "from_stage": from_stage,
            "location": location_id,
            "reason": reason,
            "to_stage": to_stage,
            "transition": transition,
        }
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def chain_link(prev_hash: str, content: str) -> str:
    """An event's hash: its predecessor's hash and its content digest. The seal
    trigger computes the same in SQL."""
    return hashlib.sha256((prev_hash + content).encode("utf-8")).hexdigest()


def content_of(event: Any) -> str:
    """The content digest of an event (a model instance, historical ones too)."""
    return content_digest(
        actor_id=event.actor_id,
        at=event.at,
        action=event.action,
        location_id=event.location_id,
        transition=event.transition,
        from_stage=event.from_stage,
        to_stage=event.to_stage,
        reason=event.reason,
        data=event.data,
    )


def digest_of(event: Any, *, prev_hash: str | None = None) -> str:
    """The hash an event should carry. `prev_hash` overrides the event's own."""
    return chain_link(
        event.prev_hash if prev_hash is None else prev_hash, content_of(event)
    )


def pending_mark() -> str:
    return PENDING + secrets.token_hex(31)


def seals_on_commit(using: str = "default") -> bool:
    """Whether the database seals events itself when their transaction commits."""
    return connections[using].vendor == "postgresql"


def chain(event: Any, using: str = "default") -> None:
    """Set `prev_hash` and `hash` of an unsaved event: pending on PostgreSQL (the
    trigger seals it on commit, no query now), linked to the head on SQLite (one
    query; call inside the transaction that saves it)."""
    if seals_on_commit(using):
        event.prev_hash = pending_mark()
        event.hash = content_of(event)
    else:
        event.prev_hash = chain_head(using)
        event.hash = digest_of(event)


def seal_pending(using: str = "default") -> None:
    """Seal this transaction's pending events now (PostgreSQL), e.g. before verifying
    the chain inside a transaction that wrote some. Their ids change."""
    connection = connections[using]
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"SET CONSTRAINTS {SEAL_TRIGGER} IMMEDIATE")
            cursor.execute(f"SET CONSTRAINTS {SEAL_TRIGGER} DEFERRED")


def normalised_data(data: dict[str, Any] | None) -> dict[str, Any]:
    """The data as it comes back from the database (tuples become lists, keys become
    strings), so that the hash computed on writing is the hash recomputed on reading."""
    return json.loads(canonical_json(data or {}))


def chain_head(using: str = "default") -> str:
    """The hash of the last sealed event. On PostgreSQL the advisory lock is taken
    first, so that no seal happens until this transaction ends."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
        cursor.execute(
            "SELECT hash FROM casework_auditevent WHERE prev_hash NOT LIKE %s "
            "ORDER BY id DESC LIMIT 1",
            [PENDING + "%"],
        )
        row = cursor.fetchone()
    return (row[0] if row else None) or GENESIS


def bulk_append(events: list, *, using: str = "default") -> list:
    """Append many unsaved events at once (bulk loaders, scale data): chained in list
    order onto the head, then one INSERT; a few queries whatever the number of events.
    On PostgreSQL the lock is then held until the transaction ends (bulk loads are not
    on a hot path). `at` is kept as set."""
    if not events:
        return events
    model = type(events[0])
    with transaction.atomic(using=using, savepoint=False):
        prev_hash = chain_head(using)
        for event in events:
            event.data = normalised_data(event.data)
            event.prev_hash = prev_hash
            event.hash = digest_of(event)
            prev_hash = event.hash
        return model.objects.using(using).bulk_create(events)


class ChainBreak:
    """The first place where the chain does not hold."""

    def __init__(self, *, event_id: int, kind: str, previous_id: int | None) -> None:
        self.event_id = event_id
        self.kind = kind  # "hash" (content changed) or "link" (predecessor missing)
        self.previous_id = previous_id


class ChainReport:
    def __init__(self) -> None:
        self.count = 0
        self.head = GENESIS
        self.broken: ChainBreak | None = None
        self.anchors_seen: set[str] = set()


def verify_chain(events: Any, *, anchors: frozenset[str] = frozenset()) -> ChainReport:
    """Recompute the chain over `events` (in id order; an iterator keeps memory
    constant) and stop at the first broken link.

    A link is broken when an event's `prev_hash` is not the hash of the event before
    it (a row was removed or replaced in between, or this row's link was rewritten),
    or when an event's own hash is not the digest of its content (the row was edited).
    """
    report = ChainReport()
    previous_id: int | None = None
    for event in events:
        if event.prev_hash != report.head:
            report.broken = ChainBreak(
                event_id=event.id, kind="link", previous_id=previous_id
            )
            return report
        if event.hash != digest_of(event):
            report.broken = ChainBreak(
                event_id=event.id, kind="hash", previous_id=previous_id
            )
            return report
        if event.hash in anchors:
            report.anchors_seen.add(event.hash)
        report.head = event.hash
        report.count += 1
        previous_id = event.id
    return report
