"""The vocabulary of the workflow layer, in one place: which flows there are, the
kinds of human task (the nodes' names, and the API's stable names for them), and the
task statuses that count as open.

Flows are named by viewflow's string references ("app_label/module.Class"), the
values viewflow stores in the database: a module low in the stack (the lists, the
task pages) can filter on them without importing the flows above it.
"""

from __future__ import annotations

from viewflow.workflow.status import STATUS

from casework.constants import TransitionName

# --- The flows (viewflow's references, as stored in `Process.flow_class`) -----------

APPROVAL_ROUND_FLOW = "workflows/flows.ApprovalRoundFlow"
BOTTLENECK_ACTION_FLOW = "workflows/flows.BottleneckActionFlow"
ESCALATION_FLOW = "workflows/escalation.EscalationFlow"
DESIGNATION_FLOW = "workflows/escalation.DesignationFlow"

FLOWS = (APPROVAL_ROUND_FLOW, BOTTLENECK_ACTION_FLOW, ESCALATION_FLOW, DESIGNATION_FLOW)
# The escalation branch (design §4): internal to the ministry and case managers.
BRANCH_FLOWS = (ESCALATION_FLOW, DESIGNATION_FLOW)

# --- Task statuses ------------------------------------------------------------------

# A task still to be done: waiting to be claimed, claimed, or begun.
OPEN_TASK_STATUSES = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)
# Open and someone's own (the inbox).
HELD_TASK_STATUSES = (STATUS.ASSIGNED, STATUS.STARTED)

# --- Kinds of human task: the nodes' names -------------------------------------------

# The approval round and the breakthrough-agenda action (`workflows.flows`).
APPROVE, REVISE, PERFORM, REVIEW = "approve", "revise", "perform", "review"
# The escalation branch (`workflows.escalation`).
CONSULT, RESUME, INTERVENE, FINAL_DECISION = "consult", "resume", "intervene", "decide"
ESCALATION_KINDS = (CONSULT, RESUME, INTERVENE, FINAL_DECISION)
TASK_KINDS = (APPROVE, REVISE, PERFORM, REVIEW, *ESCALATION_KINDS)


class TaskKind:
    """The kinds of task as the API names them (design §8, a stable contract)."""

    APPROVAL = "approval"
    REVISE = "revise"
    ACTION = "action"
    ACTION_REVIEW = "action_review"
    CONSULTATION = "consultation"
    RESUME = "resume_negotiation"
    INTERVENTION = "intervention"
    DESIGNATION_DECISION = "designation_decision"

    choices = [
        (APPROVAL, "Besluit over een overeenkomst (goedkeuren of afwijzen)"),
        (REVISE, "Een afgewezen overeenkomst herzien"),
        (ACTION, "Een actie op de doorbraak-agenda uitvoeren"),
        (ACTION_REVIEW, "Een gemelde actie beoordelen"),
        (CONSULTATION, "Het bestuurlijk overleg vastleggen (procesregisseur)"),
        (RESUME, "Na een doorbraak de onderhandeling hervatten (ministerie)"),
        (INTERVENTION, "Besluiten over ingrijpen bij een impasse (ministerie)"),
        (DESIGNATION_DECISION, "Het definitieve aanwijzingsbesluit nemen (ministerie)"),
    ]


# The API's name of each kind of task.
API_KIND = {
    APPROVE: TaskKind.APPROVAL,
    REVISE: TaskKind.REVISE,
    PERFORM: TaskKind.ACTION,
    REVIEW: TaskKind.ACTION_REVIEW,
    CONSULT: TaskKind.CONSULTATION,
    RESUME: TaskKind.RESUME,
    INTERVENE: TaskKind.INTERVENTION,
    FINAL_DECISION: TaskKind.DESIGNATION_DECISION,
}

# --- The escalation branch's decisions ----------------------------------------------

# What the ministry may decide when the deadlock remains, and after the consultation
# period of a designation procedure.
INTERVENTIONS = (
    TransitionName.START_DESIGNATION,
    TransitionName.RESUME_NEGOTIATION,
    TransitionName.WITHDRAW,
)
FINAL_DECISIONS = (
    TransitionName.DESIGNATE,
    TransitionName.RESUME_NEGOTIATION,
    TransitionName.WITHDRAW,
)

# Working days each human task of the branch gets: the setting of the location's
# programme of that name (`Programme.escalation_*_working_days`).
CONSULTATION_WORKING_DAYS = "escalation_consultation_working_days"
DECISION_WORKING_DAYS = "escalation_decision_working_days"
