"""What doing each human task means: the one place for it, called by the task pages
(`workflows.views`, after their form) and by the API (`workflows.services.task_complete`,
through `from_payload`).

Each handler asks casework to change (the services check who may and what is
possible, and write the audit trail), resolves the task's deadline, records on the
task what was decided, and lets viewflow move on (`activation.execute()`). A handler
never imports a flow: a flow names its views, and a view's activation knows its flow
(`activation.flow_class`).

- the approval round: `decide_approval` (a signatory decides for the organisation),
  `revise_agreement` (the case manager's new version opens a new round);
- the breakthrough-agenda action: `report_action`, `review_action`;
- the escalation branch: `record_consultation`, `resume_negotiation`,
  `decide_intervention`, `take_final_decision`. A transition fired from a task of the
  branch names its process (`from_process`), so that the procedure that follows the
  stage (`workflows.procedures`) does not cancel the task that is being done.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework import services as casework
from casework.constants import TransitionName, VersionStatus
from casework.limits import TEXT_MAX
from casework.models import AgreementVersion, Location
from casework.validation import require_text, require_text_within
from documents import tasks as document_tasks
from evidence.constants import EvidenceSubject
from evidence.services import evidence_cite
from permissions.errors import InvalidInput

from .constants import (
    APPROVE,
    CONSULT,
    FINAL_DECISION,
    FINAL_DECISIONS,
    INTERVENE,
    INTERVENTIONS,
    OPEN_TASK_STATUSES,
    PERFORM,
    RESUME,
    REVIEW,
    REVISE,
)
from .deadlines import action_reference, task_reference
from .nodes import remember_version_status

# An activation of viewflow (untyped): the task being done, its process and flow.
Activation = Any


# --- The approval round -------------------------------------------------------------


def submit_round(*, flow_class: Any, version: AgreementVersion, actor: User) -> Any:
    """Submit a draft version: casework opens its round, `flow_class` (the approval
    round) starts its process (one task per party), and an open 'revise' task of the
    same agreement is done by this very submission. The new process."""
    with transaction.atomic():
        version = casework.agreement_submit(version=version, actor=actor)
        process = flow_class.start.run(version=version, actor=actor)
    _finish_open_revisions(flow_class=flow_class, version=version, actor=actor)
    return process


def _finish_open_revisions(
    *, flow_class: Any, version: AgreementVersion, actor: User
) -> None:
    open_revisions = Task.objects.filter(
        flow_task=flow_class.instance.revise,
        status__in=OPEN_TASK_STATUSES,
        process__data__location=version.agreement.location_id,
    ).exclude(process__artifact_object_id=version.pk)
    for task in open_revisions:
        with task.activation() as activation:
            if activation.task.status not in OPEN_TASK_STATUSES:
                continue
            if activation.task.status == STATUS.NEW:
                activation.assign(actor)
            elif activation.task.owner_id != actor.pk:
                activation.reassign(actor)
            if activation.task.status != STATUS.STARTED:
                activation.start(None)
            activation.task.data["revised_by_version"] = version.pk
            activation.execute()


def decide_approval(
    activation: Activation, *, user: User, decision: str, comment: str
) -> None:
    # By key: approval_record reads what it needs of both while locking the version.
    approval = casework.approval_record(
        version=activation.process.data["version"],
        organisation=activation.task.data["organisation"],
        actor=user,
        decision=decision,
        comment=comment or "",
    )
    activation.task.data["decision"] = decision
    # What the answer names, read already while locking the version.
    version = approval.version
    activation.task.known_names = {
        "location": {version.agreement.location_id: version.agreement.location.name},
        # Annotated on the version by the query that locked it.
        "organisation": {approval.organisation_id: version.organisation_name},  # type: ignore[attr-defined]
    }
    # The round goes on to its join only when this decision ended it (the version
    # locked by approval_record, concluded or rejected by it: no query); the node
    # that closes the round then closes every decision's deadline, this one's too.
    activation.ends_round = approval.version.status != VersionStatus.IN_APPROVAL
    remember_version_status(activation.process, approval.version.status)
    if not activation.ends_round:
        casework.deadline_resolve(reference=task_reference(activation.task))
    activation.execute()


def revise_agreement(
    activation: Activation,
    *,
    user: User,
    title: str,
    text: str,
    commitments: list[dict[str, Any]],
) -> AgreementVersion:
    """The case manager revises the rejected version of the task's round: a new draft
    of the same agreement, submitted at once (a new round of the task's own flow).
    Submitting does every open revision task of the agreement, this one included.
    Returns the new version."""
    version = activation.process.version
    draft = casework.agreement_draft(
        location=version.agreement.location,
        actor=user,
        kind=version.agreement.kind,
        title=title,
        text=text,
        commitments=commitments,
    )
    submit_round(flow_class=activation.flow_class, version=draft, actor=user)
    activation.task.refresh_from_db()
    if activation.task.status != STATUS.DONE:  # pragma: no cover - defensive
        activation.task.data["revised_by_version"] = draft.pk
        activation.execute()
    return draft


# --- The breakthrough-agenda action -------------------------------------------------


def report_action(
    activation: Activation,
    *,
    user: User,
    outcome: str,
    report: str,
    evidence: Any = (),
) -> None:
    action = activation.process.action
    casework.action_report(action=action, actor=user, outcome=outcome, report=report)
    evidence_cite(
        files=evidence,
        subject_kind=EvidenceSubject.ACTION_REPORT,
        subject_id=action.pk,
        location=action.bottleneck.location,
        actor=user,
    )
    casework.deadline_resolve(reference=action_reference(action))
    activation.task.data["outcome"] = outcome
    activation.execute()


def review_action(
    activation: Activation, *, user: User, decision: str, note: str
) -> None:
    action = activation.process.action
    casework.action_review(action=action, actor=user, decision=decision, note=note)
    activation.task.data["decision"] = decision
    activation.execute()


# --- The escalation branch ------------------------------------------------------------


def _location(activation: Activation) -> Location:
    return Location.objects.get(pk=activation.process.data["location"])


def _done(activation: Activation, **data: Any) -> None:
    casework.deadline_resolve(reference=task_reference(activation.task))
    activation.task.data.update(data)
    activation.execute()


def record_consultation(
    activation: Activation,
    *,
    user: User,
    held_on: datetime.date,
    participants: str,
    outcome: str,
    summary: str = "",
    evidence: Any = (),
) -> None:
    location = _location(activation)
    escalation = casework.escalation_record_consultation(
        location=location,
        actor=user,
        held_on=held_on,
        participants=participants,
        outcome=outcome,
        summary=summary,
    )
    evidence_cite(
        files=evidence,
        subject_kind=EvidenceSubject.CONSULTATION,
        subject_id=escalation.pk,
        location=location,
        actor=user,
    )
    _done(activation, outcome=outcome)


def resume_negotiation(activation: Activation, *, user: User, reason: str) -> None:
    casework.location_transition(
        location=_location(activation),
        transition=TransitionName.RESUME_NEGOTIATION,
        actor=user,
        reason=reason,
        from_process=activation.process.pk,
    )
    _done(activation, decision=TransitionName.RESUME_NEGOTIATION)


def decide_intervention(
    activation: Activation,
    *,
    user: User,
    decision: str,
    reason: str,
    note: str = "",
    **designation: Any,
) -> None:
    """The ministry decides what follows a deadlock. `note` is its internal
    deliberation: kept on the task, shown to the ministry and case managers only."""
    if decision not in INTERVENTIONS:
        raise InvalidInput(
            gettext("Kies: %(choices)s.") % {"choices": ", ".join(INTERVENTIONS)}
        )
    extra = designation if decision == TransitionName.START_DESIGNATION else {}
    note = require_text_within(
        note or "", field=gettext("Interne afweging"), limit=TEXT_MAX
    )
    casework.location_transition(
        location=_location(activation),
        transition=decision,
        actor=user,
        reason=reason,
        from_process=activation.process.pk,
        **extra,
    )
    _done(activation, decision=decision, note=(note or "").strip())


def take_final_decision(
    activation: Activation,
    *,
    user: User,
    decision: str,
    reason: str,
    response: str = "",
) -> None:
    """The ministry decides after the consultation period: designate, or refrain
    (resume the negotiation, or withdraw).

    Designating is recorded here and carried out by a background job (no request
    renders a document): the decision and the response to the views are recorded on
    the designation, the job that freezes the final decision's PDF, records its hash
    and fires `designate` is queued in the same transaction, and the task is done.
    The location page says the decision is being made until the job has run."""
    if decision not in FINAL_DECISIONS:
        raise InvalidInput(
            gettext("Kies: %(choices)s.") % {"choices": ", ".join(FINAL_DECISIONS)}
        )
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(gettext("Geef een reden op."))
    # Before anything is recorded: the texts are within their limits.
    require_text_within(reason, field=gettext("Reden"), limit=TEXT_MAX)
    require_text_within(
        response, field=gettext("Reactie op de zienswijzen"), limit=TEXT_MAX
    )
    if decision == TransitionName.DESIGNATE:
        with transaction.atomic():
            _request_final_designation(
                activation, user=user, reason=reason, response=response
            )
            _done(activation, decision=decision, reason=reason)
        return
    casework.location_transition(
        location=_location(activation),
        transition=decision,
        actor=user,
        reason=reason,
        from_process=activation.process.pk,
    )
    _done(activation, decision=decision)


def _request_final_designation(
    activation: Activation, *, user: User, reason: str, response: Any
) -> None:
    """Take the final designation decision: the ministry may take it now (after the
    consultation period, once); the job that freezes its PDF with every view and the
    response, and then designates, is queued in this transaction."""
    response = require_text(response, gettext("Geef de reactie op de zienswijzen."))
    designation = activation.process.designation
    casework.designation_request_decision(
        designation=designation, actor=user, response=response
    )
    document_tasks.queue_final_designation(designation.pk, user.pk, reason)


# --- The same, from a body of fields (the API) ----------------------------------------

Handler = Callable[[Activation, User, dict[str, Any]], None]


def _approve(activation: Activation, user: User, payload: dict[str, Any]) -> None:
    decide_approval(
        activation,
        user=user,
        decision=payload.get("decision", ""),
        comment=payload.get("comment", ""),
    )


def _revise(activation: Activation, user: User, payload: dict[str, Any]) -> None:
    revise_agreement(
        activation,
        user=user,
        title=payload.get("title", ""),
        text=payload.get("text", ""),
        commitments=payload.get("commitments", []),
    )


def _perform(activation: Activation, user: User, payload: dict[str, Any]) -> None:
    report_action(
        activation,
        user=user,
        outcome=payload.get("outcome", ""),
        report=payload.get("report", ""),
        evidence=payload.get("evidence", []),
    )


def _review(activation: Activation, user: User, payload: dict[str, Any]) -> None:
    review_action(
        activation,
        user=user,
        decision=payload.get("decision", ""),
        note=payload.get("note", ""),
    )


def _consult(activation: Activation, user: User, payload: dict[str, Any]) -> None:
    held_on: Any = payload.get("held_on")
    if isinstance(held_on, str):
        try:
            held_on = datetime.date.fromisoformat(held_on)
        except ValueError:
            raise InvalidInput(
                gettext("Ongeldige datum: ‘%(value)s’.") % {"value": held_on}
            ) from None
    record_consultation(
        activation,
        user=user,
        held_on=held_on,
        participants=payload.get("participants", ""),
        outcome=payload.get("outcome", ""),
        summary=payload.get("summary", ""),
        evidence=payload.get("evidence", []),
    )


def _resume(activation: Activation, user: User, payload: dict[str, Any]) -> None:
    resume_negotiation(activation, user=user, reason=payload.get("reason", ""))


def _intervene(activation: Activation, user: User, payload: dict[str, Any]) -> None:
    decide_intervention(
        activation,
        user=user,
        decision=payload.get("decision", ""),
        reason=payload.get("reason", ""),
        note=payload.get("note", ""),
        **{
            key: payload.get(key, "")
            for key in ("instrument", "legal_basis", "national_interest")
        },
    )


def _decide(activation: Activation, user: User, payload: dict[str, Any]) -> None:
    take_final_decision(
        activation,
        user=user,
        decision=payload.get("decision", ""),
        reason=payload.get("reason", ""),
        response=payload.get("response", ""),
    )


# What doing each kind of human task (the node's name) with a body of fields means:
# the page's fields, with the same handler as the page.
FROM_PAYLOAD: dict[str, Handler] = {
    APPROVE: _approve,
    REVISE: _revise,
    PERFORM: _perform,
    REVIEW: _review,
    CONSULT: _consult,
    RESUME: _resume,
    INTERVENE: _intervene,
    FINAL_DECISION: _decide,
}
