"""API v1 for agreements and tasks (design §8, a stable contract).

- `POST /locations/{id}/agreements/` drafts a version, `POST /agreements/{id}/submit/`
  starts its approval round, `GET /agreements/{id}/` shows it with its approvals and
  the organisations still to decide. `{id}` is the id of the agreement *version*.
- `GET /tasks/` lists the user's open tasks: assigned to the user (inbox) or claimable
  by the user (queue), each with its `kind` and `complete_url`;
  `POST /tasks/{id}/complete/` does one, whatever its kind, with that kind's body.

Views are thin: reads check visibility here (an invisible object answers exactly like a
missing one: 404), writes go through `casework.services` and `workflows.services`, and
domain errors become HTTP in `config.api.exception_handler`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, Prefetch, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.response import Response
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework import selectors as casework_selectors
from casework import services as casework
from casework.access import (
    access_agreement_version,
    access_location,
    is_programme_staff,
)
from casework.api import ERRORS, ErrorSerializer, NamedSerializer
from casework.constants import (
    AgreementKind,
    CommitmentStatus,
    ConsultationOutcome,
    Decision,
    Instrument,
    LocationPerm,
    VersionStatus,
    ViewChannel,
)
from casework.limits import (
    AGREEMENT_TEXT_MAX,
    COMMITMENTS_PER_AGREEMENT_MAX,
    LIST_ITEMS_MAX,
    SHORT_TEXT_MAX,
    TEXT_MAX,
    VIEWS_PER_PROCEDURE_MAX,
)
from casework.models import AgreementVersion, Approval, Commitment, Location, Party
from casework.validation import DATE_WINDOW_HELP, validate_date_in_window
from config.api import BoundedChoiceField, JSONAPIView
from permissions.checks import has_object_perm
from permissions.errors import InvalidInput, NotPermitted
from permissions.models import Organisation

from . import forms, services
from . import selectors as workflow_selectors
from .constants import API_KIND, TaskKind
from .deadlines import task_due
from .presenters import task_kind, task_overdue

# --- Agreements: representation ------------------------------------------------------------


class CommitmentSerializer(serializers.ModelSerializer):
    party = NamedSerializer(source="owner.organisation")
    status = BoundedChoiceField(choices=CommitmentStatus.choices)
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
    decision = BoundedChoiceField(choices=Decision.choices)
    decided_by = serializers.CharField(source="decided_by.username")

    class Meta:
        model = Approval
        fields = ["organisation", "decision", "comment", "decided_by", "decided_at"]


class AgreementSerializer(serializers.ModelSerializer):
    location = NamedSerializer(source="agreement.location")
    kind = BoundedChoiceField(source="agreement.kind", choices=AgreementKind.choices)
    title = serializers.CharField(source="agreement.title")
    version = serializers.IntegerField(source="number")
    status = BoundedChoiceField(choices=VersionStatus.choices)
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
    kind = BoundedChoiceField(choices=AgreementKind.choices)
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


def agreement_body(user, version_id: int) -> dict[str, Any]:
    return AgreementSerializer(
        access_agreement_version(user, version_id, agreement_versions())
    ).data


# --- Agreements: views ---------------------------------------------------------------------


class LocationAgreementsAPI(JSONAPIView):
    @extend_schema(
        request=AgreementCreateSerializer,
        responses={201: AgreementSerializer, **ERRORS},
    )
    def post(self, request, pk: int):
        """Draft a new version of the location's agreement of `kind` (it replaces an
        earlier draft of the same kind)."""
        location = access_location(request.user, pk)
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


class AgreementDetailAPI(JSONAPIView):
    @extend_schema(responses={200: AgreementSerializer, 404: ErrorSerializer})
    def get(self, request, pk: int):
        return Response(agreement_body(request.user, pk))


class AgreementSubmitAPI(JSONAPIView):
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
        version = access_agreement_version(
            request.user,
            pk,
            AgreementVersion.objects.select_related("agreement__location"),
        )
        services.approval_round_submit(version=version, actor=request.user)
        return Response(agreement_body(request.user, pk))


# --- Tasks ---------------------------------------------------------------------------------


def api_task_kind(task: Task) -> str | None:
    """The kind of the task as the API names it (`constants.TaskKind`)."""
    return API_KIND.get(task_kind(task))


TASK_STATUSES = [
    ("assigned", "Toegewezen aan u"),
    ("claimable", "U kunt deze oppakken (wachtrij van uw organisatie of rol)"),
    ("done", "Gedaan"),
    ("cancelled", "Vervallen (de ronde is gesloten)"),
]


class TaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = BoundedChoiceField(
        choices=TaskKind.choices,
        help_text="Wat voor taak: ook welke inhoud (`TaskCompletion`, dezelfde "
        "`kind`) haar afrondt.",
    )
    complete_url = serializers.CharField(
        help_text="Waar de taak wordt afgerond: `POST` met de inhoud van haar `kind`."
    )
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
    status = BoundedChoiceField(choices=TASK_STATUSES)


def _task_status(task: Task, user) -> str:
    if task.status == STATUS.DONE:
        return "done"
    if task.status == STATUS.CANCELED:
        return "cancelled"
    return "assigned" if task.owner_id == user.pk else "claimable"


def task_rows(tasks: list[Task], user) -> list[dict[str, Any]]:
    """What the API shows of each task, with the names of their locations and
    organisations read in one query (whatever the number of tasks), or none when the
    work that completed the task knew them already (`task.known_names`)."""
    locations, organisations = _names_of(
        tasks,
        {(task.process.data or {}).get("location") for task in tasks} - {None},
        {(task.data or {}).get("organisation") for task in tasks} - {None},
    )
    today = timezone.localdate()
    # One reverse for the whole list: a reverse costs ~0.1 ms, a row a few µs.
    complete_url = reverse("api:task-complete", args=[0]).replace("/0/", "/{}/")
    rows = []
    for task in tasks:
        kind = api_task_kind(task)
        process_data = task.process.data or {}
        data = task.data or {}
        rows.append(
            {
                "id": task.pk,
                "kind": kind,
                "complete_url": complete_url.format(task.pk),
                "location": locations.get(process_data.get("location")),
                "agreement": process_data.get("version"),
                "action": process_data.get("action"),
                "organisation": organisations.get(data.get("organisation"))
                if kind in (TaskKind.APPROVAL, TaskKind.ACTION)
                else None,
                "due_date": task_due(task),
                "overdue": task_overdue(task, today),
                "status": _task_status(task, user),
            }
        )
    return rows


def _names_of(
    tasks: list[Task], location_ids: set[int], organisation_ids: set[int]
) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
    known: dict[str, dict[int, str]] = {"location": {}, "organisation": {}}
    for task in tasks:
        for kind, names in getattr(task, "known_names", {}).items():
            known[kind].update(names)
    wanted = {
        "location": location_ids - known["location"].keys(),
        "organisation": organisation_ids - known["organisation"].keys(),
    }
    queries = [
        model.objects.filter(pk__in=wanted[kind])
        .order_by()
        .annotate(name_of=Value(kind, output_field=CharField()))
        .values_list("name_of", "pk", "name")
        for kind, model in (("location", Location), ("organisation", Organisation))
        if wanted[kind]
    ]
    if queries:
        first, *others = queries
        for kind, pk, name in first.union(*others, all=True) if others else first:
            known[kind][pk] = name
    return tuple(  # type: ignore[return-value]
        {pk: {"id": pk, "name": name} for pk, name in known[kind].items()}
        for kind in ("location", "organisation")
    )


# --- Completing a task: one body per kind ---------------------------------------------
#
# `POST /tasks/{id}/complete/` takes the body of the task's kind: a `oneOf` in the
# schema, told apart by `kind` (the `kind` the task list shows). The choices are those
# of the task pages' forms, and what the fields mean is checked where the pages check
# it: in the services each kind calls (`workflows.services.task_complete`). These
# serializers only give the body its shape.

TEXT = {"max_length": TEXT_MAX}


def _evidence_field() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=list,
        max_length=LIST_ITEMS_MAX,
        help_text="Ids van de bewijsstukken die u eerder bij de locatie toevoegde "
        "(`POST /api/v1/locations/{id}/evidence/`); de audittrail noemt ze met hun "
        "SHA-256.",
    )


def _kind_field(kind: str) -> BoundedChoiceField:
    return BoundedChoiceField(
        choices=[(kind, dict(TaskKind.choices)[kind])],
        help_text="De soort taak (`kind` in de takenlijst). Mag ontbreken: dan is het "
        "de soort van de taak.",
    )


def _form_choices(form, field: str) -> list:
    return [(value, label) for value, label in form.base_fields[field].choices if value]


class ApprovalCompletionSerializer(serializers.Serializer):
    """Decide for your organisation on an agreement version."""

    kind = _kind_field(TaskKind.APPROVAL)
    decision = BoundedChoiceField(choices=Decision.choices)
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Toelichting; verplicht bij `reject`.",
        **TEXT,
    )


class RevisionCompletionSerializer(serializers.Serializer):
    """Revise the rejected version: a new version of the same agreement (title, text,
    commitments as in `POST /locations/{id}/agreements/`), submitted at once."""

    kind = _kind_field(TaskKind.REVISE)

    def get_fields(self):
        # The very fields (and limits) of a new draft, not a copy of them.
        fields = super().get_fields()
        draft = AgreementCreateSerializer().get_fields()
        fields.update({name: draft[name] for name in ("title", "text", "commitments")})
        return fields


class ActionReportCompletionSerializer(serializers.Serializer):
    """Report the action done (with evidence) or ask for help."""

    kind = _kind_field(TaskKind.ACTION)
    outcome = BoundedChoiceField(
        choices=_form_choices(forms.ActionReportForm, "outcome")
    )
    report = serializers.CharField(
        help_text="Het bewijs (bij `done`) of de hulpvraag (bij `help`).", **TEXT
    )
    evidence = _evidence_field()


class ActionReviewCompletionSerializer(serializers.Serializer):
    """Accept the reported action, or return it to the party."""

    kind = _kind_field(TaskKind.ACTION_REVIEW)
    decision = BoundedChoiceField(
        choices=_form_choices(forms.ActionReviewForm, "decision")
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Wat de partij nog moet doen; verplicht bij `return`.",
        **TEXT,
    )


class ConsultationCompletionSerializer(serializers.Serializer):
    """Record the administrative consultation (bestuurlijk overleg)."""

    kind = _kind_field(TaskKind.CONSULTATION)
    held_on = serializers.DateField(
        validators=[validate_date_in_window],
        help_text="Datum van het overleg (niet later). " + DATE_WINDOW_HELP,
    )
    participants = serializers.CharField(
        help_text="Wie namens welke organisatie aan tafel zat.", **TEXT
    )
    outcome = BoundedChoiceField(choices=ConsultationOutcome.choices)
    summary = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Wat is besproken; komt in de audittrail (de partijen lezen het).",
        **TEXT,
    )
    evidence = _evidence_field()


class ResumptionCompletionSerializer(serializers.Serializer):
    """After a breakthrough in the consultation: resume the negotiation."""

    kind = _kind_field(TaskKind.RESUME)
    reason = serializers.CharField(
        help_text="Komt in de audittrail (de partijen lezen het).", **TEXT
    )


class InterventionCompletionSerializer(serializers.Serializer):
    """The deadlock remains: decide on intervention."""

    kind = _kind_field(TaskKind.INTERVENTION)
    decision = BoundedChoiceField(
        choices=_form_choices(forms.InterventionForm, "decision")
    )
    reason = serializers.CharField(
        help_text="Komt in de audittrail (de partijen lezen het).", **TEXT
    )
    instrument = BoundedChoiceField(
        choices=Instrument.choices,
        required=False,
        help_text="Verplicht bij `start_designation`.",
    )
    legal_basis = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Wettelijke grondslag; verplicht bij `start_designation`.",
        **TEXT,
    )
    national_interest = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Nationaal belang; verplicht bij `start_designation`.",
        **TEXT,
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Interne afweging: alleen voor het ministerie en de "
        "procesregisseurs, niet voor de partijen.",
        **TEXT,
    )


class ViewAnswerSerializer(serializers.Serializer):
    """The answer to one view in the final designation decision."""

    view = serializers.IntegerField(min_value=1, help_text="Id van de zienswijze.")
    answer = serializers.CharField(**TEXT)


class FinalDecisionCompletionSerializer(serializers.Serializer):
    """After the consultation period: take the final designation decision, or
    refrain from designating."""

    kind = _kind_field(TaskKind.DESIGNATION_DECISION)
    decision = BoundedChoiceField(
        choices=_form_choices(forms.FinalDecisionForm, "decision")
    )
    reason = serializers.CharField(
        help_text="Komt in de audittrail (de partijen lezen het).", **TEXT
    )
    response = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Reactie op de zienswijzen; verplicht bij `designate` (komt in het "
        "besluit).",
        **TEXT,
    )
    answers = ViewAnswerSerializer(
        many=True,
        required=False,
        max_length=VIEWS_PER_PROCEDURE_MAX,
        help_text="Bij `designate`: een antwoord op elke zienswijze (409 met de "
        "zienswijzen die geen antwoord hebben).",
    )


COMPLETION_BODIES: dict[str, type[serializers.Serializer]] = {
    TaskKind.APPROVAL: ApprovalCompletionSerializer,
    TaskKind.REVISE: RevisionCompletionSerializer,
    TaskKind.ACTION: ActionReportCompletionSerializer,
    TaskKind.ACTION_REVIEW: ActionReviewCompletionSerializer,
    TaskKind.CONSULTATION: ConsultationCompletionSerializer,
    TaskKind.RESUME: ResumptionCompletionSerializer,
    TaskKind.INTERVENTION: InterventionCompletionSerializer,
    TaskKind.DESIGNATION_DECISION: FinalDecisionCompletionSerializer,
}

TaskCompletionSerializer = PolymorphicProxySerializer(
    component_name="TaskCompletion",
    serializers=COMPLETION_BODIES,
    resource_type_field_name="kind",
)


def completion_payload(task: Task, data) -> dict[str, Any]:
    """The body of `POST /tasks/{id}/complete/` for `task`, validated as its kind's
    (400 otherwise). Without `kind` the body is taken as the task's kind (the
    contract's `{"decision", "comment"}` for an approval)."""
    kind = api_task_kind(task)
    body = COMPLETION_BODIES.get(kind)
    if body is None:  # pragma: no cover - every human task has a kind
        raise InvalidInput(_("Deze taak doet u op de taakpagina, niet via de API."))
    if isinstance(data, dict):
        given = data.get("kind", kind)
        if given != kind:
            raise InvalidInput(
                _(
                    "Deze taak is van de soort ‘%(kind)s’: stuur de inhoud voor die "
                    "soort."
                )
                % {"kind": kind}
            )
        data = {**data, "kind": kind}
    payload = body(data=data)
    payload.is_valid(raise_exception=True)
    values = dict(payload.validated_data)
    values.pop("kind")
    if "commitments" in values:
        values["commitments"] = [dict(item) for item in values["commitments"]]
    return values


class TaskListAPI(JSONAPIView):
    @extend_schema(responses={200: TaskSerializer(many=True)})
    def get(self, request):
        """Your open tasks: assigned to you, and those you may claim for your
        organisation or role. Each is done with `POST` to its `complete_url`, with the
        body of its `kind`."""
        tasks = list(workflow_selectors.open_tasks(request.user))
        rows = task_rows(tasks, request.user)
        return Response(TaskSerializer(rows, many=True).data)


class TaskCompleteAPI(JSONAPIView):
    @extend_schema(
        request=TaskCompletionSerializer, responses={200: TaskSerializer, **ERRORS}
    )
    def post(self, request, pk: int):
        """Do a task, with the body of its `kind` (see the task list): decide on an
        agreement (`approval`), revise a rejected one (`revise`), report an action
        (`action`) or review one (`action_review`), record the administrative
        consultation (`consultation`), resume the negotiation
        (`resume_negotiation`), decide on intervention (`intervention`) or take the
        final designation decision (`designation_decision`). A claimable task is
        claimed and done at once.

        Checked in this order, each refusal changing nothing: 404 a task you may not
        see (as one that does not exist), 409 done or its round closed, 403 not
        yours, 400 the body (its shape here; what it means, as on the task page),
        then 409 again where the case has moved on."""
        task = workflow_selectors.visible_task(request.user, pk)
        services.task_completion_check(task=task, user=request.user)
        payload = completion_payload(task, request.data)
        task = services.task_complete(
            task=task, user=request.user, payload=payload, checked=True
        )
        return Response(TaskSerializer(task_rows([task], request.user)[0]).data)


# --- Views on a draft designation decision (issue 16) ------------------------------------


class DesignationViewSerializer(serializers.Serializer):
    """A view (zienswijze) recorded on the draft designation decision."""

    id = serializers.IntegerField()
    designation = serializers.IntegerField(source="designation_id")
    submitted_by = serializers.CharField(help_text="Wie de zienswijze indiende.")
    sender_address = serializers.CharField(
        help_text="Adres van de indiener: het besluit wordt daarheen gestuurd (niet "
        "in het openbare besluit)."
    )
    channel = BoundedChoiceField(choices=ViewChannel.choices)
    sent_on = serializers.DateField(
        allow_null=True, help_text="Verzonden op (poststempel; alleen `written`)."
    )
    received_on = serializers.DateField()
    late = serializers.BooleanField(
        help_text="Te laat: ontvangen na de termijn, en niet binnen de termijn per "
        "post verzonden en binnen de postweek ontvangen (artikel 6:9 Awb). Wel "
        "vastgelegd en in het besluit beantwoord."
    )
    summary = serializers.CharField()
    answer = serializers.CharField(
        help_text="Het antwoord van het ministerie, vastgelegd met het definitieve "
        "besluit; leeg tot dan."
    )
    recorded_at = serializers.DateTimeField()


class DesignationViewCreateSerializer(serializers.Serializer):
    """A view to record: the fields of the location page's form."""

    submitted_by = serializers.CharField(
        max_length=SHORT_TEXT_MAX,
        help_text="Wie de zienswijze indiende (organisatie of persoon).",
    )
    sender_address = serializers.CharField(
        max_length=SHORT_TEXT_MAX,
        help_text="Post- of e-mailadres van de indiener: het besluit wordt daarheen "
        "gestuurd.",
    )
    channel = BoundedChoiceField(
        choices=ViewChannel.choices,
        required=False,
        default=ViewChannel.WRITTEN,
        help_text="`written` (schriftelijk, de standaard), `oral` of `email`.",
    )
    sent_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        validators=[validate_date_in_window],
        help_text="Alleen bij `written`: de datum van verzending (poststempel). "
        "Binnen de termijn verzonden en binnen een week daarna ontvangen is op tijd. "
        + DATE_WINDOW_HELP,
    )
    received_on = serializers.DateField(
        validators=[validate_date_in_window],
        help_text="Ontvangen op: vanaf het begin van de termijn tot en met vandaag. "
        + DATE_WINDOW_HELP,
    )
    summary = serializers.CharField(max_length=TEXT_MAX)
    evidence = _evidence_field()


class DesignationViewsAPI(JSONAPIView):
    """The views on the draft designation decision of a location's running
    designation procedure: the ministry and case managers only (403 for the parties,
    404 for whoever does not see the location)."""

    @extend_schema(responses={200: DesignationViewSerializer(many=True), **ERRORS})
    def get(self, request, pk: int):
        location = access_location(request.user, pk)
        views = casework_selectors.designation_views(request.user, location)
        return Response(DesignationViewSerializer(views, many=True).data)

    @extend_schema(
        request=DesignationViewCreateSerializer,
        responses={201: DesignationViewSerializer, **ERRORS},
    )
    def post(self, request, pk: int):
        """Record a view, with the rules of the location page: 409 before the notice
        (and before the period's first day) and after the final decision; a view
        received late is recorded, `late` true."""
        location = access_location(request.user, pk)
        # Permission before validation: only the staff learn what is wrong with it.
        if not is_programme_staff(request.user, location):
            raise NotPermitted(
                _("Alleen de procesregisseur of het ministerie legt zienswijzen vast.")
            )
        payload = DesignationViewCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        view = services.designation_view_record(
            location=location, actor=request.user, **payload.validated_data
        )
        return Response(
            DesignationViewSerializer(view).data, status=status.HTTP_201_CREATED
        )
