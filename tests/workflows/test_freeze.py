"""A concluded agreement version is frozen (issue 3 item 1, "Bad input and races"):
whatever path tries to change its content — the services, the ORM, raw SQL, the admin —
is refused, and the content still hashes to the stored SHA-256 afterwards. Keeping a
commitment (its status) is what happens after conclusion, so that stays possible.

The database refusals come from the triggers of migration casework 0003, on SQLite and
on PostgreSQL alike.
"""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.db import IntegrityError, connection, transaction
from viewflow.workflow.models import Process

from casework import services as casework
from casework.constants import Stage
from casework.models import (
    AgreementKind,
    AgreementVersion,
    Approval,
    Commitment,
    CommitmentStatus,
    VersionStatus,
)
from permissions.errors import Conflict
from workflows import services as workflows
from workflows.flows import ApprovalRoundFlow

from ..factories import UserFactory
from ..scenarios import bring_to
from .rounds import approval_tasks, decide, submit_round

pytestmark = pytest.mark.django_db

FROZEN = "agreement version is concluded and frozen"


@pytest.fixture
def concluded(world) -> AgreementVersion:
    """The world's own heads of agreement, approved by A and B through the round:
    two commitments, B's waiting for A's."""
    location = bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    process = submit_round(location, world.case_manager)
    for task in approval_tasks(process):
        decide(task)
    version = AgreementVersion.objects.get(pk=process.artifact_object_id)
    assert version.status == VersionStatus.CONCLUDED
    first, second = version.commitments.order_by("id")
    assert list(second.depends_on.all()) == [first]
    return version


def content(version: AgreementVersion) -> dict:
    version = AgreementVersion.objects.get(pk=version.pk)
    return {
        "version": (
            version.number,
            version.text,
            version.status,
            version.sha256,
            version.concluded_at,
        ),
        "commitments": list(
            Commitment.objects.filter(version=version)
            .order_by("id")
            .values_list("pk", "owner_id", "description", "due_date")
        ),
        "dependencies": sorted(
            Commitment.depends_on.through.objects.filter(
                from_commitment__version=version
            ).values_list("from_commitment_id", "to_commitment_id")
        ),
        "approvals": sorted(
            Approval.objects.filter(version=version).values_list(
                "pk", "organisation_id", "decision", "comment", "decided_by_id"
            )
        ),
    }


def assert_still_hashes(version: AgreementVersion) -> None:
    version = AgreementVersion.objects.get(pk=version.pk)
    digest = hashlib.sha256(casework.version_canonical_content(version)).hexdigest()
    assert digest == version.sha256


def refused(write) -> None:
    """`write` fails in the database with the freeze trigger's error; its savepoint
    is rolled back so the test can go on."""
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        write()
    assert FROZEN in str(caught.value)


def test_the_services_refuse_to_change_a_concluded_version(world, concluded):
    before = content(concluded)
    location = concluded.agreement.location

    with pytest.raises(Conflict):
        casework.agreement_draft(
            location=location,
            actor=world.case_manager,
            kind=AgreementKind.HEADS_OF_AGREEMENT,
            title="Nieuwe titel",
            text="Andere afspraken.",
            commitments=[],
        )
    with pytest.raises(Conflict):
        casework.agreement_submit(version=concluded, actor=world.case_manager)
    with pytest.raises(Conflict):
        workflows.approval_round_submit(version=concluded, actor=world.case_manager)
    with pytest.raises(Conflict):
        casework.approval_record(
            version=concluded,
            organisation=world.org_a,
            actor=world.a_signatory,
            decision="reject",
            comment="Toch niet.",
        )
    # Its round's tasks are done: deciding again is a conflict too.
    round_ = Process.objects.get(
        flow_class=ApprovalRoundFlow, artifact_object_id=concluded.pk
    )
    with pytest.raises(Conflict):
        decide(approval_tasks(round_).first(), "reject", "Toch niet.")

    assert content(concluded) == before
    assert concluded.agreement.title == "Hoofdlijnenakkoord Eigen Locatie"
    assert_still_hashes(concluded)


def test_the_database_refuses_to_change_the_version(concluded):
    before = content(concluded)
    versions = AgreementVersion.objects.filter(pk=concluded.pk)

    refused(lambda: versions.update(text="Stilletjes gewijzigd."))
    refused(lambda: versions.update(sha256="0" * 64))
    refused(lambda: versions.update(number=9))
    refused(lambda: versions.update(status=VersionStatus.DRAFT))
    refused(lambda: versions.update(concluded_at=None))

    def save_new_text():
        version = AgreementVersion.objects.get(pk=concluded.pk)
        version.text = "Via save() gewijzigd."
        version.save()

    refused(save_new_text)

    def raw_sql():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE casework_agreementversion SET text = %s WHERE id = %s",
                ["Met SQL gewijzigd.", concluded.pk],
            )

    refused(raw_sql)
    refused(lambda: AgreementVersion.objects.get(pk=concluded.pk).delete())
    refused(lambda: versions.delete())

    def raw_delete():
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM casework_agreementversion WHERE id = %s", [concluded.pk]
            )

    refused(raw_delete)

    assert content(concluded) == before
    assert_still_hashes(concluded)


def test_the_database_refuses_to_change_commitments_and_dependencies(world, concluded):
    before = content(concluded)
    first, second = concluded.commitments.order_by("id")
    commitments = Commitment.objects.filter(pk=first.pk)

    refused(lambda: commitments.update(description="Minder beloofd."))
    refused(lambda: commitments.update(due_date=datetime.date(2031, 1, 1)))
    refused(lambda: commitments.update(owner=world.party_b))

    def save_description():
        commitment = Commitment.objects.get(pk=first.pk)
        commitment.description = "Via save() minder beloofd."
        commitment.save()

    refused(save_description)
    refused(lambda: Commitment.objects.get(pk=second.pk).delete())
    refused(
        lambda: Commitment.objects.create(
            version=concluded,
            owner=world.party_a,
            description="Er stilletjes bij gezet.",
            due_date=datetime.date(2027, 1, 1),
        )
    )
    # Dependencies: adding one, removing one, clearing them.
    refused(lambda: Commitment.objects.get(pk=first.pk).depends_on.add(second))
    refused(lambda: Commitment.objects.get(pk=second.pk).depends_on.remove(first))
    refused(lambda: Commitment.objects.get(pk=second.pk).depends_on.clear())

    assert content(concluded) == before
    assert_still_hashes(concluded)


def test_the_database_refuses_to_add_change_or_delete_approvals(world, concluded):
    before = content(concluded)
    approval = Approval.objects.filter(version=concluded).order_by("pk").first()

    # Organisation C never took part: only the trigger stands in the way here.
    refused(
        lambda: Approval.objects.create(
            version=concluded,
            organisation=world.org_c,
            decision="reject",
            comment="Achteraf afgewezen.",
            decided_by=world.c_signatory,
        )
    )
    refused(
        lambda: Approval.objects.filter(pk=approval.pk).update(
            decision="reject", comment="Toch afgewezen."
        )
    )
    refused(lambda: Approval.objects.get(pk=approval.pk).delete())

    assert content(concluded) == before


def test_a_commitments_status_can_still_change(concluded):
    first, second = concluded.commitments.order_by("id")

    Commitment.objects.filter(pk=first.pk).update(status=CommitmentStatus.DONE)
    commitment = Commitment.objects.get(pk=second.pk)
    commitment.status = CommitmentStatus.OVERDUE
    commitment.save()  # a full save writes the unchanged content too: allowed

    assert dict(concluded.commitments.order_by("id").values_list("pk", "status")) == {
        first.pk: CommitmentStatus.DONE,
        second.pk: CommitmentStatus.OVERDUE,
    }
    # The status is no part of the agreed content: the hash still holds.
    assert_still_hashes(concluded)


def test_the_admin_shows_a_concluded_version_read_only(client, concluded):
    admin = UserFactory(username="beheerder", is_staff=True, is_superuser=True)
    client.force_login(admin)
    before = content(concluded)
    first = concluded.commitments.order_by("id").first()
    change = f"/admin/casework/agreementversion/{concluded.pk}/change/"

    page = client.get(change)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content  # no save button: view only

    posted = client.post(
        change,
        {
            "agreement": concluded.agreement_id,
            "number": concluded.number,
            "text": "Via de beheeromgeving gewijzigd.",
            "status": VersionStatus.CONCLUDED,
            "sha256": concluded.sha256,
        },
    )
    assert posted.status_code == 403
    deleted = client.post(
        f"/admin/casework/agreementversion/{concluded.pk}/delete/", {"post": "yes"}
    )
    assert deleted.status_code == 403
    commitment = client.post(
        f"/admin/casework/commitment/{first.pk}/change/",
        {"description": "Minder beloofd.", "status": CommitmentStatus.WAIVED},
    )
    assert commitment.status_code == 403
    added = client.post(
        "/admin/casework/agreementversion/add/",
        {"agreement": concluded.agreement_id, "number": 2, "text": "Nieuw."},
    )
    assert added.status_code == 403
    # The list offers no bulk deletion; posting it anyway deletes nothing.
    changelist = client.get("/admin/casework/agreementversion/")
    assert changelist.status_code == 200
    assert b'value="delete_selected"' not in changelist.content
    client.post(
        "/admin/casework/agreementversion/",
        {
            "action": "delete_selected",
            "_selected_action": [concluded.pk],
            "post": "yes",
        },
    )

    assert content(concluded) == before
    assert Commitment.objects.get(pk=first.pk).status == CommitmentStatus.OPEN
    assert_still_hashes(concluded)
