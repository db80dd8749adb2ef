"""A new task reaches the people who can do it: an in-app notification at once, an
e-mail after the transaction commits (design §3, issue item 6)."""

from __future__ import annotations

from django.core import mail

from casework import services as casework
from casework.constants import Stage
from casework.models import AgreementKind
from workflows import services as workflows
from workflows.models import Notification

from ..scenarios import bring_to


def test_a_new_round_notifies_each_signatory_after_commit(
    world, django_capture_on_commit_callbacks
):
    world.a_signatory.email = "a@example.nl"
    world.a_signatory.save()
    bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    version = casework.agreement_draft(
        location=world.own,
        actor=world.case_manager,
        kind=AgreementKind.HEADS_OF_AGREEMENT,
        title="Akkoord",
        text="Tekst.",
        commitments=[],
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        workflows.approval_round_submit(version=version, actor=world.case_manager)
        assert mail.outbox == []  # nothing leaves before the commit
    notified = set(Notification.objects.values_list("user__username", flat=True))
    assert notified == {world.a_signatory.username, world.b_signatory.username}
    message = Notification.objects.get(user=world.a_signatory).message
    assert "Besluit over de overeenkomst" in message and world.own.name in message
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        ["a@example.nl", world.b_signatory.email]
    )
    assert "Nieuwe taak" in mail.outbox[0].subject
