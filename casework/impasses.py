"""Impasse detection (design §5): `detect_impasses()` raises a signal on a location for
every cause it finds and closes the signals whose cause is gone.

Idempotent: a second run finds the same causes and changes nothing (but the time of
the run, stored on every programme as `Programme.impasses_checked_at`: the moment the
lists of signals are as of). It reads the whole
portfolio in a fixed number of queries (no query per location), so it can run every few
minutes next to the deadline clock. Inconsistent data (a commitment depending on itself,
a commitment whose party or organisation is gone) is skipped with a logged warning.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import override

from .constants import (
    COMMITMENT_OWED,
    AgreementKind,
    BottleneckStatus,
    CommitmentStatus,
    DeadlineKind,
    ImpasseRule,
    Stage,
    VersionStatus,
)
from .models import (
    AgreementVersion,
    Approval,
    Commitment,
    Deadline,
    ImpasseSignal,
    Location,
    Programme,
)

logger = logging.getLogger(__name__)

# Stages in which a long stay means something is stuck. `proposed` is not yet in the
# programme; `administrative_agreement`, `designated` and `withdrawn` are ends.
WATCHED_STAGES = [
    Stage.SELECTED,
    Stage.BOTTLENECK_ANALYSIS,
    Stage.NEGOTIATION,
    Stage.HEADS_OF_AGREEMENT,
    Stage.ESCALATED,
    Stage.DESIGNATION_PROCEDURE,
]


@dataclass(frozen=True)
class Cause:
    location_id: int
    rule: str
    key: str
    message: str
    waiting_on_id: int | None = None


@dataclass
class DetectionResult:
    opened: int
    closed: int
    open_total: int


def detect_impasses(*, now: datetime.datetime | None = None) -> DetectionResult:
    now = now or timezone.now()
    with override("nl"):
        causes = {
            (cause.location_id, cause.key): cause
            for finder in (
                _passed_deadlines,
                _rejected_twice,
                _too_long_in_stage,
                _commitment_cycles,
                _disputed_commitments,
            )
            for cause in finder(now)
        }
    with transaction.atomic():
        open_signals = {
            (signal.location_id, signal.key): signal.pk
            for signal in ImpasseSignal.objects.select_for_update()
            .filter(closed_at__isnull=True)
            .only("pk", "location_id", "key")
        }
        gone = [pk for identity, pk in open_signals.items() if identity not in causes]
        closed = (
            ImpasseSignal.objects.filter(pk__in=gone).update(closed_at=now)
            if gone
            else 0
        )
        new = [
            ImpasseSignal(
                location_id=cause.location_id,
                rule=cause.rule,
                key=cause.key[:200],
                message=cause.message[:500],
                waiting_on_id=cause.waiting_on_id,
                opened_at=now,
            )
            for identity, cause in causes.items()
            if identity not in open_signals
        ]
        try:
            with transaction.atomic():
                ImpasseSignal.objects.bulk_create(new)
        except IntegrityError:
            # Another run opened some of them at the same moment: add the rest one by one.
            for signal in new:
                try:
                    with transaction.atomic():
                        signal.save()
                except IntegrityError:
                    continue
        # Every programme's locations were looked at, also those without a signal.
        Programme.objects.update(impasses_checked_at=now)
    return DetectionResult(opened=len(new), closed=closed, open_total=len(causes))


def _day(value: datetime.date) -> str:
    return date_format(value, "j F Y")


def _passed_deadlines(now: datetime.datetime):
    """Every open deadline whose overdue moment has passed (the facts the deadline
    clock sweeps: no second derivation), whatever its subject. A commitment kept or
    waived, or a bottleneck resolved, no longer waits on anyone."""
    passed = (
        Deadline.objects.filter(resolved_at__isnull=True, overdue_at__lte=now)
        .exclude(
            commitment__isnull=False,
            commitment__status__in=[CommitmentStatus.DONE, CommitmentStatus.WAIVED],
        )
        .exclude(bottleneck__isnull=False, bottleneck__status=BottleneckStatus.RESOLVED)
        .select_related("organisation")
    )
    for deadline in passed:
        waiting = (
            deadline.organisation.name if deadline.organisation else _("een partij")
        )
        if deadline.kind == DeadlineKind.COMMITMENT:
            message = _(
                "%(organisation)s had uiterlijk %(due)s deze afspraak moeten nakomen: "
                "%(description)s"
            ) % {
                "organisation": waiting,
                "due": _day(deadline.due_on),
                "description": deadline.description[:200],
            }
        else:
            message = _(
                "De termijn van %(due)s is verstreken; het wacht op %(waiting)s: "
                "%(description)s"
            ) % {
                "due": _day(deadline.due_on),
                "waiting": waiting,
                "description": deadline.description,
            }
        yield Cause(
            location_id=deadline.location_id,
            rule=ImpasseRule.DEADLINE_PASSED,
            key=f"deadline:{deadline.reference}",
            message=message,
            waiting_on_id=deadline.organisation_id,
        )


def dispute_key(commitment) -> str:
    """The cause of the signal of an open dispute of a commitment's report."""
    return f"disputed:{getattr(commitment, 'pk', commitment)}"


def dispute_message(owner: str, disputer: str, description: str) -> str:
    return _(
        "%(disputer)s betwist dat %(owner)s deze afspraak is nagekomen; het wacht "
        "op %(owner)s: %(description)s"
    ) % {"disputer": disputer, "owner": owner, "description": description[:200]}


def _disputed_commitments(now: datetime.datetime):
    """The ledger's open disputes: a report of a commitment of a concluded agreement
    that a party it was made to (or the case manager) disputed, and that is neither
    confirmed since nor waived. The signal names both."""
    disputed = (
        Commitment.objects.filter(
            disputed_at__isnull=False, version__status=VersionStatus.CONCLUDED
        )
        .exclude(status__in=[CommitmentStatus.DONE, CommitmentStatus.WAIVED])
        .select_related("owner__organisation", "disputed_by", "version__agreement")
    )
    for commitment in disputed:
        owner = commitment.owner.organisation
        yield Cause(
            location_id=commitment.version.agreement.location_id,
            rule=ImpasseRule.COMMITMENT_DISPUTED,
            key=dispute_key(commitment),
            message=dispute_message(
                owner.name,
                commitment.disputed_by.name
                if commitment.disputed_by
                else _("De procesregisseur"),
                commitment.description,
            ),
            waiting_on_id=owner.pk,
        )


def _rejected_twice(now: datetime.datetime):
    per_agreement: dict[int, list] = defaultdict(list)
    for version in (
        AgreementVersion.objects.exclude(status=VersionStatus.DRAFT)
        .select_related("agreement")
        .order_by("agreement_id", "-number")
    ):
        if len(per_agreement[version.agreement_id]) < 2:
            per_agreement[version.agreement_id].append(version)
    latest_ids = [versions[0].pk for versions in per_agreement.values()]
    rejecters: dict[int, list] = defaultdict(list)
    for approval in Approval.objects.filter(
        version_id__in=latest_ids, decision="reject"
    ).select_related("organisation"):
        rejecters[approval.version_id].append(approval.organisation)
    for versions in per_agreement.values():
        if len(versions) == 2 and all(
            v.status == VersionStatus.REJECTED for v in versions
        ):
            latest = versions[0]
            organisations = rejecters.get(latest.pk, [])
            names = ", ".join(sorted(o.name for o in organisations)) or _("een partij")
            yield Cause(
                location_id=latest.agreement.location_id,
                rule=ImpasseRule.REJECTED_TWICE,
                key=f"rejected:{latest.agreement.kind}:{latest.pk}",
                message=_(
                    "%(kind)s is twee rondes achter elkaar afgewezen (versies %(older)s en "
                    "%(newer)s); het wacht op %(names)s."
                )
                % {
                    "kind": AgreementKind(latest.agreement.kind).label,
                    "older": versions[1].number,
                    "newer": latest.number,
                    "names": names,
                },
                waiting_on_id=organisations[0].pk if organisations else None,
            )


def _too_long_in_stage(now: datetime.datetime):
    # One row per watched location; the per-programme limit is compared here because
    # date arithmetic with a column differs per database.
    rows = Location.objects.filter(stage__in=WATCHED_STAGES).values(
        "pk", "stage", "stage_changed_at", "programme__stage_limit_days"
    )
    for row in rows:
        days = (now - row["stage_changed_at"]).days
        if days <= row["programme__stage_limit_days"]:
            continue
        yield Cause(
            location_id=row["pk"],
            rule=ImpasseRule.STAGE_TOO_LONG,
            key=f"stage:{row['stage']}:{row['stage_changed_at']:%Y%m%d%H%M%S}",
            message=_(
                "De locatie staat al %(days)s dagen in de fase ‘%(stage)s’ (grens: "
                "%(limit)s dagen); de procesregisseur is aan zet."
            )
            % {
                "days": days,
                "stage": Stage(row["stage"]).label,
                "limit": row["programme__stage_limit_days"],
            },
        )


def _commitment_cycles(now: datetime.datetime):
    """Commitments that wait on each other in a circle, in versions still binding."""
    active = Q(
        version__status__in=[VersionStatus.CONCLUDED, VersionStatus.IN_APPROVAL]
    ) & Q(status__in=COMMITMENT_OWED)
    commitments = {
        c.pk: c
        for c in Commitment.objects.filter(active).select_related(
            "owner__organisation", "version__agreement"
        )
    }
    edges: dict[int, list[int]] = defaultdict(list)
    through = Commitment.depends_on.through
    for source, target in through.objects.filter(
        from_commitment_id__in=list(commitments)
    ).values_list("from_commitment_id", "to_commitment_id"):
        if source == target:
            logger.warning("Commitment %s depends on itself; skipped", source)
            continue
        if target not in commitments:
            continue  # kept or waived: nothing to wait for
        edges[source].append(target)
    for component in _strongly_connected(list(commitments), edges):
        if len(component) < 2:
            continue
        members = [commitments[pk] for pk in sorted(component)]
        if any(m.owner is None or m.owner.organisation is None for m in members):
            logger.warning(
                "Cycle %s has a commitment without party; skipped", component
            )
            continue
        chain = "; ".join(
            _("%(organisation)s (%(description)s) wacht op %(others)s")
            % {
                "organisation": m.owner.organisation.name,
                "description": m.description[:60],
                "others": ", ".join(
                    sorted(
                        {
                            commitments[t].owner.organisation.name
                            for t in edges[m.pk]
                            if t in component
                        }
                    )
                ),
            }
            for m in members
        )
        yield Cause(
            location_id=members[0].version.agreement.location_id,
            rule=ImpasseRule.COMMITMENT_CYCLE,
            key="cycle:" + "-".join(str(m.pk) for m in members),
            message=_("Afspraken wachten in een kring op elkaar: %(chain)s.")
            % {"chain": chain},
            waiting_on_id=members[0].owner.organisation_id,
        )


def _strongly_connected(
    nodes: list[int], edges: dict[int, list[int]]
) -> list[set[int]]:
    """Tarjan's algorithm, iteratively (no recursion limit on long chains)."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    components: list[set[int]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(edges.get(root, ())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            advanced = False
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = counter
                    counter += 1
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(edges.get(successor, ()))))
                    advanced = True
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                components.append(component)
    return components
