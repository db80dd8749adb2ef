"""API v1 for agreements and tasks (design §8, a stable contract).

- `POST /locations/{id}/agreements/` drafts a version, `POST /agreements/{id}/submit/`
  starts its approval round, `GET /agreements/{id}/` shows it with its approvals and
  the organisations still to decide. `{id}` is the id of the agreement *version*.
- `GET /tasks/` lists the user's open tasks: assigned to the user (inbox) or claimable
  by the user (queue); `POST /tasks/{id}/complete/` does one.

Views are thin: reads check visibility here (an invisible object answers exactly like a
missing one: 404), writes go through `casework.services` and `workflows.services`, and
domain errors become HTTP in `config.api.exception_handler`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework import selectors
from casework import services as casework
from casework.api import ERRORS, ErrorSerializer
from casework.constants import LocationPerm
from casework.limits import (
    AGREEMENT_TEXT_MAX,
    COMMITMENTS_PER_AGREEMENT_MAX,
    LIST_ITEMS_MAX,
    SHORT_TEXT_MAX,
    TEXT_MAX,
)
from casework.models import (
    AgreementKind,
    AgreementVersion,
    Approval,
    Commitment,
    CommitmentStatus,
    Decision,
    Location,
    Party,
    VersionStatus,
)
from casework.validation import DATE_WINDOW_HELP, validate_date_in_window
from permissions.checks import has_object_perm
from permissions.errors import NotPermitted, NotVisible
from permissions.models import Organisation

from . import selectors as workflow_selectors
from . import services
from .flows import ApprovalRoundFlow, BottleneckActionFlow

FLOWS = (ApprovalRoundFlow, BottleneckActionFlow)


# --- Agreements: representation ------------------------------------------------------------


class NamedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CommitmentSerializer(serializers.ModelSerializer):
    party = NamedSerializer(source="owner.organisation")
    status = serializers.ChoiceField(choices=CommitmentStatus.choices)
    depends_on = serializers.SerializerMethodField(
        help_text="Ids van de afspraken (van dezelfde versie) waarop deze wacht."
    )

    class Meta:
        model = Commitment
        fields = ["id", "party", "description", "due_date", "status", "depends_on"]

    def get_depends_on(self, commitment: Commitment) -> list[int]:
        return sorted(c.pk for c in commitment.depends_on.all())


class ApprovalSerializer(serializers.ModelSerializer):
    organisation = NamedSerializer()
    decision = serializers.ChoiceField(choices=Decision.choices)
    decided_by = serializers.CharField(source="decided_by.username")

    class Meta:
        model = Approval
        fields = ["organisation", "decision", "comment", "decided_by", "decided_at"]


class AgreementSerializer(serializers.ModelSerializer):
    location = NamedSerializer(source="agreement.location")
    kind = serializers.ChoiceField(
        source="agreement.kind", choices=AgreementKind.choices
    )
    title = serializers.CharField(source="agreement.title")
    version = serializers.IntegerField(source="number")
    status = serializers.ChoiceField(choices=VersionStatus.choices)
    commitments = CommitmentSerializer(many=True)
    approvals = ApprovalSerializer(many=True)
    awaiting = serializers.SerializerMethodField(
        help_text="De organisaties die nog moeten besluiten (alleen ter goedkeuring)."
    )
    sha256 = serializers.SerializerMethodField(
        help_text="SHA-256 van de canonieke inhoud; leeg tot de versie is vastgesteld."
    )

    class Meta:
        model = AgreementVersion
        fields = [
            "id",
            "location",
            "kind",
            "title",
            "version",
            "status",
            "text",
            "commitments",
            "approvals",
            "awaiting",
            "sha256",
        ]

    @extend_schema_field(NamedSerializer(many=True))
    def get_awaiting(self, version: AgreementVersion) -> list[dict[str, Any]]:
        if version.status != VersionStatus.IN_APPROVAL:
            return []
        decided = {approval.organisation_id for approval in version.approvals.all()}
        return [
            {"id": party.organisation_id, "name": party.organisation.name}
            for party in version.agreement.location.parties.all()
            if party.organisation_id not in decided
        ]

    def get_sha256(self, version: AgreementVersion) -> str | None:
        return version.sha256 or None


class CommitmentInputSerializer(serializers.Serializer):
    party = serializers.IntegerField(help_text="Organisatie-id van de partij.")
    description = serializers.CharField(max_length=TEXT_MAX)
    due_date = serializers.DateField(
        validators=[validate_date_in_window],
        help_text=DATE_WINDOW_HELP,
    )
    depends_on = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        default=list,
        max_length=LIST_ITEMS_MAX,
        help_text="Indexen (vanaf 0) in `commitments` van de afspraken waarop deze "
        "wacht.",
    )


class AgreementCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AgreementKind.choices)
    title = serializers.CharField(max_length=SHORT_TEXT_MAX)
    text = serializers.CharField(max_length=AGREEMENT_TEXT_MAX)
    commitments = CommitmentInputSerializer(
        many=True,
        required=False,
        default=list,
        max_length=COMMITMENTS_PER_AGREEMENT_MAX,
    )


def agreement_versions():
    """Versions with everything their representation shows, in a fixed number of
    queries."""
    return AgreementVersion.objects.select_related(
        "agreement__location"
    ).prefetch_related(
        Prefetch(
            "commitments",
            queryset=Commitment.objects.select_related("owner__organisation")
            .prefetch_related(
                Prefetch("depends_on", queryset=Commitment.objects.only("id"))
            )
            .order_by("id"),
        ),
        Prefetch(
            "approvals",
            queryset=Approval.objects.select_related(
                "organisation", "decided_by"
            ).order_by("decided_at", "id"),
        ),
        Prefetch(
            "agreement__location__parties",
            queryset=Party.objects.select_related("organisation").order_by(
                "organisation__name"
            ),
        ),
    )


def access_version(user, version_id: int, queryset=None) -> AgreementVersion:
    """The version, if its location is visible to `user`; else `NotVisible` (404), the
    same answer as for a version that does not exist."""
    version = (
        (agreement_versions() if queryset is None else queryset)
        .filter(
            pk=version_id,
            agreement__location__in=selectors.locations_visible_to(user),
        )
        .first()
    )
    if version is None:
        raise NotVisible(_("Overeenkomst niet gevonden."))
    return version


def agreement_body(user, version_id: int) -> dict[str, Any]:
    return AgreementSerializer(access_version(user, version_id)).data


# --- Agreements: views ---------------------------------------------------------------------


class LocationAgreementsAPI(APIView):
    @extend_schema(
        request=AgreementCreateSerializer,
        responses={201: AgreementSerializer, **ERRORS},
    )
    def post(self, request, pk: int):
        """Draft a new version of the location's agreement of `kind` (it replaces an
        earlier draft of the same kind)."""
        location = selectors.access_location(request.user, pk)
        # Permission before validation: only the case manager learns what is wrong
        # with a draft.
        if not has_object_perm(request.user, LocationPerm.MANAGE, location):
            raise NotPermitted(_("Alleen de procesregisseur stelt overeenkomsten op."))
        payload = AgreementCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        version = casework.agreement_draft(
            location=location,
            actor=request.user,
            kind=data["kind"],
            title=data["title"],
            text=data["text"],
            commitments=[dict(item) for item in data["commitments"]],
        )
        return Response(
            agreement_body(request.user, version.pk), status=status.HTTP_201_CREATED
        )


class AgreementDetailAPI(APIView):
    @extend_schema(responses={200: AgreementSerializer, 404: ErrorSerializer})
    def get(self, request, pk: int):
        return Response(agreement_body(request.user, pk))


class AgreementSubmitAPI(APIView):
    @extend_schema(
        request=None,
        responses={
            200: AgreementSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
            409: ErrorSerializer,
        },
    )
    def post(self, request, pk: int):
        """Submit a draft version: its approval round starts, with one task per party."""
        version = access_version(
            request.user,
            pk,
            queryset=AgreementVersion.objects.select_related("agreement__location"),
        )
        services.approval_round_submit(version=version, actor=request.user)
        return Response(agreement_body(request.user, pk))


# --- Tasks ---------------------------------------------------------------------------------


class TaskKind:
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


def task_kind(task: Task) -> str | None:
    from .escalation import DesignationFlow, EscalationFlow

    return {
        ApprovalRoundFlow.instance.approve: TaskKind.APPROVAL,
        ApprovalRoundFlow.instance.revise: TaskKind.REVISE,
        BottleneckActionFlow.instance.perform: TaskKind.ACTION,
        BottleneckActionFlow.instance.review: TaskKind.ACTION_REVIEW,
        EscalationFlow.instance.consult: TaskKind.CONSULTATION,
        EscalationFlow.instance.resume: TaskKind.RESUME,
        EscalationFlow.instance.intervene: TaskKind.INTERVENTION,
        DesignationFlow.instance.decide: TaskKind.DESIGNATION_DECISION,
    }.get(task.flow_task)


TASK_STATUSES = [
    ("assigned", "Toegewezen aan u"),
    ("claimable", "U kunt deze oppakken (wachtrij van uw organisatie of rol)"),
    ("done", "Gedaan"),
    ("cancelled", "Vervallen (de ronde is gesloten)"),
]


class TaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=TaskKind.choices)
    location = NamedSerializer()
    agreement = serializers.IntegerField(
        allow_null=True, help_text="Id van de versie van de overeenkomst."
    )
    action = serializers.IntegerField(allow_null=True)
    organisation = NamedSerializer(
        allow_null=True, help_text="De organisatie namens wie de taak wordt gedaan."
    )
    due_date = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField()
    status = serializers.ChoiceField(choices=TASK_STATUSES)


def _task_status(task: Task, user) -> str:
    if task.status == STATUS.DONE:
        return "done"
    if task.status == STATUS.CANCELED:
        return "cancelled"
    return "assigned" if task.owner_id == user.pk else "claimable"


def task_rows(tasks: list[Task], user) -> list[dict[str, Any]]:
    """What the API shows of each task, with their locations and organisations loaded
    in one query each (whatever the number of tasks)."""
    location_ids = {(task.process.data or {}).get("location") for task in tasks}
    organisation_ids = {(task.data or {}).get("organisation") for task in tasks}
    locations = {
        pk: {"id": pk, "name": name}
        for pk, name in Location.objects.filter(pk__in=location_ids - {None})
        .order_by()
        .values_list("pk", "name")
    }
    organisations = {
        pk: {"id": pk, "name": name}
        for pk, name in Organisation.objects.filter(pk__in=organisation_ids - {None})
        .order_by()
        .values_list("pk", "name")
    }
    today = timezone.localdate()
    rows = []
    for task in tasks:
        kind = task_kind(task)
        process_data = task.process.data or {}
        data = task.data or {}
        rows.append(
            {
                "id": task.pk,
                "kind": kind,
                "location": locations.get(process_data.get("location")),
                "agreement": process_data.get("version"),
                "action": process_data.get("action"),
                "organisation": organisations.get(data.get("organisation"))
                if kind in (TaskKind.APPROVAL, TaskKind.ACTION)
                else None,
                "due_date": workflow_selectors.task_due(task),
                "overdue": workflow_selectors.task_overdue(task, today),
                "status": _task_status(task, user),
            }
        )
    return rows


class TaskCompleteSerializer(serializers.Serializer):
    """One body for every kind of task; each kind reads its own fields."""

    decision = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=SHORT_TEXT_MAX,
        help_text="Goedkeuring: approve of reject. Beoordeling van een actie: accept "
        "of return.",
    )
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=TEXT_MAX,
        help_text="Goedkeuring: toelichting, verplicht bij reject.",
    )
    outcome = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=SHORT_TEXT_MAX,
        help_text="Actie: done (gereed, met bewijs) of help (hulp nodig).",
    )
    report = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=TEXT_MAX,
        help_text="Actie: het bewijs of de hulpvraag (verplicht).",
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=TEXT_MAX,
        help_text="Beoordeling van een actie: toelichting, verplicht bij return.",
    )


class TaskListAPI(APIView):
    @extend_schema(responses={200: TaskSerializer(many=True)})
    def get(self, request):
        """Your open tasks: assigned to you, and those you may claim for your
        organisation or role."""
        tasks = list(workflow_selectors.open_tasks(request.user))
        rows = task_rows(tasks, request.user)
        return Response(TaskSerializer(rows, many=True).data)


class TaskCompleteAPI(APIView):
    @extend_schema(
        request=TaskCompleteSerializer, responses={200: TaskSerializer, **ERRORS}
    )
    def post(self, request, pk: int):
        """Do a task: decide on an agreement (`decision`, `comment`), report an action
        (`outcome`, `report`) or review one (`decision`, `note`). A claimable task is
        claimed and done at once."""
        # A hidden task is a 404 even with a bad body: visibility before the body.
        task = services.visible_task(request.user, pk, flows=FLOWS)
        payload = TaskCompleteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        task = services.task_complete(
            task=task, user=request.user, payload=dict(payload.validated_data)
        )
        return Response(TaskSerializer(task_rows([task], request.user)[0]).data)
