"""Writes of the casework domain.

Every change goes through a function here: it checks what it must, runs in one
transaction, and writes the audit event in that same transaction. Views, the API, the
workflows and the demo loader call these; none of them sets a stage or writes an audit row
itself.

One module per part of the domain; every public name is re-exported here, so callers
write `from casework import services` and `services.location_transition(...)`:

- `audit`: `audit_record`, the trail every service writes to;
- `locations`: locations, parties, and the state machine (`location_transition`);
- `agenda`: the breakthrough agenda (bottlenecks and their actions);
- `agreements`: drafts, approval rounds, decisions, conclusion;
- `escalation`: the consultation, the designation procedure and their documents' hashes;
- `location_steps`: the interface's steps on a location (propose, facts, joining and
  removing parties);
- `ledger`: the lifecycle of bottlenecks and the commitment ledger;
- `deadlines`: reminders and overdue marks as casework facts.
"""

from .agenda import action_assign, action_report, action_review, bottleneck_create
from .agreements import (
    agreement_draft,
    agreement_submit,
    approval_record,
    canonical_content,
    content_hash,
    version_canonical_content,
)
from .audit import audit_record
from .deadlines import (
    Fired,
    deadline_move,
    deadline_open,
    deadline_resolve,
    deadlines_fire,
    deadlines_resolve,
    deadlines_resolve_of_tasks,
)
from .escalation import (
    designation_consultation_closed,
    designation_decision_check,
    designation_record_decision,
    designation_record_draft,
    designation_record_notice,
    designation_record_view,
    designation_request_decision,
    escalation_record_consultation,
    escalation_record_dossier,
    procedure_ended_record,
)
from .ledger import (
    bottleneck_confirm,
    bottleneck_reopen,
    bottleneck_report_resolved,
    bottleneck_return,
    bottleneck_steps,
    bottleneck_update,
    commitment_confirm,
    commitment_dispute,
    commitment_extend,
    commitment_report,
    commitment_steps,
    commitment_waive,
    commitments_unblocked,
    dependent_organisation_ids,
    member_organisation_ids,
)
from .location_steps import (
    location_propose,
    location_update_facts,
    party_join,
    party_removal_blocker,
    party_remove,
    removal_blocker_message,
)
from .locations import (
    location_create,
    location_record_criteria,
    location_transition,
    party_add,
)

__all__ = [
    "Fired",
    "action_assign",
    "action_report",
    "action_review",
    "agreement_draft",
    "agreement_submit",
    "approval_record",
    "audit_record",
    "bottleneck_confirm",
    "bottleneck_create",
    "bottleneck_reopen",
    "bottleneck_report_resolved",
    "bottleneck_return",
    "bottleneck_steps",
    "bottleneck_update",
    "canonical_content",
    "commitment_confirm",
    "commitment_dispute",
    "commitment_extend",
    "commitment_report",
    "commitment_steps",
    "commitment_waive",
    "commitments_unblocked",
    "content_hash",
    "deadline_move",
    "deadline_open",
    "deadline_resolve",
    "deadlines_fire",
    "deadlines_resolve",
    "deadlines_resolve_of_tasks",
    "dependent_organisation_ids",
    "designation_consultation_closed",
    "designation_decision_check",
    "designation_record_decision",
    "designation_record_draft",
    "designation_record_notice",
    "designation_record_view",
    "designation_request_decision",
    "escalation_record_consultation",
    "escalation_record_dossier",
    "location_create",
    "location_propose",
    "location_record_criteria",
    "location_transition",
    "location_update_facts",
    "member_organisation_ids",
    "party_add",
    "party_join",
    "party_removal_blocker",
    "party_remove",
    "procedure_ended_record",
    "removal_blocker_message",
    "version_canonical_content",
]
