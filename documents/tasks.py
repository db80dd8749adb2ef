"""Background jobs of the documents layer (django-tasks; the database queue in
production, worked by `manage.py db_worker`).

No request renders a document: WeasyPrint takes from half a second (an agreement) to
a minute (an evidence dossier at the text limits, a report over thousands of
locations), and a web worker must not wait for it. Every document is rendered by a
job:

- the agreement PDF, queued in the transaction of the round's conclusion;
- the evidence dossier and the draft designation decision, queued by their flows in
  the transaction of `escalate` and `start_designation`;
- the final designation decision, queued in the transaction of the ministry's task
  that takes it: the job renders it, records its hash and then fires `designate`;
- the location dossier and the progress report, queued by the download that finds no
  unchanged stored one (the download answers 202 until it is there).

Each job is idempotent (a stored document is returned as it is), so a job run twice
(a retried one whose first worker was only slow) changes nothing. The `queue_*`
functions write the job in the caller's transaction (`casework.jobs`).
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django_tasks import task

from casework import jobs
from casework import services as casework
from casework.access import locations_visible_to
from casework.constants import Stage, TransitionName
from casework.models import (
    AgreementVersion,
    Designation,
    Escalation,
    Location,
    Programme,
)

from . import services
from .constants import DocumentKind

logger = logging.getLogger(__name__)


def _user(user_id):
    if user_id is None:
        return None
    return get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()


@task()
def render_agreement(version_id: int) -> str:
    """Render and store the PDF of a concluded version; the stored file's SHA-256."""
    version = AgreementVersion.objects.get(pk=version_id)
    return services.agreement_document(version=version).sha256


@task()
def freeze_evidence_dossier(escalation_id: int, actor_id: int | None) -> str:
    """Freeze the evidence dossier of an escalation (once: a second run returns the
    stored one) on behalf of the official who escalated, and link it to the
    escalation, with its hash in the audit trail; the stored file's SHA-256."""
    escalation = Escalation.objects.select_related("location").get(pk=escalation_id)
    existing = services.frozen_document(
        DocumentKind.EVIDENCE_DOSSIER, escalation.location_id, escalation.dossier_sha256
    )
    if existing is not None:
        return existing.sha256
    actor = _user(actor_id)
    with services.storing():
        document = services.evidence_dossier_document(
            escalation=escalation, actor=actor
        )
        casework.escalation_record_dossier(
            escalation=escalation,
            actor=actor,
            document_id=document.pk,
            sha256=document.sha256,
        )
    return document.sha256


@task()
def freeze_draft_designation(designation_id: int, actor_id: int | None) -> str:
    """Freeze the draft designation decision (once) on behalf of the official who
    started the procedure, and link it to the designation; the stored file's
    SHA-256."""
    designation = Designation.objects.select_related("location").get(pk=designation_id)
    existing = services.frozen_document(
        DocumentKind.DRAFT_DESIGNATION,
        designation.location_id,
        designation.draft_sha256,
    )
    if existing is not None:
        return existing.sha256
    actor = _user(actor_id)
    with services.storing():
        document = services.draft_designation_document(
            designation=designation, actor=actor
        )
        casework.designation_record_draft(
            designation=designation,
            actor=actor,
            document_id=document.pk,
            sha256=document.sha256,
        )
    return document.sha256


@task()
def take_final_designation(
    designation_id: int, actor_id: int | None, reason: str
) -> str:
    """Carry out the final designation decision the ministry took
    (`casework.services.designation_request_decision`): freeze its PDF with every
    view and the response, record the hash on the designation, and fire `designate`
    on behalf of the official who took it, with their `reason`; all in one
    transaction. Once: a run that finds the location designated (or the procedure
    ended otherwise in the meantime) changes nothing. The stored file's SHA-256, or
    "" when there was nothing to do."""
    actor = _user(actor_id)
    with services.storing():
        # Locked: two workers on the same job (a retried one whose first worker was
        # only slow) take turns, and the second finds the work done.
        designation = (
            Designation.objects.select_for_update()
            .select_related("location")
            .get(pk=designation_id)
        )
        location = designation.location
        if (
            designation.closed_at is not None
            or designation.decided_at is None
            or location.stage != Stage.DESIGNATION_PROCEDURE
        ):
            return designation.decision_sha256
        document = services.frozen_document(
            DocumentKind.FINAL_DESIGNATION, location.pk, designation.decision_sha256
        )
        if document is None:
            document = services.final_designation_document(
                designation=designation, actor=actor
            )
            casework.designation_record_decision(
                designation=designation,
                actor=actor,
                document_id=document.pk,
                sha256=document.sha256,
            )
        casework.location_transition(
            location=location,
            transition=TransitionName.DESIGNATE,
            actor=actor,
            reason=reason,
        )
    return document.sha256


@task()
def render_location_dossier(location_id: int, actor_id: int | None) -> str:
    """The location dossier as it stands now, as `actor_id` reads it (stored once
    per content)."""
    location = Location.objects.get(pk=location_id)
    return services.location_dossier_document(
        location=location, actor=_user(actor_id)
    ).sha256


@task()
def render_progress_report(actor_id: int, programme_id: int | None = None) -> str:
    """The progress report of a programme over the locations `actor_id` may see
    (stored once per content)."""
    actor = get_user_model()._default_manager.get(pk=actor_id)
    programme = (
        Programme.objects.get(pk=programme_id) if programme_id is not None else None
    )
    return services.progress_report_document(
        locations=locations_visible_to(actor), actor=actor, programme=programme
    ).sha256


def queue_agreement(version_id: int) -> None:
    """Queue `render_agreement` in the current transaction (the conclusion's)."""
    jobs.enqueue_with_transaction(render_agreement, version_id)


def queue_evidence_dossier(escalation_id: int, actor_id: int | None) -> None:
    jobs.enqueue_with_transaction(freeze_evidence_dossier, escalation_id, actor_id)


def queue_draft_designation(designation_id: int, actor_id: int | None) -> None:
    jobs.enqueue_with_transaction(freeze_draft_designation, designation_id, actor_id)


def queue_final_designation(
    designation_id: int, actor_id: int | None, reason: str
) -> None:
    """Queue `take_final_designation` in the current transaction (the task's that
    took the decision)."""
    jobs.enqueue_with_transaction(
        take_final_designation, designation_id, actor_id, reason
    )
