"""The lifecycle of a bottleneck (issue 15, item 1): open → in progress → reported
resolved → resolved (or returned) → reopened, on the location page and on the
deadline clock."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from casework import services
from casework.constants import AuditAction, BottleneckStatus, ImpasseRule
from casework.impasses import detect_impasses
from casework.models import AuditEvent, Bottleneck, Deadline, ImpasseSignal
from permissions.errors import Conflict, InvalidInput, NotPermitted

from ..scenarios import add_bottleneck

pytestmark = pytest.mark.django_db

DUE = datetime.date(2027, 2, 1)
LATE = datetime.datetime(2027, 3, 1, tzinfo=datetime.UTC)


@pytest.fixture
def bottleneck(world) -> Bottleneck:
    return add_bottleneck(
        world.own, world.case_manager, owner=world.party_a, deadline=DUE
    )


def agenda(client, user, location) -> str:
    client.force_login(user)
    content = client.get(reverse("locations:detail", args=[location.pk])).content
    content = content.decode()
    start = content.index('id="knelpunten"')
    return content[start : content.index("</section>", start)]


def test_the_buttons_follow_the_lifecycle_and_the_role(world, bottleneck, client):
    assert ">Melden als opgelost<" in agenda(client, world.a_member, world.own)
    assert ">Melden als opgelost<" not in agenda(client, world.b_member, world.own)
    services.bottleneck_report_resolved(
        bottleneck=bottleneck, actor=world.a_member, resolution="Vergunning verleend."
    )
    manager = agenda(client, world.case_manager, world.own)
    assert ">Bevestigen<" in manager and ">Teruggeven<" in manager
    assert "Vergunning verleend." in manager
    assert ">Bevestigen<" not in agenda(client, world.a_member, world.own)
    services.bottleneck_confirm(bottleneck=bottleneck, actor=world.case_manager)
    assert ">Heropenen<" in agenda(client, world.case_manager, world.own)


def test_the_interface_path_with_clear_errors(world, bottleneck, client):
    client.force_login(world.a_member)
    url = reverse("workflow:bottleneck_resolve", args=[bottleneck.pk])
    assert "Hoe is het knelpunt opgelost?" in client.get(url).content.decode()
    response = client.post(url, {"text": ""})
    assert response.status_code == 200 and "dk-error" in response.content.decode()
    response = client.post(url, {"text": "De netbeheerder sluit aan."})
    assert response.status_code == 302
    bottleneck.refresh_from_db()
    assert bottleneck.status == BottleneckStatus.RESOLUTION_REPORTED
    # Only the case manager returns it.
    back = reverse("workflow:bottleneck_return", args=[bottleneck.pk])
    assert client.get(back).status_code == 403
    client.force_login(world.case_manager)
    response = client.post(back, {"text": ""})
    assert response.status_code == 200
    response = client.post(back, {"text": "Stuur de aansluitovereenkomst mee."})
    assert response.status_code == 302
    bottleneck.refresh_from_db()
    assert bottleneck.status == BottleneckStatus.IN_PROGRESS
    client.force_login(world.c_member)
    assert client.get(url).status_code == 404


def test_the_deadline_clock_watches_only_what_the_owner_owes(world, bottleneck):
    reference = f"bottleneck:{bottleneck.pk}"
    detect_impasses(now=LATE)
    key = f"deadline:{reference}"
    assert ImpasseSignal.objects.filter(key=key, closed_at__isnull=True).exists()
    services.bottleneck_report_resolved(
        bottleneck=bottleneck, actor=world.a_member, resolution="Opgelost."
    )
    assert Deadline.objects.get(reference=reference).resolved_at is not None
    detect_impasses(now=LATE)
    assert not ImpasseSignal.objects.filter(key=key, closed_at__isnull=True).exists()
    services.bottleneck_confirm(bottleneck=bottleneck, actor=world.case_manager)
    services.bottleneck_reopen(
        bottleneck=bottleneck, actor=world.case_manager, reason="Terug."
    )
    deadline = Deadline.objects.get(reference=reference)
    assert deadline.resolved_at is None and deadline.overdue_marked_at is None
    detect_impasses(now=LATE)
    assert ImpasseSignal.objects.filter(
        key=key, closed_at__isnull=True, rule=ImpasseRule.DEADLINE_PASSED
    ).exists()


def test_refusals_change_nothing(world, bottleneck):
    before = AuditEvent.objects.count()
    with pytest.raises(NotPermitted):
        services.bottleneck_report_resolved(
            bottleneck=bottleneck, actor=world.b_member, resolution="Klaar."
        )
    with pytest.raises(InvalidInput):
        services.bottleneck_report_resolved(
            bottleneck=bottleneck, actor=world.a_member, resolution=""
        )
    with pytest.raises(Conflict):
        services.bottleneck_confirm(bottleneck=bottleneck, actor=world.case_manager)
    with pytest.raises(Conflict):
        services.bottleneck_reopen(
            bottleneck=bottleneck, actor=world.case_manager, reason="Waarom?"
        )
    with pytest.raises(InvalidInput):
        services.bottleneck_update(
            bottleneck=bottleneck,
            actor=world.case_manager,
            changes={"status": BottleneckStatus.RESOLVED},
        )
    assert AuditEvent.objects.count() == before
    bottleneck.refresh_from_db()
    assert bottleneck.status == BottleneckStatus.OPEN


def test_moving_the_deadline_moves_the_clock(world, bottleneck):
    new_due = datetime.date(2027, 5, 3)
    services.bottleneck_update(
        bottleneck=bottleneck, actor=world.case_manager, changes={"deadline": new_due}
    )
    assert Deadline.objects.get(reference=f"bottleneck:{bottleneck.pk}").due_on == (
        new_due
    )
    assert AuditEvent.objects.filter(
        action=AuditAction.BOTTLENECK_UPDATED, data__bottleneck=bottleneck.pk
    ).exists()
