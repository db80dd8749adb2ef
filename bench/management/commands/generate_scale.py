"""`manage.py generate_scale`: a portfolio at production scale for benchmarks.

Builds, with bulk inserts, a programme with `--locations` locations in every stage,
their organisations (the ministry, provinces, municipalities, market parties) with
their groups, the users who work there (case managers, ministry officials, viewers,
signatories and members), parties, bottlenecks, escalations and designations, and
agreements with versions in every state (draft, in approval, rejected, concluded),
their commitments and approvals. Every submitted version has its approval round as a
viewflow process of `ApprovalRoundFlow` with the rows the running flow writes: start,
fan-out, one `approve` task per party (with its two deadline timers), the join, the
outcome and, after a rejection, the case manager's `revise` task. `--tasks` is the
number of human tasks (approvals and revisions) to reach, open and finished.

Object permissions are granted exactly as the services grant them
(`permissions.services.organisation_grant_own_permissions`,
`casework.services.party_add`): to the organisation's groups, in guardian's generic
table, written in bulk. Transition audit events go through `casework.services.
audit_record` so that the audit trail stays what the application writes.

Deterministic: the same `--seed` and sizes give the same portfolio (names, stages,
decisions, dates relative to now). Not for production databases: the command belongs
to the bench-only app (`bench`, installed by the test and bench settings), and a
concluded version is hashed by the application's own function
(`casework.services.canonical_content`).
"""

from __future__ import annotations

import datetime
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from guardian.models import GroupObjectPermission
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

from casework.calendar import add_working_days
from casework.constants import (
    AgreementKind,
    AuditAction,
    BottleneckCategory,
    BottleneckStatus,
    CommitmentStatus,
    ConsultationOutcome,
    Decision,
    Instrument,
    LocationPerm,
    PartyRole,
    Province,
    Stage,
    TransitionName,
    VersionStatus,
)
from casework.models import (
    Agreement,
    AgreementVersion,
    Approval,
    Bottleneck,
    Commitment,
    Deadline,
    DeadlineEvent,
    Designation,
    Escalation,
    Location,
    Party,
    Programme,
)
from casework.roles import PARTY_PERMISSIONS, ensure_roles
from casework.services import audit_record, canonical_content, content_hash
from permissions.constants import (
    MembershipRole,
    OrganisationKind,
    OrganisationPerm,
    Role,
)
from permissions.models import Membership, Organisation
from permissions.services import role_group
from workflows import deadlines
from workflows.flows import ApprovalRoundFlow

User = get_user_model()

BATCH = 2000

# Share of the locations in each stage (the rest goes to `negotiation`).
STAGE_SHARES = [
    (Stage.PROPOSED, 0.08),
    (Stage.SELECTED, 0.08),
    (Stage.BOTTLENECK_ANALYSIS, 0.14),
    (Stage.HEADS_OF_AGREEMENT, 0.16),
    (Stage.ADMINISTRATIVE_AGREEMENT, 0.10),
    (Stage.ESCALATED, 0.05),
    (Stage.DESIGNATION_PROCEDURE, 0.03),
    (Stage.DESIGNATED, 0.02),
    (Stage.WITHDRAWN, 0.04),
]

# The transitions that brought a location to its stage (audit trail).
PATH = {
    Stage.PROPOSED: [],
    Stage.SELECTED: [TransitionName.SELECT],
    Stage.BOTTLENECK_ANALYSIS: [TransitionName.SELECT, TransitionName.START_ANALYSIS],
    Stage.NEGOTIATION: [
        TransitionName.SELECT,
        TransitionName.START_ANALYSIS,
        TransitionName.START_NEGOTIATION,
    ],
}
PATH[Stage.HEADS_OF_AGREEMENT] = [
    *PATH[Stage.NEGOTIATION],
    TransitionName.CONCLUDE_HEADS_OF_AGREEMENT,
]
PATH[Stage.ADMINISTRATIVE_AGREEMENT] = [
    *PATH[Stage.HEADS_OF_AGREEMENT],
    TransitionName.CONCLUDE_ADMINISTRATIVE_AGREEMENT,
]
PATH[Stage.ESCALATED] = [*PATH[Stage.NEGOTIATION], TransitionName.ESCALATE]
PATH[Stage.DESIGNATION_PROCEDURE] = [
    *PATH[Stage.ESCALATED],
    TransitionName.START_DESIGNATION,
]
PATH[Stage.DESIGNATED] = [*PATH[Stage.DESIGNATION_PROCEDURE], TransitionName.DESIGNATE]
PATH[Stage.WITHDRAWN] = [TransitionName.WITHDRAW]

# Stages at which a location has (had) agreement rounds, and of which kind.
ROUND_STAGES = {
    Stage.NEGOTIATION,
    Stage.HEADS_OF_AGREEMENT,
    Stage.ADMINISTRATIVE_AGREEMENT,
    Stage.ESCALATED,
    Stage.DESIGNATION_PROCEDURE,
    Stage.DESIGNATED,
    Stage.WITHDRAWN,
}
MARKET_KINDS = [
    (OrganisationKind.DEVELOPER, PartyRole.DEVELOPER, "Ontwikkelaar"),
    (
        OrganisationKind.HOUSING_CORPORATION,
        PartyRole.HOUSING_CORPORATION,
        "Woningcorporatie",
    ),
    (OrganisationKind.INVESTOR, PartyRole.INVESTOR, "Belegger"),
]
CRITERIA = {
    "land_positions": "Gemeente en marktpartijen bezitten samen de meeste grond.",
    "planning_status": "Omgevingsplan in voorbereiding.",
    "market_involvement": "Ontwikkelaar en corporatie aan tafel.",
    "financial_prospect": "Tekort in beeld; bijdrage Woningbouwimpuls aangevraagd.",
}


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.started = time.perf_counter()

    def step(self, label: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        width = 30
        filled = int(width * done / max(total, 1))
        elapsed = time.perf_counter() - self.started
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
            f"{label:<38} {elapsed:6.1f}s"
        )
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


@dataclass
class Org:
    obj: Organisation
    signatories: list = field(default_factory=list)
    members: list = field(default_factory=list)


@dataclass
class RoundPlan:
    """One submitted version and how its round went."""

    version: AgreementVersion
    outcome: str  # "concluded", "rejected", "open", "ended"
    submitted_at: datetime.datetime
    parties: list  # Party objects, in the order of the fan-out
    decided: int = 0  # for open rounds: how many parties decided already
    rejecting: int = 0  # for rejected rounds: index of the rejecting party
    revised: bool = True  # for rejected rounds: a later version was submitted
    process: Process | None = None
    # Written by the generator: the decision that ended the round, and the tasks
    # after it (the revision, the end).
    decider: object = None
    tail: list = field(default_factory=list)


@dataclass
class TaskRow:
    """A viewflow task row before it is written (see `Generator.insert_tasks`)."""

    process_id: int
    flow_task: object
    flow_task_type: str
    status: str
    created: datetime.datetime
    started: datetime.datetime | None
    finished: datetime.datetime | None
    token: str
    owner_id: int | None
    data: dict
    scheduled: datetime.datetime | None = None
    owner_permission: str | None = None
    owner_permission_content_type_id: int | None = None
    owner_permission_obj_pk: str | None = None
    pk: int | None = None
    _timers: list = field(default_factory=list)


TASK_COLUMNS = [
    "flow_task",
    "flow_task_type",
    "status",
    "created",
    "started",
    "finished",
    "scheduled",
    "token",
    "owner_id",
    "owner_permission",
    "owner_permission_content_type_id",
    "owner_permission_obj_pk",
    "process_id",
    "data",
]


def insert_rows(model, columns: list[str], rows: list[tuple], *, returning=False):
    """INSERT many rows per statement; with `returning`, the new ids in row order."""
    quote = connection.ops.quote_name
    head = (
        f"INSERT INTO {quote(model._meta.db_table)} "
        f"({', '.join(quote(c) for c in columns)}) VALUES "
    )
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    ids: list[int] = []
    # SQLite takes ~1,000 parameters per statement in old builds; PostgreSQL 65,535.
    limit = 30_000 if connection.vendor == "postgresql" else 900
    per_statement = max(1, limit // len(columns))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            sql = head + ", ".join([one] * len(chunk))
            if returning:
                sql += f" RETURNING {quote('id')}"
            cursor.execute(sql, [value for row in chunk for value in row])
            if returning:
                ids.extend(row[0] for row in cursor.fetchall())
    return ids


def bulk(model, objects: list, **kwargs) -> list:
    return model.objects.bulk_create(objects, batch_size=BATCH, **kwargs)


class Generator:
    def __init__(self, *, locations, tasks, users, seed, progress: Progress):
        self.n_locations = locations
        self.n_tasks = tasks
        self.n_users = users
        self.seed = seed
        self.rng = random.Random(seed)
        self.progress = progress
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.password = make_password(settings.DEMO_PASSWORD)
        self.flow = ApprovalRoundFlow.instance
        self.working_days: dict[tuple[datetime.date, int], datetime.date] = {}
        self.org_ct = ContentType.objects.get_for_model(Organisation)
        self.location_ct = ContentType.objects.get_for_model(Location)
        self.version_ct = ContentType.objects.get_for_model(AgreementVersion)
        self.counts: dict[str, int] = {}
        self.timings: dict[str, float] = {}

    # --- helpers -------------------------------------------------------------------

    def add_working_days(self, day: datetime.date, days: int) -> datetime.date:
        key = (day, days)
        if key not in self.working_days:
            self.working_days[key] = add_working_days(day, days)
        return self.working_days[key]

    def days_ago(self, low: int, high: int) -> datetime.datetime:
        return self.now - datetime.timedelta(
            days=self.rng.randint(low, high), minutes=self.rng.randint(0, 600)
        )

    def perm(self, perm: str) -> Permission:
        app_label, codename = perm.split(".", 1)
        return Permission.objects.get(
            content_type__app_label=app_label, codename=codename
        )

    # --- the run -------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        ensure_roles()
        prefix = f"schaal-{self.seed}"
        if Programme.objects.filter(slug=prefix).exists():
            raise CommandError(
                f"Programma ‘{prefix}’ bestaat al: kies een andere --seed of een lege "
                "database."
            )
        self.prefix = prefix
        steps = [
            ("programma en organisaties", self.organisations),
            ("gebruikers en lidmaatschappen", self.people),
            ("locaties", self.locations),
            ("partijen en objectrechten", self.parties),
            ("knelpunten, escalaties, aanwijzingen", self.agenda),
            ("overeenkomsten en versies", self.agreements),
            ("afspraken en besluiten", self.contents),
            ("goedkeuringsrondes (viewflow)", self.rounds),
            ("audittrail", self.audit),
        ]
        for index, (label, step) in enumerate(steps):
            self.progress.step(label, index, len(steps))
            started = time.perf_counter()
            step()
            self.timings[label] = round(time.perf_counter() - started, 1)
        self.progress.step("klaar", len(steps), len(steps))
        return self.counts

    def organisations(self) -> None:
        self.programme = Programme.objects.create(
            name=f"Schaalproef {self.seed} ({self.n_locations} locaties)",
            slug=self.prefix,
            description="Gegenereerd door manage.py generate_scale.",
        )
        role_users = self.role_user_counts()
        budget = max(self.n_users - sum(role_users.values()), 3)
        n_orgs = max(3, int(budget * 0.8))
        provinces = list(Province)[: min(12, max(1, n_orgs // 10))]
        n_municipalities = max(1, int((n_orgs - 1 - len(provinces)) * 0.55))
        n_market = max(1, n_orgs - 1 - len(provinces) - n_municipalities)
        specs: list[tuple[str, str, str, str]] = [
            (f"{self.prefix}-ministerie", f"Ministerie ({self.prefix})", "ministry", "")
        ]
        specs += [
            (
                f"{self.prefix}-provincie-{i}",
                f"Provincie {province.label} ({self.prefix})",
                OrganisationKind.PROVINCE,
                province.value,
            )
            for i, province in enumerate(provinces)
        ]
        specs += [
            (
                f"{self.prefix}-gemeente-{i:03d}",
                f"Gemeente {i:03d} ({self.prefix})",
                OrganisationKind.MUNICIPALITY,
                provinces[i % len(provinces)].value,
            )
            for i in range(n_municipalities)
        ]
        for i in range(n_market):
            kind, _role, label = MARKET_KINDS[i % len(MARKET_KINDS)]
            specs.append(
                (
                    f"{self.prefix}-markt-{i:03d}",
                    f"{label} {i:03d} ({self.prefix})",
                    kind,
                    "",
                )
            )
        groups = bulk(
            Group,
            [
                Group(name=f"org:{slug}:{suffix}")
                for slug, *_rest in specs
                for suffix in ("members", "signatories")
            ],
        )
        organisations = bulk(
            Organisation,
            [
                Organisation(
                    slug=slug,
                    name=name,
                    kind=kind,
                    is_demo=True,
                    members_group=groups[2 * i],
                    signatories_group=groups[2 * i + 1],
                )
                for i, (slug, name, kind, _province) in enumerate(specs)
            ],
        )
        # As organisation_grant_own_permissions: signatories sign, members act.
        sign, act = self.perm(OrganisationPerm.SIGN), self.perm(OrganisationPerm.ACT)
        bulk(
            GroupObjectPermission,
            [
                GroupObjectPermission(
                    group=group,
                    permission=perm,
                    content_type=self.org_ct,
                    object_pk=str(o.pk),
                )
                for o in organisations
                for group, perm in (
                    (o.signatories_group, sign),
                    (o.members_group, act),
                )
            ],
        )
        self.orgs = [Org(obj=o) for o in organisations]
        self.ministry = self.orgs[0]
        self.provinces = {
            spec[3]: org
            for spec, org in zip(specs, self.orgs, strict=True)
            if spec[2] == OrganisationKind.PROVINCE
        }
        self.municipalities_by_province: dict[str, list[Org]] = defaultdict(list)
        for spec, org in zip(specs, self.orgs, strict=True):
            if spec[2] == OrganisationKind.MUNICIPALITY:
                self.municipalities_by_province[spec[3]].append(org)
        self.market = [
            org
            for org in self.orgs
            if org.obj.kind not in ("ministry", "province", "municipality")
        ]
        self.counts["organisations"] = len(organisations)

    def role_user_counts(self) -> dict[Role, int]:
        return {
            Role.CASE_MANAGER: max(1, self.n_users // 60),
            Role.MINISTRY: max(1, self.n_users // 120),
            Role.VIEWER: max(1, self.n_users // 150),
        }

    def people(self) -> None:
        users: list = []
        roles: list[tuple[int, Role]] = []
        for role, count in self.role_user_counts().items():
            for i in range(count):
                roles.append((len(users), role))
                users.append(
                    self.user(f"{self.prefix}-{role.value.replace('_', '-')}-{i}")
                )
        # Every organisation gets one signatory; the rest of the people become second
        # signatories of the ministry and the provinces (their tasks wait in a queue)
        # and members of the organisations with the most locations.
        memberships: list[tuple[int, Org, str]] = []
        for org in self.orgs:
            if len(users) >= self.n_users:
                break
            memberships.append((len(users), org, MembershipRole.SIGNATORY))
            users.append(self.user(f"{org.obj.slug}-teken"))
        extra_signing = [self.ministry, self.ministry, *self.provinces.values()]
        i = 0
        while len(users) < self.n_users:
            if i < len(extra_signing):
                org, role = extra_signing[i], MembershipRole.SIGNATORY
            else:
                org = self.orgs[(i - len(extra_signing)) % len(self.orgs)]
                role = MembershipRole.MEMBER
            memberships.append((len(users), org, role))
            users.append(self.user(f"{org.obj.slug}-{role}-{i}"))
            i += 1
        users = bulk(User, users)
        through = User.groups.through
        links = [
            through(user_id=users[index].pk, group_id=role_group(role).pk)
            for index, role in roles
        ]
        rows = []
        for index, org, role in memberships:
            user = users[index]
            rows.append(Membership(user=user, organisation=org.obj, role=role))
            links.append(through(user_id=user.pk, group_id=org.obj.members_group_id))
            if role == MembershipRole.SIGNATORY:
                links.append(
                    through(user_id=user.pk, group_id=org.obj.signatories_group_id)
                )
                org.signatories.append(user)
            else:
                org.members.append(user)
        bulk(Membership, rows)
        bulk(through, links)
        self.case_managers = [
            users[i] for i, role in roles if role == Role.CASE_MANAGER
        ]
        self.ministry_officials = [
            users[i] for i, role in roles if role == Role.MINISTRY
        ]
        self.counts["users"] = len(users)

    def user(self, username: str):
        return User(
            username=username[:150],
            email=f"{username[:60]}@example.org",
            first_name=username.split("-")[-2].capitalize() if "-" in username else "",
            last_name="Schaal",
            password=self.password,
        )

    def locations(self) -> None:
        stages: list[str] = []
        for stage, share in STAGE_SHARES:
            stages += [stage] * round(self.n_locations * share)
        stages = stages[: self.n_locations]
        stages += [Stage.NEGOTIATION] * (self.n_locations - len(stages))
        self.rng.shuffle(stages)
        provinces = list(self.provinces)
        rows = []
        for i, stage in enumerate(stages):
            province = provinces[i % len(provinces)]
            municipalities = self.municipalities_by_province.get(province) or [
                org for orgs in self.municipalities_by_province.values() for org in orgs
            ]
            municipality = municipalities[self.rng.randrange(len(municipalities))]
            criteria = CRITERIA if stage != Stage.PROPOSED else {}
            rows.append(
                Location(
                    programme=self.programme,
                    name=f"Locatie {i:04d} ({self.prefix})",
                    slug=f"locatie-{i:04d}",
                    municipality=municipality.obj.name,
                    province=province,
                    planned_homes=(
                        self.rng.randrange(200, 12_000, 50)
                        if self.rng.random() > 0.1
                        else None
                    ),
                    share_social_rent=self.rng.choice([None, 20, 30, 35]),
                    share_mid_rent=self.rng.choice([None, 30, 40, 45]),
                    stage=stage,
                    stage_changed_at=self.days_ago(1, 300),
                    **criteria,
                )
            )
            rows[-1]._municipality_org = municipality
        self.location_rows = bulk(Location, rows)
        for location, row in zip(self.location_rows, rows, strict=True):
            location._municipality_org = row._municipality_org
        self.counts["locations"] = len(rows)

    def parties(self) -> None:
        rows = []
        for location in self.location_rows:
            orgs = [
                (self.ministry, PartyRole.COMMISSIONER),
                (self.provinces[location.province], PartyRole.PROVINCE),
                (location._municipality_org, PartyRole.MUNICIPALITY),
            ]
            taken = {id(org) for org, _role in orgs}
            for _ in range(self.rng.randint(1, 3)):
                org = self.market[self.rng.randrange(len(self.market))]
                if id(org) in taken:
                    continue
                taken.add(id(org))
                role = next(r for k, r, _l in MARKET_KINDS if k == org.obj.kind)
                orgs.append((org, role))
            for org, role in orgs:
                party = Party(
                    location=location,
                    organisation=org.obj,
                    role=role,
                    joined_at=location.stage_changed_at - datetime.timedelta(days=200),
                )
                party._org = org
                rows.append(party)
        created = bulk(Party, rows)
        self.parties_of: dict[int, list[Party]] = defaultdict(list)
        for party, row in zip(created, rows, strict=True):
            party._org = row._org
            self.parties_of[party.location_id].append(party)
        for parties in self.parties_of.values():
            parties.sort(key=lambda p: p.organisation.name)
        # As party_add: the organisation's members may see the location and contribute.
        perms = [self.perm(p) for p in PARTY_PERMISSIONS]
        bulk(
            GroupObjectPermission,
            [
                GroupObjectPermission(
                    group_id=party.organisation.members_group_id,
                    permission=perm,
                    content_type=self.location_ct,
                    object_pk=str(party.location_id),
                )
                for party in created
                for perm in perms
            ],
        )
        self.counts["parties"] = len(created)

    def agenda(self) -> None:
        categories = list(BottleneckCategory.values)
        bottlenecks, escalations = [], []
        for location in self.location_rows:
            if location.stage in (Stage.PROPOSED, Stage.SELECTED):
                continue
            parties = self.parties_of[location.pk]
            for n in range(self.rng.randint(1, 4)):
                bottlenecks.append(  # noqa: PERF401 - readable as a loop
                    Bottleneck(
                        location=location,
                        category=categories[self.rng.randrange(len(categories))],
                        description=f"Knelpunt {n + 1} van {location.name}.",
                        owner=parties[self.rng.randrange(len(parties))],
                        status=self.rng.choice(list(BottleneckStatus.values)),
                        deadline=self.today
                        + datetime.timedelta(days=self.rng.randint(-60, 200)),
                        created_by=self.case_managers[0],
                        created_at=location.stage_changed_at
                        - datetime.timedelta(days=60),
                    )
                )
            if location.stage in (
                Stage.ESCALATED,
                Stage.DESIGNATION_PROCEDURE,
                Stage.DESIGNATED,
            ):
                escalated = location.stage == Stage.ESCALATED
                escalations.append(
                    Escalation(
                        location=location,
                        opened_at=location.stage_changed_at
                        - datetime.timedelta(days=0 if escalated else 60),
                        opened_by=self.ministry_officials[0],
                        reason="De onderhandeling zit vast: twee rondes afgewezen.",
                        consultation_held_on=None
                        if escalated
                        else location.stage_changed_at.date(),
                        consultation_participants=""
                        if escalated
                        else "Minister, gedeputeerde, wethouder.",
                        consultation_outcome=""
                        if escalated
                        else ConsultationOutcome.DEADLOCK_REMAINS,
                        closed_at=location.stage_changed_at
                        if location.stage == Stage.DESIGNATED
                        else None,
                    )
                )
        bulk(Bottleneck, bottlenecks)
        escalations = bulk(Escalation, escalations)
        by_location = {location.pk: location for location in self.location_rows}
        designations = [
            Designation(
                location_id=e.location_id,
                escalation=e,
                instrument=self.rng.choice(list(Instrument.values)),
                legal_basis="Artikel 5.44 Omgevingswet.",
                national_interest="Versnelling van de woningbouw in de regio.",
                started_at=e.opened_at + datetime.timedelta(days=30),
                consultation_starts_on=(
                    e.opened_at + datetime.timedelta(days=31)
                ).date(),
                consultation_ends_on=(e.opened_at + datetime.timedelta(days=72)).date(),
                decision_sha256="a" * 64
                if by_location[e.location_id].stage == Stage.DESIGNATED
                else "",
                closed_at=e.closed_at,
            )
            for e in escalations
            if by_location[e.location_id].stage != Stage.ESCALATED
        ]
        bulk(Designation, designations)
        self.counts["bottlenecks"] = len(bottlenecks)
        self.counts["escalations"] = len(escalations)

    # --- agreements -----------------------------------------------------------------

    def agreement_history(self, location) -> list[tuple[str, list[str]]]:
        """Per agreement kind the outcomes of its versions, oldest first: "rejected",
        "concluded", "open" (in approval) or "draft"."""
        stage, rng = location.stage, self.rng
        hoa, aa = (
            AgreementKind.HEADS_OF_AGREEMENT,
            AgreementKind.ADMINISTRATIVE_AGREEMENT,
        )
        rejected = ["rejected"] * rng.choice([0, 0, 1, 1, 2])
        if stage == Stage.NEGOTIATION:
            last = rng.choices(["open", "draft", None], weights=[6, 2, 2])[0]
            return [(hoa, rejected + ([last] if last else []))]
        if stage == Stage.HEADS_OF_AGREEMENT:
            last = rng.choices(["open", "draft", None], weights=[5, 2, 3])[0]
            return [
                (hoa, [*rejected, "concluded"]),
                (aa, ["rejected"] * rng.choice([0, 1]) + ([last] if last else [])),
            ]
        if stage == Stage.ADMINISTRATIVE_AGREEMENT:
            return [
                (hoa, [*rejected, "concluded"]),
                (aa, ["rejected"] * rng.choice([0, 0, 1]) + ["concluded"]),
            ]
        if stage in (Stage.ESCALATED, Stage.DESIGNATION_PROCEDURE, Stage.DESIGNATED):
            # Escalated after two rejected rounds in a row.
            return [(hoa, ["rejected", "rejected"])]
        if stage == Stage.WITHDRAWN:
            # Withdrawn while a round ran: the round was stopped ("ended").
            return [(hoa, [*rejected, "ended"])]
        return []

    def agreements(self) -> None:
        histories = {
            location.pk: self.agreement_history(location)
            for location in self.location_rows
            if location.stage in ROUND_STAGES
        }

        # Reach the wanted number of human tasks with more rejected rounds (each is
        # one task per party plus the case manager's revision).
        def human_tasks() -> int:
            total = 0
            for location_id, history in histories.items():
                parties = len(self.parties_of[location_id])
                for _kind, outcomes in history:
                    for outcome in outcomes:
                        if outcome in ("rejected", "concluded", "open", "ended"):
                            total += parties + (outcome == "rejected")
            return total

        total = human_tasks()
        eligible = sorted(
            location_id for location_id, history in histories.items() if history
        )
        cursor = 0
        while eligible and total < self.n_tasks:
            location_id = eligible[cursor % len(eligible)]
            kind, outcomes = histories[location_id][-1]
            outcomes.insert(0, "rejected")
            total += len(self.parties_of[location_id]) + 1
            cursor += 1
        self.histories = histories

        by_location = {location.pk: location for location in self.location_rows}
        agreements = []
        for location_id, history in histories.items():
            for kind, outcomes in history:
                if outcomes:
                    agreements.append(
                        Agreement(
                            location_id=location_id,
                            kind=kind,
                            title=f"{AgreementKind(kind).label} "
                            f"{by_location[location_id].name}",
                            created_by=self.case_managers[
                                location_id % len(self.case_managers)
                            ],
                        )
                    )
                    agreements[-1]._outcomes = outcomes
        created = bulk(Agreement, agreements)
        versions: list[AgreementVersion] = []
        for agreement, row in zip(created, agreements, strict=True):
            agreement.location = by_location[agreement.location_id]
            outcomes = row._outcomes
            location = agreement.location
            # The last version is recent for open rounds and drafts; a concluded one
            # concluded when the location reached the stage it concluded into.
            anchor = location.stage_changed_at
            if agreement.kind == AgreementKind.HEADS_OF_AGREEMENT and (
                location.stage == Stage.ADMINISTRATIVE_AGREEMENT
            ):
                anchor -= datetime.timedelta(days=120)
            for number, outcome in enumerate(outcomes, start=1):
                back = len(outcomes) - number
                if outcome in ("open", "draft"):
                    submitted = self.days_ago(1, 25)
                else:
                    submitted = anchor - datetime.timedelta(days=30 * back + 14)
                version = AgreementVersion(
                    agreement=agreement,
                    number=number,
                    text=f"Partijen versnellen samen de woningbouw op {location.name}"
                    f" (versie {number}).",
                    # Concluded versions are written as in approval first: the freeze
                    # trigger refuses commitments and approvals of a concluded one.
                    status=VersionStatus.DRAFT
                    if outcome == "draft"
                    else VersionStatus.IN_APPROVAL,
                    created_at=submitted - datetime.timedelta(days=3),
                    submitted_at=None if outcome == "draft" else submitted,
                    approval_due_on=None
                    if outcome == "draft"
                    else self.add_working_days(
                        timezone.localtime(submitted).date(),
                        self.programme.approval_working_days,
                    ),
                )
                version._outcome = outcome
                versions.append(version)
        created_versions = bulk(AgreementVersion, versions)
        for version, row in zip(created_versions, versions, strict=True):
            version._outcome = row._outcome
        self.versions = created_versions
        self.counts["agreements"] = len(created)
        self.counts["versions"] = len(created_versions)

    def contents(self) -> None:
        commitments = []
        for version in self.versions:
            parties = self.parties_of[version.agreement.location_id]
            concluded = version._outcome == "concluded"
            for i, party in enumerate(parties):
                due = timezone.localtime(
                    version.created_at
                ).date() + datetime.timedelta(days=180 + 30 * i)
                status = CommitmentStatus.OPEN
                if concluded:
                    status = (
                        CommitmentStatus.DONE
                        if due < self.today and self.rng.random() < 0.7
                        else CommitmentStatus.OVERDUE
                        if due < self.today
                        else CommitmentStatus.OPEN
                    )
                commitment = Commitment(
                    version=version,
                    owner=party,
                    description=f"{party.organisation.name} levert bijdrage {i + 1}.",
                    due_date=due,
                    status=status,
                )
                commitments.append(commitment)
        commitments = bulk(Commitment, commitments)
        by_version: dict[int, list[Commitment]] = defaultdict(list)
        for commitment in commitments:
            by_version[commitment.version_id].append(commitment)
        # The last commitment waits for the first; now and then two wait on each
        # other (a cycle impasse detection names).
        through = Commitment.depends_on.through
        links = []
        for items in by_version.values():
            if len(items) > 1:
                links.append(
                    through(
                        from_commitment_id=items[-1].pk, to_commitment_id=items[0].pk
                    )
                )
                if self.rng.random() < 0.03:
                    links.append(
                        through(
                            from_commitment_id=items[0].pk,
                            to_commitment_id=items[-1].pk,
                        )
                    )
        bulk(through, links)
        depends: dict[int, list[int]] = defaultdict(list)
        for link in links:
            depends[link.from_commitment_id].append(link.to_commitment_id)
        self.commitments_of = by_version
        self.depends = depends
        self.counts["commitments"] = len(commitments)

        # The rounds: who decided what.
        last_submitted: dict[int, int] = defaultdict(int)
        for version in self.versions:
            if version._outcome != "draft":
                last_submitted[version.agreement_id] = max(
                    last_submitted[version.agreement_id], version.number
                )
        self.plans: list[RoundPlan] = []
        approvals = []
        for version in self.versions:
            if version._outcome == "draft":
                continue
            parties = self.parties_of[version.agreement.location_id]
            plan = RoundPlan(
                version=version,
                outcome=version._outcome,
                submitted_at=version.submitted_at,
                parties=parties,
            )
            if plan.outcome == "concluded":
                deciding = [(p, Decision.APPROVE) for p in parties]
            elif plan.outcome == "rejected":
                plan.rejecting = self.rng.randrange(len(parties))
                # Those before the rejecting party approved; the rest never decided.
                deciding = [(p, Decision.APPROVE) for p in parties[: plan.rejecting]]
                deciding.append((parties[plan.rejecting], Decision.REJECT))
                # Revised when a later version of the agreement was submitted.
                plan.revised = last_submitted[version.agreement_id] > version.number
            else:  # open, or ended (stopped with the decisions still open lapsed)
                plan.decided = self.rng.randrange(len(parties))
                deciding = [(p, Decision.APPROVE) for p in parties[: plan.decided]]
            for index, (party, decision) in enumerate(deciding):
                signatory = (
                    party._org.signatories[0] if party._org.signatories else None
                )
                if signatory is None:
                    raise CommandError(
                        "Te weinig gebruikers: elke partij heeft een ondertekenaar "
                        "nodig (verhoog --users)."
                    )
                approvals.append(
                    Approval(
                        version=version,
                        organisation_id=party.organisation_id,
                        decision=decision,
                        comment="Fasering en financiering ontbreken."
                        if decision == Decision.REJECT
                        else "",
                        decided_by=signatory,
                        decided_at=plan.submitted_at
                        + datetime.timedelta(hours=6 * (index + 1)),
                    )
                )
            self.plans.append(plan)
        bulk(Approval, approvals)
        self.counts["approvals"] = len(approvals)

        # Concluded versions: frozen, with the hash of their canonical content.
        concluded = [v for v in self.versions if v._outcome == "concluded"]
        for version in concluded:
            version.sha256 = content_hash(self.canonical(version))
            version.status = VersionStatus.CONCLUDED
            version.concluded_at = version.submitted_at + datetime.timedelta(days=5)
        AgreementVersion.objects.bulk_update(
            concluded, ["sha256", "status", "concluded_at"], batch_size=BATCH
        )
        rejected = [v for v in self.versions if v._outcome == "rejected"]
        for version in rejected:
            version.status = VersionStatus.REJECTED
        AgreementVersion.objects.bulk_update(rejected, ["status"], batch_size=BATCH)
        ended = [v for v in self.versions if v._outcome == "ended"]
        for version in ended:
            version.status = VersionStatus.ENDED
        AgreementVersion.objects.bulk_update(ended, ["status"], batch_size=BATCH)

    def canonical(self, version: AgreementVersion) -> bytes:
        """The version's canonical content (`casework.services.canonical_content`,
        the application's own), from what is in memory."""
        agreement = version.agreement
        return canonical_content(
            location_id=agreement.location_id,
            kind=agreement.kind,
            title=agreement.title,
            number=version.number,
            text=version.text,
            commitments=[
                {
                    "id": c.pk,
                    "owner": c.owner.organisation.slug,
                    "description": c.description,
                    "due_date": c.due_date,
                    "depends_on": self.depends.get(c.pk, []),
                }
                for c in self.commitments_of[version.pk]
            ],
        )

    # --- viewflow rows ------------------------------------------------------------

    def rounds(self) -> None:
        flow = self.flow
        sign = OrganisationPerm.SIGN
        processes = []
        for plan in self.plans:
            version = plan.version
            location_id = version.agreement.location_id
            submitter = self.case_managers[location_id % len(self.case_managers)]
            plan.submitter = submitter
            finished = plan.outcome == "concluded" or (
                plan.outcome == "rejected" and plan.revised
            )
            plan.finished_at = plan.submitted_at + datetime.timedelta(days=5)
            ended = plan.outcome == "ended"
            processes.append(
                Process(
                    flow_class=ApprovalRoundFlow,
                    status=PROCESS.DONE
                    if finished
                    else PROCESS.CANCELED
                    if ended
                    else PROCESS.NEW,
                    created=plan.submitted_at,
                    finished=plan.finished_at if finished or ended else None,
                    data={
                        "version": version.pk,
                        "location": location_id,
                        "submitted_by": submitter.pk,
                    },
                    artifact_content_type=self.version_ct,
                    artifact_object_id=version.pk,
                )
            )
        processes = bulk(Process, processes)
        for plan, process in zip(self.plans, processes, strict=True):
            plan.process = process

        # 1. start and fan-out (the fan-out's id is in every approval task's token)
        heads = []
        for plan in self.plans:
            at = plan.submitted_at
            heads.append(
                self.task(
                    plan, flow.start, "START", STATUS.DONE, at, "start", finished=at
                )
            )
            heads.append(
                self.task(
                    plan,
                    flow.fan_out,
                    "PARALLEL_GATEWAY",
                    STATUS.DONE,
                    at,
                    "start",
                    finished=at,
                    started=None,
                )
            )
        self.insert_tasks(heads)
        previous: list[tuple[Task, Task]] = []
        for i, plan in enumerate(self.plans):
            plan.start_task, plan.fan_out_task = heads[2 * i], heads[2 * i + 1]
            previous.append((plan.fan_out_task, plan.start_task))

        # 2. one approval task per party, each with its deadline on the clock
        approvals, deadline_events = [], []
        for plan in self.plans:
            version = plan.version
            due = version.approval_due_on
            reminder_days = self.programme.reminder_working_days
            reminder_at = deadlines.reminder_moment(due, reminder_days)
            overdue_at = deadlines.overdue_moment(due)
            plan.approve_tasks = []
            for index, party in enumerate(plan.parties):
                org = party._org
                token = f"start/{plan.fan_out_task.pk}_{index + 1}"
                created = plan.submitted_at
                data = {"organisation": party.organisation_id, "due": due.isoformat()}
                decided_at = plan.submitted_at + datetime.timedelta(
                    hours=6 * (index + 1)
                )
                if (
                    plan.outcome == "concluded"
                    or (plan.outcome == "rejected" and index < plan.rejecting)
                    or (plan.outcome in ("open", "ended") and index < plan.decided)
                ):
                    status, decision = STATUS.DONE, Decision.APPROVE
                elif plan.outcome == "rejected" and index == plan.rejecting:
                    status, decision = STATUS.DONE, Decision.REJECT
                elif plan.outcome in ("rejected", "ended"):
                    status, decision = STATUS.CANCELED, None
                else:
                    status, decision = None, None  # open
                owner = org.signatories[0] if len(org.signatories) == 1 else None
                if status is None:
                    status = STATUS.ASSIGNED if owner else STATUS.NEW
                elif status == STATUS.DONE:
                    owner = org.signatories[0]
                elif status == STATUS.CANCELED:
                    decided_at = plan.finished_at
                if decision:
                    data["decision"] = decision
                is_open = status in (STATUS.NEW, STATUS.ASSIGNED)
                if is_open and overdue_at <= self.now:
                    data["overdue"] = True
                task = self.task(
                    plan,
                    flow.approve,
                    "HUMAN",
                    status,
                    created,
                    token,
                    started=None if is_open else decided_at,
                    finished=None if is_open else decided_at,
                    owner=owner,
                    data=data,
                )
                task.owner_permission = sign
                task.owner_permission_content_type_id = self.org_ct.pk
                task.owner_permission_obj_pk = str(party.organisation_id)
                task._deadline = (reminder_at, overdue_at, is_open, decided_at, party)
                if is_open:
                    for event, moment in (
                        ("reminder", reminder_at),
                        ("overdue", overdue_at),
                    ):
                        if moment <= self.now:
                            deadline_events.append((task, event, party, plan))
                plan.approve_tasks.append(task)
                approvals.append(task)
        self.insert_tasks(approvals)
        Deadline.objects.bulk_create(
            [
                Deadline(
                    location_id=plan.version.agreement.location_id,
                    kind="approval",
                    reference=deadlines.task_reference(task),
                    organisation_id=party.organisation_id,
                    task_id=task.pk,
                    title=plan.version.agreement.title[:200],
                    description=self.approval_description(plan, party),
                    due_on=plan.version.approval_due_on,
                    reminder_working_days=self.programme.reminder_working_days,
                    remind_at=reminder_at,
                    overdue_at=overdue_at,
                    reminder_sent_at=reminder_at
                    if is_open and reminder_at <= self.now
                    else None,
                    overdue_marked_at=overdue_at
                    if is_open and overdue_at <= self.now
                    else None,
                    resolved_at=None if is_open else decided_at,
                    created_at=task.created,
                )
                for plan in self.plans
                for task in plan.approve_tasks
                for reminder_at, overdue_at, is_open, decided_at, party in [
                    task._deadline
                ]
            ],
            batch_size=BATCH,
        )
        for plan in self.plans:
            previous.extend((task, plan.fan_out_task) for task in plan.approve_tasks)

        # 3. the revision, the end: the decision that ended the round goes on to
        # them itself (workflows.nodes.RoundDecision); an open round has neither.
        tails = []
        for plan in self.plans:
            decided = [t for t in plan.approve_tasks if t.status == STATUS.DONE]
            plan.tail = []
            if plan.outcome in ("open", "ended"):
                continue
            at = plan.finished_at
            plan.decider = max(decided, key=lambda t: t.finished)
            last = None
            if plan.outcome != "concluded":
                last = self.task(
                    plan,
                    flow.revise,
                    "HUMAN",
                    STATUS.DONE if plan.revised else STATUS.ASSIGNED,
                    at,
                    "start",
                    started=at if plan.revised else None,
                    finished=at + datetime.timedelta(days=20) if plan.revised else None,
                    owner=plan.submitter,
                    data={},
                )
                last.owner_permission = LocationPerm.MANAGE
                last.owner_permission_content_type_id = self.location_ct.pk
                last.owner_permission_obj_pk = str(plan.version.agreement.location_id)
            if last is not None:
                plan.tail.append(last)
            if plan.outcome == "concluded" or plan.revised:
                plan.tail.append(
                    self.task(
                        plan, flow.end, "END", STATUS.DONE, at, "start", finished=at
                    )
                )
            tails += plan.tail
        self.insert_tasks(tails)
        for plan in self.plans:
            if plan.tail:
                previous.append((plan.tail[0], plan.decider))
            for earlier, later in zip(plan.tail, plan.tail[1:], strict=False):
                previous.append((later, earlier))

        insert_rows(
            Task.previous.through,
            ["from_task_id", "to_task_id"],
            [(a.pk, b.pk) for a, b in previous],
        )
        # What the deadline timers that already fired recorded.
        DeadlineEvent.objects.bulk_create(
            [
                DeadlineEvent(
                    location_id=plan.version.agreement.location_id,
                    kind="approval",
                    event=event,
                    reference=deadlines.task_reference(task),
                    organisation_id=party.organisation_id,
                    description=self.approval_description(plan, party),
                    due_on=plan.version.approval_due_on,
                )
                for task, event, party, plan in deadline_events
            ],
            batch_size=BATCH,
        )
        human = sum(1 for t in [*approvals, *tails] if t.flow_task_type == "HUMAN")
        open_human = sum(
            1
            for t in [*approvals, *tails]
            if t.flow_task_type == "HUMAN"
            and t.status in (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)
        )
        self.counts["processes"] = len(processes)
        self.counts["human_tasks"] = human
        self.counts["open_human_tasks"] = open_human
        self.counts["task_rows"] = Task.objects.filter(process__in=processes).count()

    @staticmethod
    def approval_description(plan, party) -> str:
        return (
            f"{party.organisation.name} besluit over "
            f"‘{plan.version.agreement.title}’ (versie {plan.version.number}) "
            f"uiterlijk {plan.version.approval_due_on:%d-%m-%Y}."
        )

    def task(
        self,
        plan,
        node,
        kind,
        status,
        created,
        token,
        *,
        finished=None,
        started="created",
        owner=None,
        data=None,
    ) -> TaskRow:
        return TaskRow(
            process_id=plan.process.pk,
            flow_task=node,
            flow_task_type=kind,
            status=status,
            created=created,
            started=created if started == "created" else started,
            finished=finished,
            token=token,
            owner_id=owner.pk if owner is not None else None,
            data=data if data is not None else {},
        )

    def insert_tasks(self, rows: list[TaskRow]) -> None:
        """viewflow's task rows, many at a time, ids read back in order (the ORM's
        bulk_create spends minutes preparing 200,000 model instances)."""
        field = Task._meta.get_field("flow_task")
        data_field = Task._meta.get_field("data")
        refs: dict[int, str] = {}
        adapt = connection.ops.adapt_datetimefield_value
        values = []
        for row in rows:
            if id(row.flow_task) not in refs:
                refs[id(row.flow_task)] = field.get_prep_value(row.flow_task)
            values.append(
                (
                    refs[id(row.flow_task)],
                    row.flow_task_type,
                    row.status,
                    adapt(row.created),
                    adapt(row.started),
                    adapt(row.finished),
                    adapt(row.scheduled),
                    row.token,
                    row.owner_id,
                    row.owner_permission,
                    row.owner_permission_content_type_id,
                    row.owner_permission_obj_pk,
                    row.process_id,
                    data_field.get_db_prep_save(row.data, connection),
                )
            )
        ids = insert_rows(Task, TASK_COLUMNS, values, returning=True)
        for row, pk in zip(rows, ids, strict=True):
            row.pk = pk

    def audit(self) -> None:
        """The transitions that brought each location to its stage, through the
        service that writes the audit trail."""
        total = len(self.location_rows)
        for index, location in enumerate(self.location_rows):
            stage = Stage.PROPOSED
            for name in PATH[location.stage]:
                target = {
                    TransitionName.SELECT: Stage.SELECTED,
                    TransitionName.START_ANALYSIS: Stage.BOTTLENECK_ANALYSIS,
                    TransitionName.START_NEGOTIATION: Stage.NEGOTIATION,
                    TransitionName.CONCLUDE_HEADS_OF_AGREEMENT: Stage.HEADS_OF_AGREEMENT,
                    TransitionName.CONCLUDE_ADMINISTRATIVE_AGREEMENT: (
                        Stage.ADMINISTRATIVE_AGREEMENT
                    ),
                    TransitionName.ESCALATE: Stage.ESCALATED,
                    TransitionName.START_DESIGNATION: Stage.DESIGNATION_PROCEDURE,
                    TransitionName.DESIGNATE: Stage.DESIGNATED,
                    TransitionName.WITHDRAW: Stage.WITHDRAWN,
                }[name]
                system = name.startswith("conclude_")
                audit_record(
                    action=AuditAction.TRANSITION,
                    actor=None if system else self.case_managers[0],
                    location=location,
                    reason="Gegenereerde geschiedenis (generate_scale).",
                    transition=name,
                    from_stage=stage,
                    to_stage=target,
                )
                stage = target
            if index % 200 == 0 or index == total - 1:
                self.progress.step("audittrail", index + 1, total)
        self.counts["audit_events"] = sum(
            len(PATH[loc.stage]) for loc in self.location_rows
        )


class Command(BaseCommand):
    help = (
        "Genereert een portefeuille op productieschaal (locaties, partijen, "
        "overeenkomsten, goedkeuringsrondes met open en afgeronde taken) voor metingen."
    )

    def add_arguments(self, parser):
        parser.add_argument("--locations", type=int, default=2000)
        parser.add_argument("--tasks", type=int, default=50_000)
        parser.add_argument("--users", type=int, default=500)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--no-progress", action="store_true", help="Geen voortgangsbalk."
        )

    def handle(self, *args, **options):
        if options["locations"] < 1 or options["users"] < 6 or options["tasks"] < 0:
            raise CommandError("Geef minstens 1 locatie en 6 gebruikers.")
        started = time.perf_counter()
        with transaction.atomic():
            generator = Generator(
                locations=options["locations"],
                tasks=options["tasks"],
                users=options["users"],
                seed=options["seed"],
                progress=Progress(not options["no_progress"]),
            )
            counts = generator.run()
        # Bulk loading leaves the planner without statistics until autovacuum comes by;
        # gather them now, so that what is measured on this data is what a live
        # database of this size does (without them PostgreSQL picks nested loops over
        # tables it believes to hold one row).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        seconds = time.perf_counter() - started
        summary = ", ".join(f"{key} {value}" for key, value in counts.items())
        self.stdout.write(f"Gegenereerd in {seconds:.1f} s: {summary}.")
        if options["verbosity"] > 1:
            for label, step_seconds in generator.timings.items():
                self.stdout.write(f"  {label}: {step_seconds} s")
