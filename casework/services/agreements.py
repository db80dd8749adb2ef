"""Agreements: drafting a version with its reciprocal commitments, submitting it for
approval, and each organisation's decision; the last approval concludes the version
(frozen, hashed) and fires the location's system transition.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from permissions.checks import has_object_perm
from permissions.errors import Conflict, InvalidInput, NotPermitted
from permissions.models import Membership, Organisation

from ..breakthroughs import breakthrough_of_agreement
from ..calendar import add_working_days
from ..constants import (
    AGREEMENT_STAGE,
    CONCLUDING_TRANSITION,
    AgreementKind,
    AuditAction,
    Decision,
    LocationPerm,
    VersionStatus,
)
from ..limits import (
    AGREEMENT_TEXT_MAX,
    COMMITMENTS_PER_AGREEMENT_MAX,
    LIST_ITEMS_MAX,
    SHORT_TEXT_MAX,
    TEXT_MAX,
)
from ..models import Agreement, AgreementVersion, Approval, Commitment, Location, Party
from ..transactions import atomic
from ..validation import (
    require_count_within,
    require_date_in_window,
    require_text,
    require_text_within,
)
from .audit import audit_record
from .deadlines import commitment_deadlines_open
from .locations import _apply_transition


def canonical_content(
    *,
    location_id: int,
    kind: str,
    title: str,
    number: int,
    text: str,
    commitments: Iterable[dict[str, Any]],
) -> bytes:
    """The canonical JSON of a version's content, from its parts: each commitment a
    dict of `id`, `owner` (the organisation's slug), `description`, `due_date` (a
    date) and `depends_on` (the ids it waits for). Its SHA-256 (`content_hash`) is the
    version's hash."""
    content = {
        "location": location_id,
        "kind": kind,
        "title": title,
        "version": number,
        "text": text,
        "commitments": [
            {
                "id": commitment["id"],
                "owner": commitment["owner"],
                "description": commitment["description"],
                "due_date": commitment["due_date"].isoformat(),
                "depends_on": sorted(commitment["depends_on"]),
            }
            for commitment in sorted(commitments, key=lambda item: item["id"])
        ],
    }
    return json.dumps(
        content, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    ).encode()


def content_hash(content: bytes) -> str:
    """The hash a concluded version is frozen with (its canonical content's SHA-256)."""
    return hashlib.sha256(content).hexdigest()


def version_commitments(version: AgreementVersion) -> list[Commitment]:
    """The version's commitments with what its canonical content names of them."""
    return list(
        version.commitments.select_related("owner__organisation")
        .prefetch_related("depends_on")
        .order_by("id")
    )


def version_canonical_content(
    version: AgreementVersion, commitments: list[Commitment] | None = None
) -> bytes:
    """The canonical JSON of a version's content, as stored; its SHA-256 is the
    version's hash. `commitments`: as `version_commitments` reads them, when the
    caller has them already."""
    agreement = version.agreement
    if commitments is None:
        commitments = version_commitments(version)
    return canonical_content(
        location_id=agreement.location_id,
        kind=agreement.kind,
        title=agreement.title,
        number=version.number,
        text=version.text,
        commitments=[
            {
                "id": commitment.pk,
                "owner": commitment.owner.organisation.slug,
                "description": commitment.description,
                "due_date": commitment.due_date,
                "depends_on": [c.pk for c in commitment.depends_on.all()],
            }
            for commitment in commitments
        ],
    )


def _commitments_checked(commitments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The commitments of a draft with their texts and dates checked (before anything
    is written): at most COMMITMENTS_PER_AGREEMENT_MAX, each described within
    TEXT_MAX characters and due on a date in the window."""
    if not isinstance(commitments, list | tuple):
        raise InvalidInput(_("Geef de afspraken als lijst."))
    require_count_within(
        len(commitments),
        limit=COMMITMENTS_PER_AGREEMENT_MAX,
        message=_(
            "Hooguit %(limit)s afspraken per overeenkomst (dit zijn er %(count)s)."
        ),
    )
    checked = []
    for number, item in enumerate(commitments, start=1):
        if not isinstance(item, dict):
            raise InvalidInput(
                _("Afspraak %(number)s: geef partij, omschrijving en uiterste datum.")
                % {"number": number}
            )
        field = _("Afspraak %(number)s") % {"number": number}
        description = require_text_within(
            require_text(item.get("description"), _("Omschrijf elke afspraak.")),
            field=field,
            limit=TEXT_MAX,
        )
        due = item.get("due_date")
        if isinstance(due, str):
            try:
                due = datetime.date.fromisoformat(due)
            except ValueError:
                raise InvalidInput(
                    _("%(field)s: geen geldige datum.") % {"field": field}
                ) from None
        if not isinstance(due, datetime.date):
            raise InvalidInput(_("Geef bij elke afspraak een uiterste datum."))
        due = require_date_in_window(due, field=field)
        checked.append({**item, "description": description, "due_date": due})
    return checked


def _commitment_dependencies(commitments: list[dict[str, Any]]) -> list[set[int]]:
    """The `depends_on` of each commitment: indexes into `commitments` (the same
    version), never the commitment itself. A cycle (A waits for B, B waits for A) is
    accepted: it is what the parties said, and impasse detection names it (design §5)."""
    dependencies: list[set[int]] = []
    for number, item in enumerate(commitments, start=1):
        indexes = item.get("depends_on") or []
        if not isinstance(indexes, list | tuple):
            raise InvalidInput(
                _("Afspraak %(number)s: geef de afhankelijkheden als lijst.")
                % {"number": number}
            )
        require_count_within(
            len(indexes),
            limit=LIST_ITEMS_MAX,
            message=_("Afspraak %(number)s: hooguit %%(limit)s afhankelijkheden.")
            % {"number": number},
        )
        wanted = set()
        for index in indexes:
            if (
                isinstance(index, bool)
                or not isinstance(index, int)
                or not 0 <= index < len(commitments)
            ):
                raise InvalidInput(
                    _(
                        "Afspraak %(number)s wacht op ‘%(value)s’: zo'n afspraak is er "
                        "niet (de eerste afspraak heeft index 0)."
                    )
                    % {"number": number, "value": index}
                )
            if index == number - 1:
                raise InvalidInput(
                    _("Afspraak %(number)s kan niet van zichzelf afhangen.")
                    % {"number": number}
                )
            wanted.add(index)
        dependencies.append(wanted)
    return dependencies


@transaction.atomic
def agreement_draft(
    *,
    location: Location,
    actor,
    kind: str,
    title: str,
    text: str,
    commitments: list[dict[str, Any]],
) -> AgreementVersion:
    """Draft a new version of the location's agreement of `kind` (the agreement itself is
    created with its first version). Commitments name their owner by organisation id;
    `depends_on` (optional) lists the indexes, in `commitments`, of the commitments
    each one waits for. Texts, due dates and the numbers of commitments and of
    dependencies are held to `casework.limits` (InvalidInput naming the limit), all
    before anything is written."""
    if not has_object_perm(actor, LocationPerm.MANAGE, location):
        raise NotPermitted(_("Alleen de procesregisseur stelt overeenkomsten op."))
    if kind not in AgreementKind.values:
        raise InvalidInput(
            _("Onbekende soort overeenkomst: ‘%(value)s’.") % {"value": kind}
        )
    title = require_text_within(
        require_text(title, _("Geef een titel.")),
        field=_("Titel"),
        limit=SHORT_TEXT_MAX,
    )
    text = require_text_within(
        require_text(text, _("Geef de tekst van de overeenkomst.")),
        field=_("Tekst"),
        limit=AGREEMENT_TEXT_MAX,
    )
    commitments = _commitments_checked(commitments)
    dependencies = _commitment_dependencies(commitments)
    parties: dict[Any, Party] = {p.organisation_id: p for p in location.parties.all()}
    agreement, _created = Agreement.objects.get_or_create(
        location=location, kind=kind, defaults={"title": title, "created_by": actor}
    )
    # Drafting and submitting one agreement take turns (agreement_submit locks the
    # agreement row too): a draft cannot slip in beside a round that is starting.
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    versions = AgreementVersion.objects.select_for_update().filter(agreement=agreement)
    if versions.filter(
        status__in=[VersionStatus.IN_APPROVAL, VersionStatus.CONCLUDED]
    ).exists():
        raise Conflict(
            _("Er loopt al een goedkeuringsronde of de overeenkomst is vastgesteld.")
        )
    versions.filter(status=VersionStatus.DRAFT).delete()
    number = (
        versions.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    agreement.title = title
    agreement.save(update_fields=["title"])
    version = AgreementVersion.objects.create(
        agreement=agreement, number=number, text=text
    )
    created: list[Commitment] = []
    for item in commitments:
        party = parties.get(item.get("party"))
        if party is None:
            raise InvalidInput(
                _("Een afspraak hoort bij een organisatie die partij is.")
            )
        created.append(
            Commitment.objects.create(
                version=version,
                owner=party,
                description=item["description"],
                due_date=item["due_date"],
            )
        )
    Commitment.depends_on.through.objects.bulk_create(
        Commitment.depends_on.through(
            from_commitment=created[index], to_commitment=created[dependency]
        )
        for index, wanted in enumerate(dependencies)
        for dependency in sorted(wanted)
    )
    audit_record(
        action=AuditAction.AGREEMENT_DRAFTED,
        actor=actor,
        location=location,
        data={"agreement": agreement.pk, "kind": kind, "version": number},
    )
    return version


@transaction.atomic
def agreement_submit(*, version: AgreementVersion, actor) -> AgreementVersion:
    """Open the approval round of a draft version."""
    version_id = version.pk
    # The agreement first, as agreement_draft does: the two take turns, in one order.
    list(
        Agreement.objects.select_for_update(of=("self",))
        .filter(versions=version_id)
        .values_list("pk", flat=True)
    )
    locked = (
        AgreementVersion.objects.select_for_update()
        .select_related("agreement__location")
        .filter(pk=version_id)
        .first()
    )
    if locked is None:
        # A newer draft of the same agreement replaced this one in the meantime.
        raise Conflict(_("Dit concept is intussen vervangen door een nieuwer concept."))
    version = locked
    location = version.agreement.location
    if not has_object_perm(actor, LocationPerm.MANAGE, location):
        raise NotPermitted(
            _("Alleen de procesregisseur biedt een overeenkomst ter goedkeuring aan.")
        )
    if version.status != VersionStatus.DRAFT:
        raise Conflict(_("Alleen een concept kan ter goedkeuring worden aangeboden."))
    if location.stage != AGREEMENT_STAGE[version.agreement.kind]:
        raise Conflict(
            _(
                "In de fase ‘%(stage)s’ kan deze overeenkomst niet ter goedkeuring "
                "worden aangeboden."
            )
            % {"stage": location.get_stage_display()}
        )
    if not location.parties.exists():
        # The round has one task per party: without parties nobody could decide.
        raise Conflict(_("Deze locatie heeft geen partijen die kunnen goedkeuren."))
    version.status = VersionStatus.IN_APPROVAL
    version.submitted_at = timezone.now()
    version.approval_due_on = add_working_days(
        timezone.localdate(), location.programme.approval_working_days
    )
    version.save(update_fields=["status", "submitted_at", "approval_due_on"])
    audit_record(
        action=AuditAction.AGREEMENT_SUBMITTED,
        actor=actor,
        location=location,
        data={"agreement": version.agreement_id, "version": version.number},
    )
    return version


def approval_record(
    *,
    version: AgreementVersion | int,
    organisation: Organisation | int,
    actor,
    decision: str,
    comment: str = "",
) -> Approval:
    """Record one organisation's decision on a version in approval.

    The actor must be a signatory of the organisation, which must be a party. The last
    approval concludes the version: it is frozen and hashed and the location's system
    transition fires, all in this transaction. A rejection closes the round.

    `version` and `organisation` may be given as primary keys: everything this needs
    of them is read in the one query that locks the version.
    """
    if decision not in Decision.values:
        raise InvalidInput(_("Besluit is ‘approve’ of ‘reject’."))
    if decision == Decision.REJECT:
        comment = require_text(comment, _("Geef bij afwijzing een toelichting."))
    comment = require_text_within(comment, field=_("Toelichting"), limit=TEXT_MAX)
    organisation_id = (
        organisation.pk if isinstance(organisation, Organisation) else organisation
    )
    with atomic():
        # Who may decide, whether the organisation decided already and what the audit
        # row names are asked in the same query that locks the version (one round trip
        # instead of five on the busiest write of the application).
        of_organisation = Organisation.objects.filter(pk=organisation_id)
        version = (
            AgreementVersion.objects.select_for_update()
            # The programme too: its reminder lead, should this decision conclude.
            .select_related("agreement__location__programme")
            .annotate(
                actor_signs=Exists(
                    Membership.objects.filter(
                        user=actor, organisation_id=organisation_id, role="signatory"
                    )
                ),
                organisation_takes_part=Exists(
                    Party.objects.filter(
                        location_id=OuterRef("agreement__location_id"),
                        organisation_id=organisation_id,
                    )
                ),
                already_decided=Exists(
                    Approval.objects.filter(
                        version_id=OuterRef("pk"), organisation_id=organisation_id
                    )
                ),
                organisation_slug=Subquery(of_organisation.values("slug")),
                organisation_name=Subquery(of_organisation.values("name")),
            )
            .get(pk=getattr(version, "pk", version))
        )
        location = version.agreement.location
        if not version.actor_signs:
            raise NotPermitted(_("U bent geen ondertekenaar van deze organisatie."))
        if not version.organisation_takes_part:
            raise NotPermitted(_("Deze organisatie is geen partij bij de locatie."))
        if version.status != VersionStatus.IN_APPROVAL:
            raise Conflict(_("De goedkeuringsronde van deze versie is gesloten."))
        if version.already_decided:
            raise Conflict(_("Deze organisatie heeft al besloten over deze versie."))
        approval = Approval.objects.create(
            version=version,
            organisation_id=organisation_id,
            decision=decision,
            comment=comment.strip(),
            decided_by=actor,
        )
        audit_record(
            action=AuditAction.APPROVAL_RECORDED,
            actor=actor,
            location=location,
            reason=comment,
            data={
                "agreement": version.agreement_id,
                "version": version.number,
                "organisation": version.organisation_slug,
                "organisation_name": version.organisation_name,
                "decision": decision,
            },
        )
        if decision == Decision.REJECT:
            version.status = VersionStatus.REJECTED
            version.save(update_fields=["status"])
            audit_record(
                action=AuditAction.AGREEMENT_REJECTED,
                actor=None,
                location=location,
                reason=comment,
                data={"agreement": version.agreement_id, "version": version.number},
            )
        elif (
            location.parties.exclude(
                organisation__in=version.approvals.filter(
                    decision=Decision.APPROVE
                ).values("organisation")
            ).exists()
            is False
        ):
            _conclude(version=version, location=location)
    return approval


def _conclude(*, version: AgreementVersion, location: Location) -> None:
    # Read once: for the hash, and for the deadlines of the commitments.
    commitments = version_commitments(version)
    version.sha256 = content_hash(version_canonical_content(version, commitments))
    kind = version.agreement.kind
    # The caller has just found, in this transaction, that every party approved:
    # the guard of the concluding transition (checked twice by it) takes that
    # answer instead of asking the database again (`casework.guards`).
    location._every_party_approved = kind
    try:
        _apply_transition(
            location=location,
            name=CONCLUDING_TRANSITION[kind],
            actor=None,
            reason=f"Alle partijen hebben versie {version.number} goedgekeurd.",
        )
    finally:
        del location._every_party_approved
    version.status = VersionStatus.CONCLUDED
    version.concluded_at = timezone.now()
    version.save(update_fields=["status", "concluded_at", "sha256"])
    # The knot is cut: a breakthrough of the location (design §2), one INSERT.
    breakthrough_of_agreement(version=version)
    # Its commitments are due now: the deadline clock watches them.
    commitment_deadlines_open(
        version=version, location=location, commitments=commitments
    )
    audit_record(
        action=AuditAction.AGREEMENT_CONCLUDED,
        actor=None,
        location=location,
        data={
            "agreement": version.agreement_id,
            "version": version.number,
            "sha256": version.sha256,
        },
    )
