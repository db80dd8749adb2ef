import pytest

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def queue_in_database(settings):
    """The job queue as in production: rows in the database, run by `db_worker`."""
    settings.TASKS = DATABASE_QUEUE


@pytest.fixture
def run_worker(monkeypatch):
    """Run `db_worker` until the queue is empty, in this test's transaction."""
    from django.core.management import call_command
    from django_tasks_db.management.commands import db_worker

    # The worker closes its connection between jobs; here that connection holds the
    # test's transaction, so it stays open.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run():
        call_command(
            "db_worker", batch=True, startup_delay=False, queue_name="*", verbosity=0
        )

    return run


@pytest.fixture
def concluded_version(world):
    """The own location's heads of agreement, approved by both parties."""
    from casework.constants import Stage
    from casework.models import AgreementKind

    from ..scenarios import approve_by_every_party, bring_to, submit_agreement

    bring_to(
        world.own,
        Stage.NEGOTIATION,
        case_manager=world.case_manager,
        ministry=world.ministry,
    )
    version = submit_agreement(
        world.own, world.case_manager, AgreementKind.HEADS_OF_AGREEMENT
    )
    approve_by_every_party(version, world.own)
    version.refresh_from_db()
    return version
